import type { RecordedRun } from '../storage/run-feed.js';
import type { TaskOutcome } from '../storage/engine.js';
import type { RunStatus } from '../types.js';
import type { TaskEventType } from './task-event.js';

/**
 * A run recorded anywhere in the cluster, as `SchedulerService.clusterEvents$` tells it (opt in
 * with `events: { cluster: true }`): small on purpose (no result, no error text, no payload),
 * since on PostgreSQL it travels in a NOTIFY. Read the run or the task for the rest.
 */
export interface ClusterTaskEvent {
  /** What happened: the `TaskEvent` type of the run (never `expired`: an expired task has no run). */
  type: Exclude<TaskEventType, 'expired'>;
  taskId: number;
  /** The run row recording the attempt. */
  runId: number;
  job: string;
  /** The attempt's number, from 1. */
  attempt: number;
  /** The run's status. */
  runStatus: Exclude<RunStatus, 'RUNNING'>;
  /** The worker that ran the attempt, or null. */
  worker: string | null;
  /** When the run ended (epoch ms). */
  finishedAt: number;
}

const TYPE_CODES: readonly ClusterTaskEvent['type'][] = [
  'completed',
  'failed',
  'timeout',
  'retrying',
  'stopped',
  'interrupted',
  'lost',
];
const STATUS_CODES: readonly ClusterTaskEvent['runStatus'][] = [
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'STOPPED',
  'INTERRUPTED',
  'LOST',
];

/** The type of a written outcome, as `outcomeEvent` decides it. */
export function outcomeType(o: TaskOutcome): ClusterTaskEvent['type'] {
  switch (o.runStatus) {
    case 'COMPLETED':
      return 'completed';
    case 'STOPPED':
      return 'stopped';
    case 'INTERRUPTED':
      return 'interrupted';
    default:
      if (o.taskStatus === 'QUEUED' && o.nextAttempt === o.attempt) return 'retrying';
      return o.runStatus === 'FAILED' ? 'failed' : 'timeout';
  }
}

/** The event of a run read back from the runs table (the polling feed). */
export function recordedRunEvent(run: RecordedRun): ClusterTaskEvent {
  const status = run.status as ClusterTaskEvent['runStatus'];
  let type: ClusterTaskEvent['type'];
  switch (status) {
    case 'COMPLETED':
      type = 'completed';
      break;
    case 'STOPPED':
      type = 'stopped';
      break;
    case 'INTERRUPTED':
      type = 'interrupted';
      break;
    case 'LOST':
      type = 'lost';
      break;
    default:
      // A failed attempt is retried while attempts remain: attempts 1..retries are followed by another.
      type =
        run.retries !== null && run.attempt <= run.retries ? 'retrying' : status === 'FAILED' ? 'failed' : 'timeout';
  }
  return {
    type,
    taskId: run.taskId,
    runId: run.id,
    job: run.jobName,
    attempt: run.attempt,
    runStatus: status,
    worker: run.worker,
    finishedAt: run.stopTime ?? 0,
  };
}

/** NOTIFY payloads stay under PostgreSQL's 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7000;

type Packed = [number, number, number, number, number, string, string | null, number];

/** Pack events into as few NOTIFY payloads as fit: a JSON array of compact tuples each. */
export function encodeClusterEvents(events: readonly ClusterTaskEvent[]): string[] {
  const payloads: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const e of events) {
    const packed: Packed = [
      e.taskId,
      e.runId,
      TYPE_CODES.indexOf(e.type),
      STATUS_CODES.indexOf(e.runStatus),
      e.attempt,
      e.job,
      e.worker,
      e.finishedAt,
    ];
    const text = JSON.stringify(packed);
    const bytes = Buffer.byteLength(text) + 1;
    if (current.length > 0 && size + bytes > MAX_PAYLOAD_BYTES) {
      payloads.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += bytes;
  }
  if (current.length > 0) payloads.push(`[${current.join(',')}]`);
  return payloads;
}

/** The events of one payload; a payload that is not ours yields nothing. */
export function decodeClusterEvents(payload: string): ClusterTaskEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const events: ClusterTaskEvent[] = [];
  for (const item of parsed) {
    if (!Array.isArray(item) || item.length !== 8) continue;
    const [taskId, runId, type, status, attempt, job, worker, finishedAt] = item as Packed;
    if (TYPE_CODES[type] === undefined || STATUS_CODES[status] === undefined) continue;
    events.push({
      type: TYPE_CODES[type],
      taskId,
      runId,
      job,
      attempt,
      runStatus: STATUS_CODES[status],
      worker,
      finishedAt,
    });
  }
  return events;
}
