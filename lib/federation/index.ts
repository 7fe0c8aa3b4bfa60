/** A reference to an entity another subgraph owns: the gateway fetches the rest from the owner. */
export interface EntityRef {
  id: string;
}

export const ref = (id: string): EntityRef => ({ id });
