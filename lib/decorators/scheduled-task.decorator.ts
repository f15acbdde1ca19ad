import { recordJobDeclaration, type ScheduledTaskOptions } from './job-metadata.js';

/**
 * Declare a method as a recurring job. The method is called as `(ctx: JobContext)`, with the
 * spec's `payload` (if any) in `ctx.payload`.
 *
 * @example
 * ```ts
 * @ScheduledTask('nightly-report', { every: 'sunday', at: '23:30', timezone: 'Europe/Berlin' })
 * async nightly(ctx: JobContext) { ... }
 *
 * @ScheduledTask('sync-stock', { every: '2 minutes', timeout: '30s' })
 * async sync(ctx: JobContext) { ctx.progress(50, 'half way'); return { synced: 12 }; }
 * ```
 * @publicApi
 */
export function ScheduledTask(name: string, spec: ScheduledTaskOptions): MethodDecorator {
  return (target, propertyKey) => recordJobDeclaration(target, { name, kind: 'scheduled', propertyKey, options: spec });
}
