/**
 * The port through which the user subgraph learns whether a hub or firm id exists. Hubs belong to the hub
 * subgraph and firms to the order subgraph, so only they can say (peers/scope-directory.ts asks them).
 */
export interface ScopeDirectory {
  /** The first of the given scope ids that does not exist, by field name; null when all exist. */
  missing(scope: { hubId: string | null; firmId: string | null }): Promise<'hubId' | 'firmId' | null>;
}
