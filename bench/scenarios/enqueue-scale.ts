import { sleep, wallMs } from '../support/stats.js';
import type { Backend, Configuration, Producer } from '../systems/system.js';

/** One measurement of enqueue throughput: `producers` concurrent callers for a fixed window. */
export interface EnqueueScaleResult {
  producers: number;
  mode: 'single' | 'bulk';
  /** The call measured: `SchedulerService.enqueue`, `addJob`, `send`; or the bulk call. */
  call: string;
  /** Tasks acknowledged (their call returned) within the window, and per second. */
  tasks: number;
  tasksPerSec: number;
  durationMs: number;
  problems: string[];
}

export interface EnqueueScaleOptions {
  producers: number;
  mode: 'single' | 'bulk';
  /** Producers start no new call after this long. */
  windowMs: number;
  /** Tasks per bulk call. */
  bulkSize: number;
  /** The single-call name, for the report. */
  singleCall: string;
}

/**
 * Enqueue throughput: `producers` concurrent callers in one process, each enqueuing tasks with
 * distinct numbers (one per call, or `bulkSize` per bulk call) until the window ends, over a
 * pool of as many connections. Counted are tasks whose call returned; the rate is those over the
 * time until the last call returned. The database must then hold exactly those tasks, each once.
 */
export async function enqueueScale(
  backend: Backend,
  producer: Producer,
  options: EnqueueScaleOptions,
): Promise<EnqueueScaleResult> {
  await backend.clear();
  let next = 0;
  let acknowledged = 0;
  const started = wallMs();
  const until = started + options.windowMs;
  const loop = async () => {
    while (wallMs() < until) {
      if (options.mode === 'single') {
        const n = next++;
        await producer.enqueue(n);
        acknowledged++;
      } else {
        const from = next;
        next += options.bulkSize;
        const ns = Array.from({ length: options.bulkSize }, (_, i) => from + i);
        await producer.enqueueMany(ns);
        acknowledged += ns.length;
      }
    }
  };
  await Promise.all(Array.from({ length: options.producers }, loop));
  const durationMs = wallMs() - started;
  await sleep(0);
  const problems = await backend.verifyEnqueued(acknowledged);
  return {
    producers: options.producers,
    mode: options.mode,
    call: options.mode === 'single' ? options.singleCall : producer.bulkCall,
    tasks: acknowledged,
    tasksPerSec: (acknowledged * 1000) / durationMs,
    durationMs,
    problems,
  };
}

/** The single-call name of each system's producer. */
export const singleCall = (config: Configuration): string =>
  config.system === 'kronos' ? 'SchedulerService.enqueue' : config.system === 'graphile-worker' ? 'addJob' : 'send';
