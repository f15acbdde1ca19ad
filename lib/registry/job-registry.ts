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
   * What a worker claims: jobs without a concurrency or rate limit in one claim, and each limited
   * job in a claim of its own (serialised across the cluster by the engine).
   */
  claimPlan(): {
    unlimited: string[];
    limited: { name: string; maxRunning?: number; rate?: { limit: number; perMs: number } }[];
    /** Batch handlers (`JobOptions.batch`): each claimed apart, up to its size, and run as one call. */
    batched: RegisteredJob[];
  } {
    const all = this.all().filter((job) => job.batch === null);
    const limited = (job: RegisteredJob) => job.maxRunning !== null || job.rateLimit !== null;
    return {
      unlimited: all.filter((job) => !limited(job)).map((job) => job.name),
      limited: all.filter(limited).map((job) => ({
        name: job.name,
        ...(job.maxRunning !== null ? { maxRunning: job.maxRunning } : {}),
        ...(job.rateLimit !== null ? { rate: job.rateLimit } : {}),
      })),
      batched: this.all().filter((job) => job.batch !== null),
    };
  }

  /** Groups that have at least one job. */
  groups(): string[] {
    return [...new Set(this.all().map((job) => job.group))];
  }
}
