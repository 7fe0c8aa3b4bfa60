/** Named operations shared by the end-to-end tests and the benchmark. */
export const ALL_FIVE_QUERY = /* GraphQL */ `
  query AllFive {
    hubs {
      id
      name
      firms {
        id
        name
        products {
          id
          name
          stock
        }
      }
      lockers {
        id
        name
        online
        compartments {
          index
          state
        }
      }
      deliveryManagers {
        id
        kind
        user {
          id
          username
          deliveryManager {
            id
          }
        }
      }
    }
  }
`;
