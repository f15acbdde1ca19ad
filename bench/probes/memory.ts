/**
 * What a worker process holds before its first task: a probe, not part of `npm run bench`.
 *
 * In one process, after a full garbage collection at each step, it prints the resident set size,
 * its peak so far (`VmHWM`) and the V8 heap in use: Node alone, then with the framework imported
 * (Nest, TypeORM, pg), then with `nestjs-kronos` imported, then with a Nest application context
 * running a Kronos worker (PostgreSQL, the benchmark's database settings) and one task run.
 *
 *   node node_modules/typescript/bin/tsc -p bench/tsconfig.json --outDir .build/wake
 *   PGDATABASE=kronos_wake_probe node --expose-gc .build/wake/bench/probes/memory.js
 *
 * With `KRONOS_MEMORY_MODULES=1` it also lists the library's own modules loaded by the end (ES
 * module load hook). The worker's tables must exist (run the wake-up probe once, or the benchmark).
 */
import { register } from 'node:module';
import { readFileSync } from 'node:fs';

const listModules = process.env.KRONOS_MEMORY_MODULES === '1';
const loaded: string[] = [];
if (listModules) {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url: string) => loaded.push(url));
  port1.unref();
  const hooks = `export async function initialize({ port }) { globalThis.port = port; }
export async function load(url, context, next) { globalThis.port.postMessage(url); return next(url, context); }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function vm(field: string): number {
  const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const rows: string[] = [];
function step(name: string): void {
  gc!();
  gc!();
  const { heapUsed, heapTotal } = process.memoryUsage();
  rows.push(
    `| ${name} | ${vm('VmRSS').toFixed(1)} | ${vm('VmHWM').toFixed(1)} | ${(heapUsed / 2 ** 20).toFixed(1)} | ${(heapTotal / 2 ** 20).toFixed(1)} |`,
  );
}

step('node alone');
await import('reflect-metadata');
await import('@nestjs/common');
await import('@nestjs/core');
await import('@nestjs/typeorm');
await import('typeorm');
await import('pg');
step('+ Nest, TypeORM, pg imported');
const kronos = await import('../../lib/index.js');
step('+ nestjs-kronos imported');

const { Injectable, Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { TypeOrmModule } = await import('@nestjs/typeorm');
const { postgres } = await import('../support/settings.js');
const { typeormConnection } = await import('../support/typeorm.js');
let ran: () => void = () => undefined;
const firstTask = new Promise<void>((resolve) => (ran = resolve));

@Injectable()
class MemoryJobs {
  @kronos.Job('memory.noop')
  noop() {
    ran();
  }
}
@Module({
  imports: [
    TypeOrmModule.forRoot({
      ...typeormConnection('postgres', postgres()),
      autoLoadEntities: true,
      synchronize: false,
    }),
    kronos.SchedulerModule.forRoot({ worker: {} }),
  ],
  providers: [MemoryJobs],
})
class MemoryModule {}

const app = await NestFactory.createApplicationContext(MemoryModule, { logger: ['error', 'warn'] });
step('+ application context with a Kronos worker started');
await app.get(kronos.SchedulerService).enqueue('memory.noop', {});
await firstTask;
step('+ one task run');
await app.close();

console.log('| step | RSS, MB | peak RSS, MB | heap used, MB | heap total, MB |\n|---|---:|---:|---:|---:|');
console.log(rows.join('\n'));
if (listModules) {
  const own = loaded.filter((url) => url.includes('/lib/')).map((url) => url.replace(/^.*\/lib\//, 'lib/'));
  console.log(`\n${own.length} modules of the library loaded:\n${own.sort().join('\n')}`);
}
process.exit(0);
