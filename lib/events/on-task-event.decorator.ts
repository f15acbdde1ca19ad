import type { TaskEventType } from './task-event.js';

/** Which tasks a listener hears about. */
export interface OnTaskEventOptions {
  /**
   * Only events of this job: its exact name, a glob in which `*` stands for any characters
   * (`'reports.*'`), or a regular expression. Default: every job.
   */
  job?: string | RegExp;
}

/** Class-level metadata key: the list of listener declarations on a provider class. */
export const KRONOS_EVENT_LISTENERS_METADATA = 'kronos:task-event-listeners';

/** What the decorator records; validated at start-up by discovery, never at import time. */
export interface TaskEventListenerDeclaration {
  events: unknown;
  options: unknown;
  propertyKey: string | symbol;
}

/**
 * Call this method with each lifecycle event of the given type(s) (see `TaskEvent`), after the
 * change is committed, in the process that made it. The method may be async; it is not awaited,
 * and an error it throws or rejects with is logged: a listener never changes a task's outcome or
 * holds up the worker.
 *
 * @example
 * ```ts
 * @OnTaskEvent(['failed', 'timeout'], { job: 'reports.*' })
 * async alert(event: TaskEvent) { await this.pager.send(`${event.job} #${event.taskId}: ${event.error?.message}`); }
 * ```
 * @publicApi
 */
export function OnTaskEvent(
  events: TaskEventType | TaskEventType[],
  options: OnTaskEventOptions = {},
): MethodDecorator {
  return (target, propertyKey) => {
    const existing = (Reflect.getMetadata(KRONOS_EVENT_LISTENERS_METADATA, target) ??
      []) as TaskEventListenerDeclaration[];
    Reflect.defineMetadata(KRONOS_EVENT_LISTENERS_METADATA, [...existing, { events, options, propertyKey }], target);
  };
}
