/** How a persisted document is named: the SHA-256 of its exact text, in lowercase hex (Apollo's APQ protocol). */
import { createHash } from 'node:crypto';

export const documentHash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Whether `value` is a SHA-256 in hex, either case (clients send lowercase; compare after lowercasing). */
export const isDocumentHash = (value: unknown): value is string =>
  typeof value === 'string' && /^[0-9a-fA-F]{64}$/.test(value);
