import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { AuditEntry, JobDefinition, Run, Task, Worker } from '../../entities/index.js';
import type { DashboardConfig } from '../dashboard.options.js';
import { DASHBOARD_CONFIG } from '../dashboard.tokens.js';

type Listener = (signature: string) => void;

/**
 * A cheap change counter for the pages' push updates: the highest task, run and audit ids (read
 * off their primary keys), the workers' run counters and the job definitions' latest update
 * (small tables). One poller per process, only while some page listens, however many pages are
 * open; pages re-read themselves only when the signature changes.
 */
@Injectable()
export class DashboardChanges implements OnModuleInit, OnModuleDestroy {
  private dataSource!: DataSource;
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private last: string | null = null;
  private reading = false;

  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(this.config.dataSource), { strict: false });
  }

  onModuleDestroy(): void {
    this.listeners.clear();
    this.stop();
  }

  /**
   * Be told of every change from now on; returns the unsubscribe. The first listener reads the
   * signature before this resolves, so a change made after it is never taken for the baseline.
   */
  async subscribe(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.tick(), Math.max(500, this.config.refreshMs));
    if (this.last === null) this.last = await this.signature().catch(() => null);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The current signature: a few primary-key and small-table reads. */
  async signature(): Promise<string> {
    const max = async (entity: EntityTarget<ObjectLiteral>, column: string) =>
      (
        await this.dataSource
          .getRepository(entity)
          .createQueryBuilder('x')
          .select(`MAX(x.${column})`, 'v')
          .getRawOne<{ v: string | number | null }>()
      )?.v ?? 0;
    const workers = await this.dataSource
      .getRepository(Worker)
      .createQueryBuilder('w')
      .select('COUNT(*)', 'n')
      .addSelect('SUM(w.running)', 'running')
      .addSelect('SUM(w.completed)', 'completed')
      .addSelect('SUM(w.failed)', 'failed')
      .getRawOne<Record<string, string | number | null>>();
    const parts = [
      await max(Task, 'id'),
      await max(Run, 'id'),
      await max(AuditEntry, 'id'),
      await max(JobDefinition, 'updatedAt'),
      workers?.n,
      workers?.running,
      workers?.completed,
      workers?.failed,
    ];
    return parts.map((p) => String(p ?? 0)).join('.');
  }

  private async tick(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const signature = await this.signature();
      if (this.last !== null && signature !== this.last) for (const listener of this.listeners) listener(signature);
      this.last = signature;
    } catch {
      // a failed read is retried on the next tick; pages keep what they show
    } finally {
      this.reading = false;
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.last = null;
  }
}
