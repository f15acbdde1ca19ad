import type { EntityManager } from 'typeorm';
import { flowTables } from '../../migrations/flow-tables.js';
import type { BatchState, EnqueueResult, FlowEnqueueResult, FlowTask, Instant, NewBatch, NewTask } from '../engine.js';
import {
  enqueueFlow,
  listBatches,
  readBatch,
  runFlow,
  sweepFlow,
  settleFlow,
  stopBatch,
  type FlowRows,
  type FlowStep,
  type FlowTables,
} from '../task-flow.js';
import { managerSession, type MysqlConnections, type Session } from './connection.js';
import { DB_NOW_MS, type MysqlTables } from './sql.js';

/**
 * Dependencies and batches on MariaDB/MySQL (lib/storage/task-flow.ts holds the steps): single
 * statements in autocommit, one READ COMMITTED transaction (or the caller's) for an enqueue.
 */
export class MysqlFlow {
  private readonly t: FlowTables;

  constructor(
    private readonly db: MysqlConnections,
    tables: MysqlTables,
    private readonly enqueue: (tasks: NewTask[]) => Promise<EnqueueResult[]>,
  ) {
    this.t = { task: tables.task, ...flowTables(tables.task) };
  }

  private step(session: Session) {
    return async (s: FlowStep): Promise<FlowRows> => {
      if (s.kind === 'enqueue') {
        const [result] = await this.enqueue([s.task]);
        return [{ id: result.id, created: result.created }];
      }
      const text = s.sql.replace(/\{now\}/g, DB_NOW_MS);
      if (/^\s*SELECT/i.test(text)) return session.rows(text, s.params);
      const result = await session.write(text, s.params);
      return s.returnsId ? [{ id: result.insertId }] : [{ affected: result.affectedRows }];
    };
  }

  enqueueFlow(tasks: FlowTask[], batch: NewBatch | null, manager?: EntityManager): Promise<FlowEnqueueResult> {
    if (manager) return runFlow(enqueueFlow(this.t, tasks, batch), this.step(managerSession(manager)));
    return this.db.transaction((session) => runFlow(enqueueFlow(this.t, tasks, batch), this.step(session)));
  }

  settleFlow(taskIds: number[], now: Instant): Promise<number> {
    if (taskIds.length === 0)
      return this.db.autocommit((session) => runFlow(sweepFlow(this.t, now), this.step(session)));
    return this.db.autocommit((session) => runFlow(settleFlow(this.t, taskIds, now), this.step(session)));
  }

  stopBatch(batchId: number, now: Instant): Promise<number[] | null> {
    return this.db.autocommit((session) => runFlow(stopBatch(this.t, batchId, now), this.step(session)));
  }

  batchState(batchId: number): Promise<BatchState | null> {
    return this.db.autocommit((session) => runFlow(readBatch(this.t, batchId), this.step(session)));
  }

  listBatches(limit: number): Promise<BatchState[]> {
    return this.db.autocommit((session) => runFlow(listBatches(this.t, limit), this.step(session)));
  }
}
