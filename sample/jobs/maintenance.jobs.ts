import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThan, type DataSource } from 'typeorm';
import { JobContext, ScheduledTask, SchedulerService } from '../../lib/index.js';
import { DataRecord, Stats } from '../records/record.entity.js';
import { RecordsService } from '../records/records.service.js';
import { UsersService } from '../users/users.service.js';

@Injectable()
export class MaintenanceJobs {
  private readonly logger = new Logger('MaintenanceJobs');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly records: RecordsService,
    private readonly users: UsersService,
    private readonly scheduler: SchedulerService,
  ) {}

  /** Recurring clean-up: unapproved records older than a minute are removed. */
  @ScheduledTask('records.cleanup', { every: '30 seconds', description: 'Delete stale unapproved records' })
  async cleanup(ctx: JobContext) {
    const result = await this.dataSource
      .getRepository(DataRecord)
      .delete({ approved: false, createdAt: LessThan(Date.now() - 60_000) });
    ctx.log(`deleted ${result.affected ?? 0} stale record(s)`);
    this.logger.log(`cleanup removed ${result.affected ?? 0} stale record(s)`);
    return { deleted: result.affected ?? 0 };
  }

  /** The nightly report (Berlin time), as a business would schedule it. */
  @ScheduledTask('reports.nightly', {
    every: 'day',
    at: '23:30',
    timezone: 'Europe/Berlin',
    description: 'Nightly statistics report',
  })
  async nightly() {
    const stats = await this.dataSource.getRepository(Stats).findOneBy({ id: 1 });
    this.logger.log(
      `nightly report: ${stats?.approvedCount ?? 0} approved records, total ${stats?.approvedTotal ?? 0}`,
    );
    return stats;
  }

  /**
   * Demo traffic, so the sample visibly works: every few seconds a user creates a record and
   * another approves it, which queues a statistics task running as the approver.
   */
  @ScheduledTask('demo.activity', { every: '5 seconds', description: 'Simulated users creating and approving records' })
  async activity(ctx: JobContext) {
    const users = await this.users.ensureDemoUsers();
    const record = await this.records.create(Math.floor(Math.random() * 100));
    const approver = users[Math.floor(Math.random() * users.length)];
    if (Math.random() < 0.7) {
      const task = await this.records.approve(record.id, approver.id);
      ctx.log(`record ${record.id} approved by ${approver.name}; queued task ${task.id}`);
      // Mail the owner; the demo mail server refuses some (a failure alert after the retry).
      await this.scheduler.enqueue('notify.owner', { recordId: record.id, value: record.value });
    }
    const recent = await this.scheduler.runs({ limit: 3 });
    for (const run of recent.reverse()) {
      this.logger.log(
        `run #${run.id} ${run.jobName} ${run.status} in ${run.durationMs} ms${run.runAs ? ` as user ${run.runAs}` : ''}${run.message ? `: ${run.message}` : ''}`,
      );
    }
  }
}
