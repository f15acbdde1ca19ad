import type { RegisteredJob } from '../registry/registered-job.js';
import type { JsonValue } from '../types.js';
import type { AttemptIO, TaskExecutor } from './executor.js';
import {
  fromError,
  fromValue,
  resolveRunAs,
  type HandlerSettlement,
  type Invocation,
  type ResolveUser,
} from './handler-run.js';
import type { Result } from './result.js';

/** One task of a batch handler call (`BatchContext.tasks`), in the order of the payloads. */
export interface BatchTask<T = unknown> {
  taskId: number;
  uuid: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** When the task was due (epoch ms). */
  scheduledFor: number;
  payload: T;
}

/**
 * The second argument of a batch handler (`@Job(name, { batch: { size } })`): the tasks of the
 * call, in the order of the payloads, the user they run as (tasks of different `runAs` users are
 * never in one call) and a signal that fires once every task of the call is cut short (the call's
 * timeout, shutdown, a lost lease, or stop requests for all of them; a task stopped alone ends
 * STOPPED and its result is ignored, the others go on).
 * @publicApi
 */
export interface BatchContext<T = unknown, TUser = unknown> {
  jobName: string;
  tasks: BatchTask<T>[];
  /** The `runAs` id shared by every task of the call, or null. */
  userId: string | null;
  /** That user, as the impersonation resolver returned it (null without `runAs`). */
  user: TUser | null;
  signal: AbortSignal;
}

/**
 * What a batch handler returns for one task, at the task's index: a JSON result (COMPLETED), a
 * `Result` (its status and message), or an `Error` (FAILED, retried unless it has
 * `retryable: false`). A missing entry (or `undefined`) completes the task with no result.
 * @publicApi
 */
export type BatchItemResult = JsonValue | Result | Error | undefined;

interface Member {
  invocation: Invocation;
  io: AttemptIO;
  resolve: (settlement: HandlerSettlement) => void;
}

/**
 * One call of a batch handler for several claimed tasks. Each task still runs as its own
 * `RunningTask` (its own timeout, stop, lease and outcome); this executor collects their
 * invocations, calls the handler once with every payload, and settles each task with the
 * result at its index (or all of them with the error the handler threw).
 */
export class BatchCall implements TaskExecutor {
  readonly terminates = false;
  private readonly members: Member[] = [];

  constructor(
    private readonly job: RegisteredJob,
    private readonly resolveUser: ResolveUser,
  ) {}

  run(_job: RegisteredJob, invocation: Invocation, io: AttemptIO): Promise<HandlerSettlement> {
    return new Promise((resolve) => this.members.push({ invocation, io, resolve }));
  }

  /** Call the handler once every task of the call is registered. Never rejects. */
  async start(): Promise<void> {
    const members = this.members;
    for (const member of members) member.io.started();
    const userId = members[0]?.invocation.userId ?? null;
    let settlements: HandlerSettlement[];
    try {
      const user = userId === null ? null : await resolveRunAs(this.job.name, userId, this.resolveUser);
      const tasks = members.map(({ invocation }): BatchTask => ({
        taskId: invocation.taskId,
        uuid: invocation.uuid,
        attempt: invocation.attempt,
        scheduledFor: invocation.scheduledFor,
        payload: invocation.payload === null ? (this.job.payload ?? null) : (JSON.parse(invocation.payload) as unknown),
      }));
      const context: BatchContext = {
        jobName: this.job.name,
        tasks,
        userId,
        user,
        signal: allAborted(members.map(({ io }) => io.signal)),
      };
      const handler = this.job.handler as unknown as (payloads: unknown[], ctx: BatchContext) => unknown;
      const returned = await handler(
        tasks.map((task) => task.payload),
        context,
      );
      settlements = members.map((member, index) => this.itemSettlement(returned, index, member));
    } catch (error) {
      const failed = fromError(error);
      settlements = members.map(() => failed);
    }
    members.forEach((member, index) => member.resolve(settlements[index]));
  }

  private itemSettlement(returned: unknown, index: number, member: Member): HandlerSettlement {
    const value: unknown = Array.isArray(returned) ? returned[index] : undefined;
    if (value instanceof Error) return fromError(value);
    return fromValue(this.job.name, value, member.io.output);
  }
}

/** A signal that fires once every one of `signals` has (with the reason of the last). */
function allAborted(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let left = signals.length;
  const aborted = (signal: AbortSignal) => {
    if (--left === 0) controller.abort(signal.reason);
  };
  for (const signal of signals) {
    if (signal.aborted) aborted(signal);
    else signal.addEventListener('abort', () => aborted(signal), { once: true });
  }
  return controller.signal;
}
