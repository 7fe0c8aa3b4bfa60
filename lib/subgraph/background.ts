/**
 * Background work of a subgraph (MQTT bridges, event consumers, outbox relays, one-shot bootstrap
 * steps) as a list rather than one start hook: each task is started in order and logged, the whole
 * list is stopped in reverse order, and a task that fails to start undoes the ones started before it.
 */
import type { Logger } from '../logger/index.js';

export type StopTask = () => Promise<void>;

export interface BackgroundTask<TDeps> {
  /** Shown in logs, e.g. "mqtt-presence". */
  name: string;
  /** Starts the work; returns how to stop it, or nothing for a one-shot step. */
  start(deps: TDeps): Promise<StopTask | void>;
}

/**
 * Starts `tasks` in order. Returns one function that stops them all in reverse order (logging, and
 * going on past, a task whose stop fails). If a task fails to start, the ones already started are
 * stopped before the error is rethrown, so a failed boot leaves nothing running.
 */
export async function startBackground<TDeps>(
  tasks: readonly BackgroundTask<TDeps>[],
  deps: TDeps,
  logger: Logger,
): Promise<StopTask> {
  const started: { name: string; stop: StopTask }[] = [];
  const stopAll = async () => {
    for (const task of started.splice(0).reverse()) {
      try {
        await task.stop();
        logger.debug({ task: task.name }, 'background task stopped');
      } catch (err) {
        logger.error({ err, task: task.name }, 'background task failed to stop');
      }
    }
  };
  for (const task of tasks) {
    try {
      const stop = await task.start(deps);
      if (stop) started.push({ name: task.name, stop });
      logger.info({ task: task.name }, stop ? 'background task started' : 'background step done');
    } catch (err) {
      logger.error({ err, task: task.name }, 'background task failed to start');
      await stopAll();
      throw err;
    }
  }
  return stopAll;
}
