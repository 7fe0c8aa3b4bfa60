/**
 * Stock @apollo/gateway behind @apollo/server's standalone HTTP server, as its README sets it up, nothing added:
 * `node --import tsx bench/gateway/stock.ts <supergraph file>`. Prints `{"port":N}` once listening on 127.0.0.1.
 * (The runner sets APOLLO_TELEMETRY_DISABLED, so that it sends nothing off the machine.)
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.argv[2]!, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
console.log(JSON.stringify({ port: Number(new URL(url).port) }));
process.on('SIGTERM', () => process.exit(0));
