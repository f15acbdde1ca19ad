import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { decoratedProviders, type ProviderInstance } from './decorated-providers.js';
import { InvalidTaskEventListenerError } from '../errors.js';
import { formatValue } from '../format-value.js';
import { jobFilter } from '../events/job-filter.js';
import {
  KRONOS_EVENT_LISTENERS_METADATA,
  type TaskEventListenerDeclaration,
} from '../events/on-task-event.decorator.js';
import { TASK_EVENT_TYPES, type TaskEvent, type TaskEventType } from '../events/task-event.js';
import type { TaskEventListener, TaskEvents } from '../events/task-events.js';

/**
 * One pass over every provider at start-up, as for jobs: each `@OnTaskEvent` method is validated
 * and registered with the process's `TaskEvents`. An unknown event, a `job` filter that is not a
 * name, glob or RegExp, or a decorator on something that is not a method fails start-up with an
 * error naming the provider, the method and the value.
 */
@Injectable()
export class EventListenerExplorer {
  private readonly logger = new Logger('Kronos');

  constructor(private readonly discovery: DiscoveryService) {}

  explore(events: TaskEvents): void {
    const found = decoratedProviders<TaskEventListenerDeclaration>(
      this.discovery,
      KRONOS_EVENT_LISTENERS_METADATA,
      this.logger,
      (provider) =>
        `${provider} is request-scoped, so its task event listeners cannot be registered: an event has no request. Move them to a singleton provider.`,
    );
    for (const { provider, instance, declarations } of found) {
      for (const declaration of declarations) events.addListener(toListener(provider, instance, declaration));
    }
  }
}

function toListener(
  provider: string,
  instance: ProviderInstance,
  declaration: TaskEventListenerDeclaration,
): TaskEventListener {
  const method = String(declaration.propertyKey);
  const fail = (reason: string) => new InvalidTaskEventListenerError(provider, method, reason);
  const member = instance[declaration.propertyKey];
  if (typeof member !== 'function') throw fail(`@OnTaskEvent is on a ${typeof member}, not a method`);
  const fn = member as (event: TaskEvent) => unknown;
  const names = Array.isArray(declaration.events) ? declaration.events : [declaration.events];
  if (names.length === 0) throw fail('no event named; expected one or more of ' + TASK_EVENT_TYPES.join(', '));
  for (const name of names) {
    if (!TASK_EVENT_TYPES.includes(name as TaskEventType))
      throw fail(`unknown event ${formatValue(name)}; expected one of ${TASK_EVENT_TYPES.join(', ')}`);
  }
  const options = declaration.options ?? {};
  if (typeof options !== 'object' || Array.isArray(options))
    throw fail(`the options must be an object, got ${formatValue(options)}`);
  const { job, ...unknown } = options as { job?: unknown };
  const extra = Object.keys(unknown);
  if (extra.length > 0)
    throw fail(`unknown option ${extra.map((key) => `"${key}"`).join(', ')}; the only option is job`);
  const matches = job === undefined ? null : jobFilter(job);
  if (matches === null && job !== undefined)
    throw fail(`job ${formatValue(job)} is not a job name, a glob such as 'reports.*' or a RegExp`);
  return {
    name: `${provider}.${method}`,
    events: new Set(names as TaskEventType[]),
    matches,
    call: (event: TaskEvent) => fn.call(instance, event),
  };
}
