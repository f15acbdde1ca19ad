import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { Run, Task } from '../../entities/index.js';
import type { TaskStatus } from '../../types.js';
import type { DashboardConfig } from '../dashboard.options.js';
import { DASHBOARD_CONFIG } from '../dashboard.tokens.js';
import { listAudit, type AuditFilter } from './audit-list.js';
import { countPrunable } from '../../maintenance/prune.js';
import { loadJobInsight } from './job-insight.js';
import type { PageRequest } from './keyset.js';
import { loadOverview, RunBoundaries, type Overview } from './overview.js';
import { FAILED_RUN_STATUSES, listRuns, type RunListFilter, type RunRow } from './run-list.js';
import { listTasks, type TaskFilter } from './task-list.js';

/** How long the overview's figures are reused: every open page would otherwise recount them. */
const OVERVIEW_TTL_MS = 2_000;

/** Read-only queries behind the pages. Every mutation goes through `SchedulerService` (and its record through the storage engine). */
@Injectable()
export class DashboardData implements OnModuleInit {
  private dataSource!: DataSource;
  private overviewCache: { at: number; value: Promise<Overview> } | null = null;
  private readonly boundaries = new RunBoundaries();

  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(this.config.dataSource), { strict: false });
  }

  tasks(filter: TaskFilter, page: Omit<PageRequest, 'size'>, size = this.config.pageSize) {
    return listTasks(this.dataSource, filter, { ...page, size });
  }

  runs(filter: RunListFilter, page: Omit<PageRequest, 'size'>, size = this.config.pageSize) {
    return listRuns(this.dataSource, filter, { ...page, size });
  }

  audit(filter: AuditFilter, page: Omit<PageRequest, 'size'>, size = this.config.pageSize) {
    return listAudit(this.dataSource, filter, { ...page, size });
  }

  /** A job's runs over the last day, its durations, waits and last error (the job page). */
  jobInsight(job: string, now = Date.now()) {
    return loadJobInsight(this.dataSource, job, now, this.boundaries);
  }

  /** How many finished runs and tasks a clean-up before `before` would delete (the dry run). */
  prunable(before: number) {
    return countPrunable(this.dataSource, { before });
  }

  /** The latest failed, timed-out or lost runs, newest first (one index walk per status). */
  async recentFailures(limit: number): Promise<RunRow[]> {
    const pages = await Promise.all(FAILED_RUN_STATUSES.map((status) => this.runs({ status }, {}, limit)));
    return pages
      .flatMap((p) => p.rows)
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
  }

  /** The stored payloads of these tasks, by id (a task that no longer exists is absent). */
  async payloads(taskIds: number[]): Promise<Map<number, string | null>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(Task)
      .find({ select: { id: true, payload: true }, where: { id: In(taskIds) } });
    return new Map(rows.map((row) => [row.id, row.payload]));
  }

  /**
   * The tasks this task waits for (`dependsOn`), with their status (null for one deleted since),
   * by id. One indexed read of the dependency table (docs/flow-control.md).
   */
  async dependencies(taskId: number): Promise<{ id: number; status: TaskStatus | null }[]> {
    const { tablePath } = this.dataSource.getRepository(Task).metadata;
    const rows = await this.dataSource
      .createQueryBuilder()
      .select('d.depends_on', 'id')
      .addSelect('p.status', 'status')
      .from(`${tablePath}_dependency`, 'd')
      .leftJoin(Task, 'p', 'p.id = d.depends_on')
      .where('d.task_id = :taskId', { taskId })
      .orderBy('d.depends_on')
      .getRawMany<{ id: number | string; status: TaskStatus | null }>();
    return rows.map((row) => ({ id: Number(row.id), status: row.status ?? null }));
  }

  run(id: number): Promise<Run | null> {
    return this.dataSource.getRepository(Run).findOneBy({ id });
  }

  overview(now = Date.now()): Promise<Overview> {
    if (!this.overviewCache || now - this.overviewCache.at > OVERVIEW_TTL_MS) {
      const value = loadOverview(this.dataSource, now, this.boundaries);
      this.overviewCache = { at: now, value };
      value.catch(() => (this.overviewCache = null));
    }
    return this.overviewCache.value;
  }
}
