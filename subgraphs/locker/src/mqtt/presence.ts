/** `presence` (device → platform, retained): "online", or the last will's "offline" (docs/mqtt-protocol.md). */

/** Presence payloads are JSON strings ("online"); bare words are accepted from simple devices. */
export function parsePresence(payload: string): boolean | null {
  let value: unknown = payload.trim();
  try {
    value = JSON.parse(payload);
  } catch {
    // a bare word
  }
  return value === 'online' ? true : value === 'offline' ? false : null;
}
