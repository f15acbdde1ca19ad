import type { LogLevel } from '@nestjs/common';
import type { HandlerSettlement, Invocation } from '../execution/handler-run.js';

/**
 * The messages between a worker and its isolation child processes (Node's IPC channel, JSON).
 * Every message carries a `kronos` field, so anything else an application sends is ignored.
 */

/** Set to `'1'` in isolation child processes: Kronos there serves the parent instead of running a worker. */
export const KRONOS_CHILD_ENV = 'KRONOS_CHILD';
/** JSON of `ChildBoot`: what the child's entry script boots. */
export const KRONOS_CHILD_APP_ENV = 'KRONOS_CHILD_APP';
/** Where the child-mode bootstrap registers its server, so the entry script can tell it is there. */
export const CHILD_SERVER_KEY = Symbol.for('nestjs-kronos.isolation.child-server');

export interface ChildBoot {
  path: string;
  export: string | null;
  logLevels: LogLevel[] | false;
}

/** One change to a run's output: a logged line (`!clear!` applied by the parent) or a block. */
export type OutputOp = { log: string } | { block: string };

export type ParentMessage =
  | {
      kronos: 'run';
      runId: number;
      invocation: Invocation;
      /** The parent's run span (W3C trace context JSON) when tracing. */ traceContext?: string | null;
    }
  | { kronos: 'abort'; runId: number; kind: string; reason: string }
  | { kronos: 'shutdown' };

export type ChildMessage =
  | { kronos: 'ready' }
  | { kronos: 'boot-error'; message: string; stack: string | null }
  | {
      kronos: 'output';
      runId: number;
      ops: OutputOp[];
      progress: { percent: number | null; message: string | null } | null;
    }
  | { kronos: 'result'; runId: number; settlement: HandlerSettlement };

const isMessage = (value: unknown): value is { kronos: string } =>
  typeof value === 'object' && value !== null && typeof (value as { kronos?: unknown }).kronos === 'string';

export const isParentMessage = (value: unknown): value is ParentMessage => isMessage(value);
export const isChildMessage = (value: unknown): value is ChildMessage => isMessage(value);

/** True in an isolation child process started by a Kronos worker. */
export function isKronosChild(): boolean {
  return process.env[KRONOS_CHILD_ENV] === '1' && typeof process.send === 'function';
}

/** Send to the parent; a closed channel (the parent is gone) is not an error here. */
export function sendToParent(message: ChildMessage, then?: () => void): void {
  if (!process.connected || !process.send) {
    then?.();
    return;
  }
  process.send(message, undefined, undefined, () => then?.());
}
