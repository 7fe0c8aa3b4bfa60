/**
 * The trusted-documents manifest: which documents may run in TRUSTED_DOCUMENTS_MODE=enforce, by hash.
 *
 * The format is GraphQL Codegen's client preset `persisted-documents.json` (`persistedDocuments: { hashAlgorithm:
 * 'sha256' }`): one JSON object, `{ "<sha256 hex of the document>": "<document>" }`, which is also what
 * tools/extract-documents.ts writes. Apollo's `apollo-persisted-query-manifest` (`{ format, version, operations: [{ id,
 * body }] }`, from @apollo/generate-persisted-query-manifest) is read too. Every entry's hash is checked against its
 * text when the file is loaded: a client sends the hash it computed from that same text, and a wrong entry would
 * otherwise fail every request for it, quietly.
 */
import { readFile } from 'node:fs/promises';
import { documentHash, isDocumentHash } from './hash.js';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Hash → document, from a manifest's parsed JSON. Throws ManifestError naming what is wrong. */
export function parseManifest(json: unknown, origin = 'manifest'): Map<string, string> {
  const entries = manifestEntries(json, origin);
  const documents = new Map<string, string>();
  for (const [hash, text] of entries) {
    if (!isDocumentHash(hash)) throw new ManifestError(`${origin}: "${hash}" is not a SHA-256 hash in hex`);
    if (typeof text !== 'string' || text.trim() === '') {
      throw new ManifestError(`${origin}: the document of ${hash} is not a non-empty string`);
    }
    if (documentHash(text) !== hash.toLowerCase()) {
      throw new ManifestError(`${origin}: ${hash} is not the SHA-256 of its document (${documentHash(text)} is)`);
    }
    documents.set(hash.toLowerCase(), text);
  }
  return documents;
}

function manifestEntries(json: unknown, origin: string): [string, unknown][] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ManifestError(`${origin}: expected a JSON object { "<sha256>": "<document>" }`);
  }
  const record = json as Record<string, unknown>;
  if (record.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(record.operations)) throw new ManifestError(`${origin}: "operations" must be an array`);
    return record.operations.map((op: unknown) => {
      const { id, body } = (op ?? {}) as { id?: unknown; body?: unknown };
      return [String(id), body];
    });
  }
  return Object.entries(record);
}

/** Reads and checks the manifest at `path`. */
export async function loadManifest(path: string): Promise<Map<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ManifestError(`${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return parseManifest(json, path);
}
