import { Injectable } from '@nestjs/common';
import { KronosError } from '../errors.js';
import { isScheduledTaskUuid } from '../scheduled-task-uuid.js';
import { SchedulerService } from '../service/scheduler.service.js';
import { FINISHED_TASK_STATUSES, UNFINISHED_TASK_STATUSES, type TaskStatus } from '../types.js';

/** What an action did, shown once on the next page. */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  /** Rows the action changed or inserted (recorded in the audit trail, not shown). */
  rows?: number;
}

/** What an action did: the message for the admin, and how many rows it changed. */
export interface Done {
  text: string;
  rows: number;
}

export type WorkerCommand = 'disable' | 'resume' | 'terminate' | 'kill';
export const WORKER_COMMANDS: WorkerCommand[] = ['disable', 'resume', 'terminate', 'kill'];

/** Tasks a stop applies to. */
export const STOPPABLE: readonly TaskStatus[] = UNFINISHED_TASK_STATUSES;
/** Finished tasks a retry may queue again: every finished status but COMPLETED. */
export const RETRYABLE: readonly TaskStatus[] = FINISHED_TASK_STATUSES.filter((s) => s !== 'COMPLETED');

/** The single task row of a `@ScheduledTask` job (see `scheduled-task-uuid.ts`). */
export const isRecurringTask = (task: { uuid: string }): boolean => isScheduledTaskUuid(task.uuid);
/** Who queued what the dashboard queues, for the record. */
const QUEUED_BY = 'kronos-dashboard';

/** The dashboard's mutations, each one call of the public `SchedulerService`. */
@Injectable()
export class DashboardActions {
  constructor(private readonly scheduler: SchedulerService) {}

  /** Run an action; a Kronos error (unknown job, inactive job, bad payload) becomes an error flash. */
  async attempt(action: () => Promise<Done>): Promise<Flash> {
    try {
      const done = await action();
      return { kind: 'ok', text: done.text, rows: done.rows };
    } catch (error) {
      if (error instanceof KronosError || error instanceof SyntaxError) return { kind: 'error', text: error.message };
      throw error;
    }
  }

  async setActive(name: string, active: boolean): Promise<Done> {
    await (active ? this.scheduler.activate(name) : this.scheduler.deactivate(name));
    return { text: `Job "${name}" ${active ? 'activated' : 'deactivated'}.`, rows: 1 };
  }

  /** `payloadText` is JSON typed by the admin; empty means the job's own payload. */
  async runNow(name: string, payloadText: string): Promise<Done> {
    let payload: unknown;
    if (payloadText.trim() !== '') {
      try {
        payload = JSON.parse(payloadText);
      } catch (error) {
        throw new SyntaxError(`The payload for "${name}" is not JSON: ${(error as Error).message}`, { cause: error });
      }
    }
    const task = await this.scheduler.runNow(name, payload, { queuedBy: QUEUED_BY });
    return { text: `Job "${name}" queued to run now as task #${task.id}.`, rows: 1 };
  }

  async stop(taskId: number): Promise<Done> {
    const status = await this.scheduler.stop(taskId);
    return {
      text: status === 'RUNNING' ? `Task #${taskId} is being stopped.` : `Task #${taskId} is ${status}.`,
      rows: 1,
    };
  }

  /**
   * Queue a finished task again as a new task: same job, payload, user, group, priority and
   * limits. The user comes from the stored task, never from the request.
   */
  async retry(taskId: number): Promise<Done> {
    const { task } = await this.scheduler.status(taskId);
    if (!RETRYABLE.includes(task.status))
      throw new KronosError(`Task #${taskId} is ${task.status}; only ${RETRYABLE.join(', ')} tasks can be retried.`);
    if (isRecurringTask(task))
      throw new KronosError(`Task #${taskId} is the task of a recurring job; use "Run now" on the Jobs page instead.`);
    const created = await this.scheduler.enqueue(
      task.jobName,
      task.payload === null ? undefined : JSON.parse(task.payload),
      {
        runAs: task.runAs ?? undefined,
        queuedBy: QUEUED_BY,
        group: task.group,
        priority: task.priority,
        retries: task.retries,
        timeout: task.timeoutMs ?? undefined,
      },
    );
    return { text: `Task #${taskId} queued again as task #${created.id}.`, rows: 1 };
  }

  /** Address workers of one group (or all): the command is carried out on their next heartbeat. */
  async commandWorkers(command: WorkerCommand, group: string | undefined): Promise<Done> {
    const groups = group === undefined ? undefined : [group];
    const addressed = await {
      disable: () => this.scheduler.disableWorkers(groups),
      resume: () => this.scheduler.resumeWorkers(groups),
      terminate: () => this.scheduler.terminateWorkers(groups),
      kill: () => this.scheduler.killWorkers(groups),
    }[command]();
    const scope = group === undefined ? 'all groups' : `group "${group}"`;
    const text =
      addressed.length === 0
        ? `No worker of ${scope} could be told to ${command}.`
        : `Told ${addressed.length} worker(s) of ${scope} to ${command}: ${addressed.join(', ')}.`;
    return { text, rows: addressed.length };
  }
}
