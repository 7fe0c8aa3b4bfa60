import { ConfigError, loadEnvFile } from '../config/index.js';
import { ServiceUnavailableError } from '../infra/probe.js';

/**
 * Runs a process's start-up, after loading `.env` when there is one. A failure a person can fix — a bad variable, a service that is not answering — is
 * one line naming the service, URL and variable, not a stack trace; anything else is a bug and keeps its stack.
 */
export async function main(start: () => Promise<void>): Promise<void> {
  try {
    loadEnvFile();
    await start();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ServiceUnavailableError) {
      console.error(`hubgraph: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
