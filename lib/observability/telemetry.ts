import type { DataSource } from 'typeorm';
import type { AttemptResult } from '../execution/attempt.js';
import type { ClaimedTask, LostRun, TaskOutcome } from '../storage/engine.js';
import { KronosMetrics } from './kronos-metrics.js';
import { loadOpenTelemetry, meterProviderRegistered, tracerProviderRegistered } from './open-telemetry.js';
import { KronosTracing } from './run-tracing.js';

// The interfaces below name no OpenTelemetry type: the runtime's declarations reach them, and an
// application without @opentelemetry/api must still type-check against Kronos' declarations.

/** The span of one attempt, as the worker holds it. */
export interface RunSpan {
  /** Run `fn` with the span active: the handler's own spans become its children. */
  within<T>(fn: () => T): T;
  /** Close the span with the attempt's status (and its exception when it failed). */
  end(result: AttemptResult): void;
}

/** What `enqueue` is tracing: the job, its group and the task's uuid. */
export interface EnqueueTrace {
  job: string;
  group: string;
  uuid: string;
}

/** Kronos' spans (`KronosTracing`). */
export interface Tracing {
  enqueue<T extends { id: number }>(what: EnqueueTrace, write: (traceContext: string) => Promise<T>): Promise<T>;
  startRun(task: ClaimedTask, worker: string): RunSpan;
  /** The span of one batch handler call (`@Job(name, { batch })`), linked to each task's enqueue; `end` once every task settled. */
  startBatch(job: string, tasks: readonly ClaimedTask[], worker: string): BatchSpan;
  /** Run `fn` with a remote parent from a stored or handed-over trace context (isolation children). */
  continueTrace<T>(traceContext: string | null, fn: () => T): T;
}

/** The span of a batch handler call: the call runs `within` it; `end` takes how many of its tasks failed. */
export interface BatchSpan {
  within<T>(fn: () => T): T;
  end(failed: number): void;
}

/** Kronos' metrics (`KronosMetrics`). */
export interface Metrics {
  attempt(task: ClaimedTask, result: AttemptResult, outcome: TaskOutcome | null): void;
  lost(runs: readonly LostRun[] | null, count: number): void;
  heartbeat(worker: string): void;
  /** Stop reading the database for the gauges (application shutdown). */
  close(): void;
}

/**
 * What this process traces and measures, decided once at start-up: `tracing` while a tracer
 * provider is registered, `metrics` while a meter provider is; both null when
 * `@opentelemetry/api` is not installed. Callers test for null and do nothing else when off.
 */
export interface Telemetry {
  tracing: Tracing | null;
  metrics: Metrics | null;
}

export const NO_TELEMETRY: Telemetry = Object.freeze({ tracing: null, metrics: null });

/** Load the OpenTelemetry API (if installed) and look for registered providers, once. */
export async function startTelemetry(
  dataSource: DataSource,
  jobs: () => Iterable<{ name: string; group: string }>,
): Promise<Telemetry> {
  const api = await loadOpenTelemetry();
  if (!api) return NO_TELEMETRY;
  return {
    tracing: tracerProviderRegistered(api) ? new KronosTracing(api) : null,
    metrics: meterProviderRegistered(api) ? new KronosMetrics(api, { dataSource, jobs }) : null,
  };
}
