import type { JobOptions } from '../types.js';
import { recordJobDeclaration } from './job-metadata.js';

/**
 * Declare a method as a job queued on demand with `SchedulerService.enqueue(name, payload)`.
 * The method is called as `(payload, ctx: JobContext)`.
 *
 * @example
 * ```ts
 * @Job('stats.update-aggregate', { retries: 3, timeout: '2m' })
 * async updateAggregate(payload: { dataId: number }, ctx: JobContext) { ... }
 * ```
 * @publicApi
 */
export function Job(name: string, options: JobOptions = {}): MethodDecorator {
  return (target, propertyKey) => recordJobDeclaration(target, { name, kind: 'queued', propertyKey, options });
}
