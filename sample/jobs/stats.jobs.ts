import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Job, JobContext, Result } from '../../lib/index.js';
import { DataRecord, Stats } from '../records/record.entity.js';
import type { User } from '../users/user.entity.js';

@Injectable()
export class StatsJobs {
  private readonly logger = new Logger('StatsJobs');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Queued when a record is approved; runs as the approving user. */
  @Job('stats.update-aggregate', { retries: 3, timeout: '2m', description: 'Recompute approval statistics' })
  async updateAggregate(payload: { recordId: number }, ctx: JobContext<{ recordId: number }, User>) {
    const user = ctx.user!;
    ctx.progress(10, 'reading approved records');
    const { count, total } = (await this.dataSource
      .getRepository(DataRecord)
      .createQueryBuilder('r')
      .select('COUNT(*)', 'count')
      .addSelect('COALESCE(SUM(r.value), 0)', 'total')
      .where('r.approved = :approved', { approved: true })
      .getRawOne<{ count: number | string; total: number | string }>()) ?? { count: 0, total: 0 };
    ctx.log(`record ${payload.recordId} approved by ${user.name}`);
    const repo = this.dataSource.getRepository(Stats);
    const stats = (await repo.findOneBy({ id: 1 })) ?? repo.create({ id: 1 });
    Object.assign(stats, { approvedCount: Number(count), approvedTotal: Number(total), updatedBy: user.name });
    await repo.save(stats);
    ctx.progress(100, 'saved');
    this.logger.log(`task ${ctx.taskId}: statistics recomputed as ${user.name} (${count} approved, total ${total})`);
    return Result.success('Aggregates updated', {
      output: `approved=${count} total=${total}`,
      data: { count: Number(count), total: Number(total) },
    });
  }
}
