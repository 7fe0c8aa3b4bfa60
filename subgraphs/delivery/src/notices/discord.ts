/**
 * A Discord webhook client for dispatch notices (`POST {webhookUrl}` with `{ content }`; Discord answers 204, or 200
 * with `?wait=true`). Failures never reach the delivery: the client retries, then gives up, logs and says so.
 * - 429: waits what `Retry-After` (header, seconds) or the body's `retry_after` says, when that fits the budget;
 * - 5xx, timeouts and network errors: exponential backoff with jitter;
 * - any other 4xx (a deleted webhook, a bad URL): gives up at once, since retrying cannot help.
 * No webhook configured (DISCORD_WEBHOOK_URL unset): the notice is logged instead of posted.
 * With the defaults a notice takes at most 4 attempts × 3 s + 3 waits × 5 s = 27 s before the client gives up.
 *
 * The webhook URL carries its secret token, so it is never logged.
 */
import type { Logger } from '../../../../lib/logger/index.js';
import type { DispatchNotifier, NoticeOutcome } from '../services/runtime.js';

export interface DiscordWebhookOptions {
  /** The webhook URL; unset → notices are only logged. */
  url?: string;
  logger: Logger;
  /** Milliseconds allowed for one attempt, body included. @default 3000 */
  timeoutMs?: number;
  /** Attempts before giving up, the first included. @default 4 */
  maxAttempts?: number;
  /** Backoff before the second attempt, doubled for each further one (±50% jitter), milliseconds. @default 500 */
  baseDelayMs?: number;
  /** The longest wait between attempts, milliseconds; a longer Retry-After makes the client give up. @default 5000 */
  maxDelayMs?: number;
}

/** Why one attempt failed, and whether another may succeed (and after how long, if the server said). */
interface AttemptFailure {
  error: string;
  retry: boolean;
  retryAfterMs?: number;
}

export class DiscordWebhookClient implements DispatchNotifier {
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: DiscordWebhookOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
  }

  async post(content: string): Promise<NoticeOutcome> {
    const log = this.options.logger;
    if (!this.options.url) {
      log.info({ notice: content }, 'dispatch notice not posted: DISCORD_WEBHOOK_URL is unset');
      return { status: 'SKIPPED', attempts: 0 };
    }
    for (let attempt = 1; ; attempt++) {
      const failure = await this.attempt(this.options.url, content);
      if (!failure) return { status: 'SENT', attempts: attempt };
      const delay = failure.retryAfterMs ?? this.backoff(attempt);
      if (!failure.retry || attempt >= this.maxAttempts || delay > this.maxDelayMs) {
        log.error({ attempts: attempt, error: failure.error }, 'dispatch notice not posted to Discord: gave up');
        return { status: 'FAILED', attempts: attempt, error: failure.error };
      }
      log.warn({ attempt, error: failure.error, retryInMs: delay }, 'dispatch notice: Discord failed, retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One POST; undefined when Discord took the message. */
  private async attempt(url: string, content: string): Promise<AttemptFailure | undefined> {
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // No mention in a notice may ping anyone: the request note is free text.
        body: JSON.stringify({ content, allowed_mentions: { parse: [] } }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await response.text();
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      return { error: timedOut ? `timed out after ${this.timeoutMs} ms` : errorName(err), retry: true };
    }
    if (response.ok) return undefined;
    const error = `HTTP ${response.status}`;
    if (response.status === 429) return { error, retry: true, retryAfterMs: retryAfterMs(response, body) };
    return { error, retry: response.status >= 500 };
  }

  private backoff(attempt: number): number {
    return Math.round(this.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
  }
}

/** Discord's wait: the `Retry-After` header (seconds, possibly fractional), else the body's `retry_after`. */
function retryAfterMs(response: Response, body: string): number | undefined {
  const header = Number(response.headers.get('retry-after') ?? Number.NaN);
  if (Number.isFinite(header) && header >= 0) return Math.ceil(header * 1000);
  try {
    const seconds = (JSON.parse(body) as { retry_after?: unknown }).retry_after;
    return typeof seconds === 'number' && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** A network error's kind without its message (which may name the URL and so the webhook's token). */
function errorName(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.name : 'network error');
}
