export type CompartmentState = 'AVAILABLE' | 'RESERVED' | 'OCCUPIED' | 'OPEN' | 'FAULT';

export interface CompartmentFacts {
  doorOpen: boolean;
  fault?: string | null;
  occupied: boolean;
  reserved: boolean;
}

/** docs/contract.md (lockers): door open → OPEN; fault → FAULT; else occupied → OCCUPIED; else reserved → RESERVED. */
export function compartmentState(facts: CompartmentFacts): CompartmentState {
  if (facts.doorOpen) return 'OPEN';
  if (facts.fault) return 'FAULT';
  if (facts.occupied) return 'OCCUPIED';
  if (facts.reserved) return 'RESERVED';
  return 'AVAILABLE';
}
