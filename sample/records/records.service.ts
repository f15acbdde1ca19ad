import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SchedulerService } from '../../lib/index.js';
import { DataRecord } from './record.entity.js';

@Injectable()
export class RecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerService,
  ) {}

  create(value: number): Promise<DataRecord> {
    return this.dataSource.getRepository(DataRecord).save({ value, createdAt: Date.now() });
  }

  list(): Promise<DataRecord[]> {
    return this.dataSource.getRepository(DataRecord).find({ order: { id: 'DESC' }, take: 50 });
  }

  /**
   * Approve a record and queue the statistics recomputation in the same transaction: if the
   * approval rolls back, so does the task. The task runs as the approving user.
   */
  approve(recordId: number, userId: number) {
    return this.dataSource.transaction(async (manager) => {
      const record = await manager.findOneBy(DataRecord, { id: recordId });
      if (!record) throw new NotFoundException(`Record ${recordId} does not exist`);
      await manager.update(DataRecord, recordId, { approved: true, approvedBy: userId });
      return this.scheduler.enqueue('stats.update-aggregate', { recordId }, { runAs: userId, manager });
    });
  }
}
