/**
 * Pickup codes (docs/domain.md §9): a 6-digit PIN and a QR token per deposited reservation. Nothing readable is
 * stored: the PIN as an HMAC keyed by the pickup secret (a plain hash of a 6-digit number is reversed in a
 * second), the QR token as its SHA-256 (it is long and random, and signed so a forged one is refused before any
 * lookup), and both sealed with AES-256-GCM until their recipient reads them once.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

const QR_PREFIX = 'hgqr';

/** A PIN is exactly six digits; anything else presented as a code is taken for a QR token. */
export const isPin = (code: string) => /^\d{6}$/.test(code);

export interface IssuedCodes {
  pin: string;
  qrToken: string;
}

export class PickupCodes {
  private readonly pinKey: Buffer;
  private readonly qrKey: Buffer;
  private readonly sealKey: Buffer;

  constructor(secret: string) {
    // One secret, a separate key per use, so no value computed for one purpose is valid for another.
    const derive = (purpose: string) => createHmac('sha256', secret).update(`hubgraph-pickup:${purpose}`).digest();
    this.pinKey = derive('pin');
    this.qrKey = derive('qr');
    this.sealKey = derive('seal');
  }

  newPin(): string {
    return randomInt(0, 1_000_000).toString().padStart(6, '0');
  }

  /** Keyed per locker: a PIN is valid only at its own locker, and unique among that locker's live codes. */
  pinHash(lockerId: string, pin: string): string {
    return createHmac('sha256', this.pinKey).update(`${lockerId}:${pin}`).digest('hex');
  }

  /** `hgqr.<credentialId>.<nonce>.<signature>`: unguessable, and verifiable without a lookup. */
  newQrToken(credentialId: string): string {
    const body = `${QR_PREFIX}.${credentialId}.${randomBytes(16).toString('base64url')}`;
    return `${body}.${this.sign(body)}`;
  }

  qrTokenHash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  /** The credential id a correctly signed token names; null for anything else. */
  verifyQrToken(token: string): string | null {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== QR_PREFIX) return null;
    const body = parts.slice(0, 3).join('.');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(parts[3]!);
    return given.length === expected.length && timingSafeEqual(given, expected) ? parts[1]! : null;
  }

  /** Encrypts the codes for the recipient's one read. */
  seal(codes: IssuedCodes): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const data = Buffer.concat([cipher.update(`${codes.pin}:${codes.qrToken}`, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
  }

  unseal(sealed: string): IssuedCodes {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const at = text.indexOf(':');
    return { pin: text.slice(0, at), qrToken: text.slice(at + 1) };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.qrKey).update(body).digest('base64url');
  }
}
