/** A graphile-worker process: `run()` with a task list of one no-op task that records its number. */
import { Logger, run } from 'graphile-worker';
import { probe, serve, spec } from '../support/probe.js';

const quiet = new Logger(() => (level, message) => {
  if (level === 'error') console.error(`graphile-worker: ${message}`);
});

const runner = await run({
  connectionString: spec.settings.connectionString,
  concurrency: spec.settings.concurrency,
  noHandleSignals: true,
  logger: quiet,
  taskList: {
    noop: async (payload) => {
      probe.record((payload as { n: number }).n);
    },
  },
  preset: { worker: spec.settings.preset ?? {} },
});
serve(() => runner.stop());
