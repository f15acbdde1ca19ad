/**
 * Runs the recurring-definitions scenario on its own (bench/scenarios/recurring-definitions.ts):
 *
 * ```sh
 * npx tsc -p bench/tsconfig.json --outDir .build/probe-cost
 * PGDATABASE=kronos_bench_cost node --expose-gc .build/probe-cost/bench/probes/recurring-definitions.js \
 *   --definitions=10000 --modes=burst,spread --minutes=2
 * ```
 *
 * Prints one JSON line per mode.
 */
import { recurringDefinitions } from '../scenarios/recurring-definitions.js';
import { ensurePostgresDatabase } from '../support/databases.js';
import { postgres } from '../support/settings.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')] as const;
  }),
);

async function main(): Promise<void> {
  const server = postgres();
  if (!process.env.PGDATABASE) server.database = 'kronos_bench_cost';
  await ensurePostgresDatabase(server);
  for (const mode of (args.get('modes') ?? 'burst,spread').split(',') as Array<'burst' | 'spread'>) {
    const result = await recurringDefinitions({
      server,
      definitions: Number(args.get('definitions') ?? 10000),
      mode,
      minutes: Number(args.get('minutes') ?? 2),
      log: (line) => console.error(`${new Date().toISOString()} ${line}`),
    });
    console.log(JSON.stringify(result));
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
