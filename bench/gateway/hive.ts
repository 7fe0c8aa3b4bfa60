/**
 * Hive Gateway (@graphql-hive/gateway-runtime) on node:http, with its defaults:
 * `node --import tsx bench/gateway/hive.ts <supergraph file>`. Prints `{"port":N}` once listening on 127.0.0.1.
 *
 * The runtime loads the subgraphs' HTTP transport from @graphql-mesh/transport-http, which the Hive Gateway CLI
 * brings and this repository does not install; the transport given here makes the same core call that package
 * makes: @graphql-tools/executor-http's buildHTTPExecutor on the subgraph's URL with the gateway's fetch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

/** The part of the runtime's API used here. Its own types pull in @types/node 25, whose globals clash with ours. */
interface HiveRuntime {
  createGatewayRuntime(options: {
    supergraph: string;
    logging: boolean;
    transports: {
      http: {
        getSubgraphExecutor(entry: {
          transportEntry: { location?: string; headers?: [string, string][] };
          fetch: unknown;
        }): unknown;
      };
    };
  }): (req: http.IncomingMessage, res: http.ServerResponse) => unknown;
}
interface HttpExecutor {
  buildHTTPExecutor(options: { endpoint: string; fetch: unknown; headers: Record<string, string> }): unknown;
}
// A specifier typed as string keeps the compiler from reading the packages' declarations.
const runtimePackage: string = '@graphql-hive/gateway-runtime';
const executorPackage: string = '@graphql-tools/executor-http';
const { createGatewayRuntime } = (await import(runtimePackage)) as HiveRuntime;
const { buildHTTPExecutor } = (await import(executorPackage)) as HttpExecutor;

const gateway = createGatewayRuntime({
  supergraph: readFileSync(process.argv[2]!, 'utf8'),
  logging: false,
  transports: {
    http: {
      getSubgraphExecutor: ({ transportEntry, fetch }) =>
        buildHTTPExecutor({
          endpoint: transportEntry.location!,
          fetch,
          headers: Object.fromEntries(transportEntry.headers ?? []),
        }),
    },
  },
});
const server = http.createServer((req, res) => void gateway(req, res));
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0));
