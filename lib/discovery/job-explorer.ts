import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { decoratedProviders, type ProviderInstance } from './decorated-providers.js';
import { InvalidJobDeclarationError, InvalidJobOptionError, KronosError } from '../errors.js';
import {
  KRONOS_JOBS_METADATA,
  readJobDeclarations,
  type JobDeclaration,
  type ScheduledTaskOptions,
} from '../decorators/job-metadata.js';
import { isolationOf } from '../isolation/isolation-options.js';
import { normalizeJobOptions, validateJobName } from '../registry/job-options.js';
import { toUserId } from '../registry/user-id.js';
import type { JobRegistry } from '../registry/job-registry.js';
import type { JobHandler, RegisteredJob } from '../registry/registered-job.js';
import { parseSchedule } from '../schedule/parse-schedule.js';
import type { ResolvedSchedulerOptions } from '../scheduler.options.js';

/**
 * One pass over every provider of every module at start-up: each `@Job` / `@ScheduledTask`
 * method is validated and registered. Anything wrong fails start-up with an error naming the
 * provider, the method and the value.
 */
@Injectable()
export class JobExplorer {
  private readonly logger = new Logger('Kronos');

  constructor(private readonly discovery: DiscoveryService) {}

  explore(registry: JobRegistry, options: ResolvedSchedulerOptions): void {
    const found = decoratedProviders<JobDeclaration>(
      this.discovery,
      KRONOS_JOBS_METADATA,
      this.logger,
      (provider, declarations) =>
        `${provider} is request-scoped, so its jobs (${declarations.map((d) => String(d.name)).join(', ')}) ` +
        'cannot be registered: a job has no request. Move them to a singleton provider.',
    );
    for (const { provider, instance } of found) {
      for (const declaration of readJobDeclarations(instance)) {
        registry.add(this.toRegisteredJob(provider, instance, declaration, options));
      }
    }
    for (const job of registry.all()) {
      if (job.deadLetter !== null && !registry.get(job.deadLetter)) {
        throw new InvalidJobOptionError(
          job.name,
          'deadLetter',
          job.deadLetter,
          `names no registered job (declared on ${job.declaredAt})`,
        );
      }
    }
  }

  private toRegisteredJob(
    provider: string,
    instance: ProviderInstance,
    declaration: JobDeclaration,
    options: ResolvedSchedulerOptions,
  ): RegisteredJob {
    const method = String(declaration.propertyKey);
    const declaredAt = `${provider}.${method}`;
    try {
      const name = validateJobName(declaration.name, declaredAt);
      const member = instance[declaration.propertyKey];
      if (typeof member !== 'function') {
        throw new InvalidJobDeclarationError(
          provider,
          method,
          `@${declaration.kind === 'scheduled' ? 'ScheduledTask' : 'Job'}("${name}") is on a ${typeof member}, not a method`,
        );
      }
      const method$ = member as (...args: unknown[]) => unknown;
      const spec = (declaration.options ?? {}) as ScheduledTaskOptions;
      if (typeof spec !== 'object' || Array.isArray(spec)) {
        throw new InvalidJobDeclarationError(
          provider,
          method,
          `the options of job "${name}" must be an object, got ${JSON.stringify(spec)}`,
        );
      }
      const normalized = normalizeJobOptions(name, spec, { timeoutMs: options.defaultTimeoutMs });
      const scheduled = declaration.kind === 'scheduled';
      if (normalized.batch !== null && scheduled) {
        throw new InvalidJobOptionError(
          name,
          'batch',
          spec.batch,
          'is for @Job handlers only: a recurring task runs one occurrence at a time',
        );
      }
      if (normalized.batch !== null && isolationOf(normalized, options.isolation) === 'process') {
        throw new InvalidJobOptionError(
          name,
          'batch',
          spec.batch,
          "cannot run under process isolation: a batch handler runs in the worker's process (set isolation: 'in-process' on the job)",
        );
      }
      const handler: JobHandler = scheduled
        ? (_payload, ctx) => method$.call(instance, ctx)
        : (payload, ctx) => method$.call(instance, payload, ctx);
      return {
        name,
        kind: declaration.kind,
        declaredAt,
        handler,
        ...normalized,
        schedule: scheduled ? parseSchedule(name, spec, { timezone: options.timezone }) : null,
        scheduleSpec: scheduled ? spec : null,
        payload: scheduled ? (spec.payload ?? null) : null,
        runAs: scheduled && spec.runAs !== undefined ? toUserId(name, 'runAs', spec.runAs) : null,
      };
    } catch (error) {
      if (error instanceof KronosError && !(error instanceof InvalidJobDeclarationError)) {
        error.message = `${error.message} (declared on ${declaredAt})`;
      }
      throw error;
    }
  }
}
