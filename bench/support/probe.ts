import { readFileSync } from 'node:fs';
import type { ParentMessage, WorkerMessage, WorkerReport, WorkerSpec } from './protocol.js';
import { wallMs } from './stats.js';

/** The worker process side: what every handler records, and the conversation with the benchmark. */
export const spec: WorkerSpec = JSON.parse(process.env.BENCH_WORKER ?? '{}');

const send = (message: WorkerMessage) => process.send?.(message);

/** Resident set size of this process (Linux /proc: VmRSS now, VmHWM the peak so far), MB. */
function rssMb(field: 'VmRSS' | 'VmHWM'): number {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux: fall back to the current RSS
  }
  return process.memoryUsage.rss() / (1024 * 1024);
}

/** How often the worker records its handler count and RSS (the sustained scenario's series). */
const SAMPLE_MS = 250;

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** Counts handler calls per task number; throttled progress messages let the benchmark see the end. */
export class Probe {
  private readonly counts: Uint8Array;
  private readonly starts: Float64Array | null;
  readonly enqueued: Float64Array | null;
  private first = 0;
  private last = 0;
  private total = 0;
  private unexpected = 0;
  private timer?: NodeJS.Timeout;
  private cpuAtFirst?: NodeJS.CpuUsage;
  private rssAtFirst = 0;
  /** Every SAMPLE_MS: wall-clock ms, handler calls so far, RSS in MB (flat triples). */
  private readonly samples: number[] = [];

  constructor(
    private readonly expected: number,
    keepStarts: boolean,
  ) {
    this.counts = new Uint8Array(expected);
    this.starts = keepStarts ? new Float64Array(expected) : null;
    this.enqueued = keepStarts ? new Float64Array(expected) : null;
    this.sample();
    setInterval(() => this.sample(), SAMPLE_MS).unref();
  }

  private sample(): void {
    this.samples.push(wallMs(), this.total, rssMb('VmRSS'));
  }

  record(n: unknown): void {
    const t = wallMs();
    if (this.first === 0) {
      this.first = t;
      this.cpuAtFirst = process.cpuUsage();
      this.rssAtFirst = rssMb('VmRSS');
    }
    this.last = t;
    this.total++;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < this.expected) {
      if (this.counts[n] < 255) this.counts[n]++;
      if (this.starts && this.starts[n] === 0) this.starts[n] = t;
    } else {
      this.unexpected++;
    }
    // At most one message per 5 ms: the benchmark learns quickly that everything started.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      send({ type: 'progress', total: this.total });
    }, 5);
  }

  report(): WorkerReport {
    return {
      pid: process.pid,
      first: this.first,
      last: this.last,
      total: this.total,
      counts: Array.from(this.counts),
      unexpected: this.unexpected,
      starts: this.starts ? Array.from(this.starts) : undefined,
      enqueued: this.enqueued ? Array.from(this.enqueued) : undefined,
      peakRssMb: rssMb('VmHWM'),
      rssAtFirstMb: this.rssAtFirst,
      cpuMs: this.cpuAtFirst ? cpuMs(process.cpuUsage(this.cpuAtFirst)) : 0,
      samples: (this.sample(), this.samples),
    };
  }
}

export const probe = new Probe(spec.expected ?? 0, spec.keepStarts ?? false);

/** Tell the benchmark we are ready and answer its requests; `stop` shuts the worker down cleanly. */
export function serve(stop: () => Promise<void>): void {
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'report') send({ type: 'report', report: probe.report() });
    if (message.type === 'stop') {
      const force = setTimeout(() => process.exit(0), 15_000);
      force.unref();
      void stop()
        .catch((error) => console.error('bench worker: stop failed', error))
        .finally(() => process.exit(0));
    }
  });
  send({ type: 'ready' });
}
