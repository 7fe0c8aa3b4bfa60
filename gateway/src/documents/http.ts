/**
 * Persisted documents on `/graphql` over HTTP (GET and POST, queries, mutations, and the SSE and multipart
 * subscriptions that share the path), as two express middlewares around demand control:
 *
 * - resolve (before demand control): turns a hash into its document, checks a sent text against its hash, and
 *   applies the trusted-documents mode (resolve.ts). The request is then rewritten to carry the full text and no
 *   `persistedQuery` extension, so that demand control, the subscription transports and Apollo (whose own
 *   `persistedQueries` stays off) all see an ordinary request.
 * - register (after demand control): registers a document sent with its hash, now that it is known to pass.
 */
import type { Request, RequestHandler, Response } from 'express';
import { requestParams } from '../limits/http.js';
import type { DocumentResolver, Resolution } from './resolve.js';

export interface PersistedDocumentsHttp {
  resolve: RequestHandler;
  register: RequestHandler;
}

export function persistedDocumentsHttp(resolver: DocumentResolver): PersistedDocumentsHttp {
  const pending = new WeakMap<Request, { hash: string; text: string }>();
  return {
    resolve(req, res, next) {
      // Anything else (other methods, batches) is answered by demand control or Apollo.
      if ((req.method !== 'GET' && req.method !== 'POST') || Array.isArray(req.body)) return next();
      resolver
        .resolve(requestParams(req))
        .then((outcome) => {
          if (outcome.kind === 'pass') return next();
          if (outcome.kind === 'refused') return refuse(res, outcome);
          rewrite(req, outcome.query);
          if (outcome.register) pending.set(req, { hash: outcome.hash, text: outcome.query });
          next();
        })
        .catch(next);
    },
    register(req, _res, next) {
      const registration = pending.get(req);
      if (registration) resolver.register(registration.hash, registration.text);
      next();
    },
  };
}

function refuse(res: Response, { errors, status, headers }: Extract<Resolution, { kind: 'refused' }>) {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json({ errors: errors.map((e) => e.toJSON()) });
}

/** The request, carrying `query` and no persistedQuery extension: a POST's JSON body, or a GET's query string. */
function rewrite(req: Request, query: string) {
  if (req.method === 'POST') {
    const body = req.body as Record<string, unknown>;
    body.query = query;
    body.extensions = withoutPersistedQuery(body.extensions);
    if (body.extensions === undefined) delete body.extensions;
    return;
  }
  // express computes req.query from req.url; Apollo reads req.url's search and graphql-sse req.originalUrl's.
  req.url = withQuery(req.url, query);
  req.originalUrl = withQuery(req.originalUrl, query);
}

function withQuery(url: string, query: string): string {
  const at = url.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
  params.set('query', query);
  const extensions = params.get('extensions');
  if (extensions !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extensions);
    } catch {
      parsed = undefined;
    }
    const rest = withoutPersistedQuery(parsed);
    if (rest === undefined) params.delete('extensions');
    else params.set('extensions', JSON.stringify(rest));
  }
  return `${at < 0 ? url : url.slice(0, at)}?${params.toString()}`;
}

/** `extensions` without persistedQuery; undefined when nothing else is left. */
function withoutPersistedQuery(extensions: unknown): Record<string, unknown> | undefined {
  if (typeof extensions !== 'object' || extensions === null || Array.isArray(extensions)) return undefined;
  const { persistedQuery: _hash, ...rest } = extensions as Record<string, unknown>;
  return Object.keys(rest).length ? rest : undefined;
}
