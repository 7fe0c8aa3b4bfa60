/**
 * The port through which orders learn that a locker exists and which hub serves it. Lockers belong to the locker
 * subgraph, so only it can say (peers/locker-directory.ts asks its `_entities`); no copy is kept here.
 */
export interface LockerDirectory {
  /**
   * The hub of locker `lockerId`, or null when no locker has that id.
   * @throws DomainError SERVICE_UNAVAILABLE when the locker subgraph cannot be asked.
   */
  hubOf(lockerId: string): Promise<string | null>;
}
