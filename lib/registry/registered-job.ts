import type { JobContext } from '../execution/job-context.js';
import type { IsolationMode } from '../isolation/isolation-options.js';
import type { NormalizedSchedule, ScheduleSpec } from '../schedule/schedule.types.js';
import type { JobKind, JsonValue } from '../types.js';

/** A handler bound to its provider instance: `(payload, ctx)` for every kind. */
export type JobHandler = (payload: unknown, ctx: JobContext) => unknown;

/** A validated job: what discovery registers and what the worker and service consult. */
export interface RegisteredJob {
  name: string;
  kind: JobKind;
  /** `Provider.method`, for messages. */
  declaredAt: string;
  handler: JobHandler;
  timeoutMs: number;
  /** Where `timeoutMs` comes from: the job's own `timeout` (or its scheduler.ini section's), or the module's `defaultTimeout`. */
  timeoutFrom: 'job' | 'module';
  retries: number;
  group: string;
  priority: number;
  description: string | null;
  /** Initial value of the admin toggle. */
  active: boolean;
  /** Payload fields the dashboard redacts. */
  sensitive: string[];
  /** Cluster-wide limit of running tasks, or null. */
  maxRunning: number | null;
  /** Where its handler runs, when the job says (null: the module's `isolation.mode`). */
  isolation: IsolationMode | null;
  /** The job that receives its dead letters, or null. */
  deadLetter: string | null;
  /** At most `limit` starts per window of `perMs` across the cluster, or null. */
  rateLimit: { limit: number; perMs: number } | null;
  /** A batch handler: up to `size` tasks per call, gathered for up to `waitMs`; null for one task per call. */
  batch: { size: number; waitMs: number } | null;
  /** Delete the task's row when it completes for good, keeping its runs. */
  removeOnComplete: boolean;
  /** Recurring jobs only. */
  schedule: NormalizedSchedule | null;
  scheduleSpec: ScheduleSpec | null;
  /** Recurring jobs: fixed payload and user of every run. */
  payload: { [key: string]: JsonValue } | null;
  runAs: string | null;
  /**
   * Set for a `scheduler.ini` section: the job is the section (named by its label) and runs the
   * handler of the job declared in code that `call` names, with the section's kwargs as payload.
   */
  ini?: { call: string; file: string; line: number };
}
