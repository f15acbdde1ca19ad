import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Configuration } from '../systems/system.js';
import { VIA_CLI, type WorkerMessage, type WorkerReport, type WorkerSpec } from './protocol.js';

/** How to start a configuration's worker process. */
export interface WorkerLaunch {
  entry: string;
  args: string[];
  nodeFlags: readonly string[];
  env: Record<string, string>;
  /** Keep the process's output unless it fails (the `kronos worker` command reports its start and stop). */
  quiet: boolean;
}

const workers = join(import.meta.dirname, '..', 'workers');

/**
 * A configuration's worker process: its `bench/workers/<name>.worker.ts`, or for Kronos's
 * `service` configuration the `kronos worker` command (compiled beside the benchmark, `.build/bench-<pid>/lib/cli/`)
 * booting kronos.app.ts, with the Node.js flags Kronos's service files give it.
 */
export function workerLaunch(config: Configuration): WorkerLaunch {
  if (config.cli) {
    return {
      entry: join(import.meta.dirname, '..', '..', 'lib', 'cli', 'main.js'),
      args: ['worker', '--app', `${join(workers, 'kronos.app.js')}#BenchWorkerModule`],
      nodeFlags: config.cli.nodeFlags,
      env: { [VIA_CLI]: '1' },
      quiet: true,
    };
  }
  return { entry: join(workers, `${config.worker}.worker.js`), args: [], nodeFlags: [], env: {}, quiet: false };
}

/** A worker process started by the benchmark. */
export class WorkerProcess {
  total = 0;
  private reportWaiter?: (report: WorkerReport) => void;
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        if (code !== 0 && output)
          process.stderr.write(`bench: worker process ${child.pid} exited with ${code}; its output:\n${output}`);
        resolve(code);
      }),
    );
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') this.total = message.total;
      if (message.type === 'report') {
        this.total = message.report.total;
        this.reportWaiter?.(message.report);
      }
    });
  }

  /** Start the worker process and resolve once it reports ready (its worker may already be running tasks). */
  static async start(launch: WorkerLaunch, spec: WorkerSpec, timeoutMs = 60_000): Promise<WorkerProcess> {
    const child = fork(launch.entry, launch.args, {
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the workers
      execArgv: [...launch.nodeFlags, ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      env: { ...process.env, ...launch.env, BENCH_WORKER: JSON.stringify(spec) },
      stdio: ['ignore', launch.quiet ? 'pipe' : 'inherit', launch.quiet ? 'pipe' : 'inherit', 'ipc'],
    });
    const worker = new WorkerProcess(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${spec.label}: worker process not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      void worker.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${spec.label}: worker process exited with ${code} before it was ready`));
      });
    });
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  report(): Promise<WorkerReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('worker process did not report')), 30_000);
      this.reportWaiter = (report) => {
        clearTimeout(timer);
        this.reportWaiter = undefined;
        resolve(report);
      };
      this.child.send({ type: 'report' });
    });
  }

  /** Graceful stop; killed if it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
