import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Job, JobContext, Result, ScheduledTask, SchedulerModule, SchedulerService, type UserResolver } from 'nestjs-kronos';

export interface User {
  id: number;
  name: string;
}

@Injectable()
export class UsersService implements UserResolver<User> {     // who a task queued with runAs runs as
  async resolveUser(userId: string): Promise<User | null> {  // always a string: runAs: 42 arrives as '42'
    return userId === '42' ? { id: 42, name: 'Ada' } : null;  // e.g. this.users.findOneBy({ id: Number(userId) })
  }
}

@Injectable()
export class ReportJobs {
  constructor(private readonly scheduler: SchedulerService) {}

  @ScheduledTask('nightly-report', { every: 'sunday', at: '23:30', timezone: 'Europe/Berlin' })
  async nightly(ctx: JobContext) { /* ... */ }

  @ScheduledTask('sync-stock', { every: '2 minutes', timeout: '30s' })
  async sync(ctx: JobContext) {
    ctx.progress(50, 'half way');
    return { synced: 12 };                                    // stored as the run's JSON result
  }

  @Job('stats.update-aggregate', { retries: 3, timeout: '2m' })
  async updateAggregate(payload: { dataId: number }, ctx: JobContext<{ dataId: number }, User>) {
    const user = ctx.user;                                    // the user who queued it
    ctx.log('recomputing', payload.dataId, 'for', user?.name); // captured into the run's output
    return Result.success('Aggregates updated', { output: 'recomputed 3 rows' });
  }

  /** Queue work from anywhere: it runs later, in a worker, as `user`. */
  recompute(dataId: number, user: User) {
    return this.scheduler.enqueue('stats.update-aggregate', { dataId }, { runAs: user.id });
  }
}

@Module({                                                     // after the classes it names
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.db', autoLoadEntities: true, synchronize: true }),
    SchedulerModule.forRoot({
      worker: { concurrency: 10, groups: ['main'] },         // or worker: false in a web-only process
      impersonation: { resolver: UsersService },             // or { resolveUser: (id) => ... }
    }),
  ],
  providers: [ReportJobs, UsersService],
})
export class AppModule {}
