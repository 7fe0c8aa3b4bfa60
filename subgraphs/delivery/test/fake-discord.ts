/** A fake Discord webhook on 127.0.0.1: answers from a script, records what it was sent. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (to exercise the client's timeout). */
  hang?: boolean;
}

export interface FakeDiscord {
  /** The webhook URL, with a fake token in its path as Discord's have. */
  url: string;
  /** Bodies received, in order, with their arrival time (ms since epoch). */
  received: { body: { content: string; allowed_mentions?: unknown }; at: number }[];
  /** Answers to give, in order; once used up, every request gets 204. */
  script: FakeAnswer[];
  close(): Promise<void>;
}

export const FAKE_TOKEN = 'fake-webhook-token-never-logged';

export async function startFakeDiscord(script: FakeAnswer[] = []): Promise<FakeDiscord> {
  const received: FakeDiscord['received'] = [];
  const hanging: (() => void)[] = [];
  const fake = { script } as FakeDiscord;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push({ body: JSON.parse(raw) as FakeDiscord['received'][number]['body'], at: Date.now() });
      const answer = fake.script.shift() ?? { status: 204 };
      if (answer.hang) {
        hanging.push(() => res.destroy());
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/api/webhooks/1234/${FAKE_TOKEN}`,
    received,
    async close() {
      for (const drop of hanging) drop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
