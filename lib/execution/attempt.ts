import type { RunStatus } from '../types.js';

/**
 * Why a running attempt was cut short from outside the handler: a `stop()` request, the worker
 * shutting down, its lease taken by another worker, or the database unreachable for so long that
 * the worker fences itself (the attempt is re-queued as INTERRUPTED, fenced by its claim token).
 */
export type AbortKind = 'stop' | 'shutdown' | 'lease-lost' | 'unreachable';

/** How one attempt ended, before the worker turns it into a task outcome. */
export interface AttemptResult {
  status: Exclude<RunStatus, 'RUNNING' | 'LOST'>;
  /** False for failures no retry can fix (e.g. the `runAs` user no longer exists). */
  retryable: boolean;
  startTime: number;
  stopTime: number;
  result: string | null;
  message: string | null;
  output: string | null;
  traceback: string | null;
  /** True when the lease was lost: nothing may be written back. */
  leaseLost?: boolean;
}
