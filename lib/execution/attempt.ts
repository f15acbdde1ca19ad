import type { RunStatus } from '../types.js';

/** Why a running attempt was cut short from outside the handler. */
export type AbortKind = 'stop' | 'shutdown' | 'lease-lost';

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
