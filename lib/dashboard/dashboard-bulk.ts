import { historyMaintenance } from '../storage/history-maintenance.js';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { KronosRuntime } from '../kronos.runtime.js';
import { prune } from '../maintenance/prune.js';
import type { BulkTaskAction } from '../storage/engine.js';
import type { Done } from './dashboard-actions.js';
import { DashboardData } from './data/dashboard-data.js';
import type { TaskFilter } from './data/task-list.js';

export const BULK_ACTIONS: readonly BulkTaskAction[] = ['retry', 'stop', 'delete'];
/** Tasks changed per engine call: each batch is one short transaction. */
export const BULK_BATCH = 500;
/** At most this many ticked tasks in one form. */
export const BULK_MAX_SELECTED = 1000;

/** What a bulk action applies to: the ticked tasks, or every task the filter matches. */
export type BulkSelection = { ids: number[] } | { filter: TaskFilter };

const DONE: Record<BulkTaskAction, string> = {
  retry: 'Queued again',
  stop: 'Stopped or asked to stop',
  delete: 'Deleted',
};

/**
 * Bulk actions of the Tasks and Job pages: the selection is read in keyset pages of
 * `BULK_BATCH` ids (the filter's own index walk), and each page is handed to the storage
 * engine's `bulkTasks`, one short transaction per batch, so an action over a million tasks never
 * holds its locks for long.
 */
@Injectable()
export class DashboardBulk implements OnModuleInit {
  private runtime!: KronosRuntime;

  constructor(
    private readonly data: DashboardData,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.runtime = this.moduleRef.get(KronosRuntime, { strict: false });
  }

  /**
   * Delete finished runs and tasks older than `before`, in batches (`prune`, the engine's
   * `pruneBatch`); partitions of a partitioned run table wholly older than it are dropped.
   */
  async cleanup(before: { text: string; at: number }): Promise<Done> {
    const history = await historyMaintenance(this.runtime.dataSource, this.runtime.options.postgres.partitionHistory);
    const done = await prune(this.runtime.engine, { before: before.at, history });
    return {
      text: `Deleted ${done.runs} run(s) and ${done.tasks} finished task(s) older than ${before.text}.`,
      rows: done.runs + done.tasks,
    };
  }

  async apply(action: BulkTaskAction, selection: BulkSelection): Promise<Done> {
    let changed = 0;
    let selected = 0;
    let batches = 0;
    const batch = async (ids: number[]) => {
      if (ids.length === 0) return;
      selected += ids.length;
      batches++;
      changed += await this.runtime.engine.bulkTasks(action, ids, this.runtime.instant());
      // Let the process's other work run between batches (pages, a worker's heartbeat): on SQLite
      // every statement completes synchronously, and without this a long action would hold the
      // event loop until its last batch.
      await new Promise((resolve) => setImmediate(resolve));
    };
    if ('ids' in selection) {
      for (let i = 0; i < selection.ids.length; i += BULK_BATCH) await batch(selection.ids.slice(i, i + BULK_BATCH));
    } else {
      let before: number | undefined;
      for (;;) {
        const page = await this.data.tasks(selection.filter, { before }, BULK_BATCH);
        await batch(page.rows.map((row) => row.id));
        if (page.older === null) break;
        before = page.older;
      }
    }
    if (action === 'retry' && changed > 0) await this.runtime.engine.notify();
    const scope = 'ids' in selection ? `of ${selected} selected` : `of ${selected} matching`;
    return {
      text: `${DONE[action]}: ${changed} task(s) ${scope}, in ${batches} batch(es) of at most ${BULK_BATCH}.`,
      rows: changed,
    };
  }
}
