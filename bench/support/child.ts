import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { WorkerMessage, WorkerReport, WorkerSpec } from './protocol.js';

/** Compiled worker entry points, next to this file in `.build/bench/bench/`. */
export const workerEntry = (name: string) => join(import.meta.dirname, '..', 'workers', `${name}.worker.js`);

/** A worker process started by the benchmark. */
export class WorkerProcess {
  total = 0;
  private reportWaiter?: (report: WorkerReport) => void;
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') this.total = message.total;
      if (message.type === 'report') {
        this.total = message.report.total;
        this.reportWaiter?.(message.report);
      }
    });
  }

  /** Fork `entry` and resolve once it reports ready (its worker may already be running tasks). */
  static async start(entry: string, spec: WorkerSpec, timeoutMs = 60_000): Promise<WorkerProcess> {
    const child = fork(entry, [], {
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the workers
      execArgv: process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
      env: { ...process.env, BENCH_WORKER: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new WorkerProcess(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.label}: worker process not ready after ${timeoutMs} ms`)), timeoutMs);
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
