import { DuplicateJobError, UnknownJobError } from '../errors.js';
import type { RegisteredJob } from './registered-job.js';

/** In-memory map job name -> handler and validated definition, filled once by discovery. */
export class JobRegistry {
  private readonly jobs = new Map<string, RegisteredJob>();

  add(job: RegisteredJob): void {
    const existing = this.jobs.get(job.name);
    if (existing) throw new DuplicateJobError(job.name, existing.declaredAt, job.declaredAt);
    this.jobs.set(job.name, job);
  }

  get(name: string): RegisteredJob | undefined {
    return this.jobs.get(name);
  }

  /** The job, or an `UnknownJobError` naming it. */
  require(name: string): RegisteredJob {
    const job = this.jobs.get(name);
    if (!job) throw new UnknownJobError(name);
    return job;
  }

  all(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /**
   * What a worker claims: jobs without a concurrency limit in one claim, and each limited job in
   * a claim of its own (serialised across the cluster by the engine).
   */
  claimPlan(): { unlimited: string[]; limited: { name: string; maxRunning: number }[] } {
    const all = this.all();
    return {
      unlimited: all.filter((job) => job.maxRunning === null).map((job) => job.name),
      limited: all.filter((job) => job.maxRunning !== null).map((job) => ({ name: job.name, maxRunning: job.maxRunning! })),
    };
  }

  /** Groups that have at least one job. */
  groups(): string[] {
    return [...new Set(this.all().map((job) => job.group))];
  }
}
