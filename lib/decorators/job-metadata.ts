import type { ScheduleSpec } from '../schedule/schedule.types.js';
import type { JobKind, JobOptions, JsonValue } from '../types.js';

/** Class-level metadata key: the list of job declarations on a provider class. */
export const KRONOS_JOBS_METADATA = 'kronos:jobs';

/** Options of `@ScheduledTask`: a schedule plus job options, a fixed payload and an optional user. */
export type ScheduledTaskOptions = ScheduleSpec &
  JobOptions & {
    /** Keyword arguments handed to every run as `ctx.payload`. */
    payload?: { [key: string]: JsonValue };
    /** Run every slot as this user (impersonation): a string or an integer, handed to the resolver as a string. Default: no user. */
    runAs?: string | number;
  };

/** What a decorator records; validated at start-up by discovery, never at import time. */
export interface JobDeclaration {
  name: unknown;
  kind: JobKind;
  propertyKey: string | symbol;
  options: JobOptions | ScheduledTaskOptions | undefined;
}

/** Append a declaration to the class's list (decorators carry data only, no logic). */
export function recordJobDeclaration(target: object, declaration: JobDeclaration): void {
  const existing = (Reflect.getMetadata(KRONOS_JOBS_METADATA, target) ?? []) as JobDeclaration[];
  Reflect.defineMetadata(KRONOS_JOBS_METADATA, [...existing, declaration], target);
}

/** The declarations on an instance's class chain, in declaration order. */
export function readJobDeclarations(instance: object): JobDeclaration[] {
  return (Reflect.getMetadata(KRONOS_JOBS_METADATA, Object.getPrototypeOf(instance) as object) ??
    []) as JobDeclaration[];
}
