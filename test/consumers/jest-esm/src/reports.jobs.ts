import { Injectable } from '@nestjs/common';
import { Job, JobContext, ScheduledTask, SchedulerService } from 'nestjs-kronos';
import type { User } from './users.service.js';

export interface RecountPayload {
  listId: number;
}

/** Reports: a recount a user asks for, and a digest every Monday morning. */
@Injectable()
export class ReportJobs {
  constructor(private readonly scheduler: SchedulerService) {}

  /** Queue a recount that runs later as the user who asked for it. */
  requestRecount(user: User, listId: number) {
    return this.scheduler.enqueue('lists.recount', { listId } satisfies RecountPayload, { runAs: user.id });
  }

  @Job('lists.recount', { retries: 1, timeout: '1m' })
  recount(payload: RecountPayload, ctx: JobContext<RecountPayload, User>) {
    ctx.log('recounting list', payload.listId, 'for', ctx.user?.name);
    return { listId: payload.listId, recountedFor: ctx.user?.name ?? null };
  }

  @ScheduledTask('weekly-digest', { every: 'monday', at: '08:00', timezone: 'Europe/Berlin' })
  weeklyDigest(ctx: JobContext) {
    return { digestFor: new Date(ctx.scheduledFor).toISOString() };
  }
}
