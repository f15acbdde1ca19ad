import { Logger } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { logLine } from '../logging/log-record.js';
import type { ClusterEvents } from './cluster-events.js';
import type { TaskEvent, TaskEventType } from './task-event.js';

/** A decorated method, as discovery registers it. */
export interface TaskEventListener {
  /** `Provider.method`, for the log line of a listener that fails. */
  name: string;
  events: ReadonlySet<TaskEventType>;
  /** The `job` filter, or null for every job. */
  matches: ((job: string) => boolean) | null;
  call: (event: TaskEvent) => unknown;
}

/**
 * The process's lifecycle events: decorated listeners and `events$` subscribers. Whoever commits a
 * change asks `active` first and builds nothing when nobody listens; otherwise it hands over a
 * builder, and the events are built and delivered in a later turn of the event loop, off the
 * path that wrote them. A listener that throws or rejects is logged (context `Kronos`); async
 * listeners are not awaited.
 */
export class TaskEvents {
  private readonly logger = new Logger('Kronos');
  private readonly listeners: TaskEventListener[] = [];
  private readonly subject = new Subject<TaskEvent>();
  /** What `SchedulerService.events$` hands out; it completes when the application shuts down. */
  readonly stream: Observable<TaskEvent> = this.subject.asObservable();
  /** Set when this process's worker sends its written runs to the cluster (`events: { cluster: true }` on PostgreSQL). */
  cluster?: ClusterEvents;

  /** True when a listener is registered or `events$` has a subscriber. */
  get active(): boolean {
    return this.listeners.length > 0 || this.subject.observed;
  }

  addListener(listener: TaskEventListener): void {
    this.listeners.push(listener);
  }

  /** Build the events of a committed change and deliver them after the current turn. */
  publish(build: () => TaskEvent[]): void {
    setImmediate(() => this.deliver(build));
  }

  /** Complete `events$` once the events published so far are delivered. */
  close(): void {
    setImmediate(() => this.subject.complete());
  }

  private deliver(build: () => TaskEvent[]): void {
    let events: TaskEvent[];
    try {
      events = build();
    } catch (error) {
      this.logger.error(`Could not build task events: ${(error as Error).message}`, (error as Error).stack);
      return;
    }
    for (const event of events) {
      for (const listener of this.listeners) {
        if (listener.events.has(event.type) && (listener.matches === null || listener.matches(event.job)))
          this.call(listener, event);
      }
      this.subject.next(event);
    }
  }

  private call(listener: TaskEventListener, event: TaskEvent): void {
    try {
      const returned = listener.call(event) as PromiseLike<unknown> | undefined;
      if (typeof returned?.then === 'function')
        returned.then(undefined, (error: unknown) => this.failed(listener, event, error));
    } catch (error) {
      this.failed(listener, event, error);
    }
  }

  private failed(listener: TaskEventListener, event: TaskEvent, error: unknown): void {
    const { message, stack } = error instanceof Error ? error : { message: String(error), stack: undefined };
    this.logger.error(
      logLine(
        `Task event listener ${listener.name} failed on "${event.type}" of task ${event.taskId} (${event.job}): ${message}`,
        {
          job: event.job,
          taskId: event.taskId,
          runId: event.runId,
          attempt: event.attempt,
          userId: event.userId,
          ...(event.worker === null ? {} : { worker: event.worker }),
          event: event.type,
          listener: listener.name,
          err: { message, stack: stack ?? null },
        },
      ),
    );
  }
}
