import type { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import { flowTables } from '../../migrations/flow-tables.js';
import type { BatchState, FlowEnqueueResult, FlowTask, Instant, NewBatch, NewTask, EnqueueResult } from '../engine.js';
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
import type { PgTables } from './tables.js';
import { DB_NOW_MS, transaction } from './sql.js';

type Query = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;

/** `?` placeholders numbered, `{now}` as the database clock in ms. */
const pgText = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`).replace(/\{now\}/g, DB_NOW_MS);
};

/**
 * Dependencies and batches on PostgreSQL (lib/storage/task-flow.ts holds the steps): unnamed
 * statements on the pool, one transaction on a borrowed client (or the caller's) for an enqueue.
 */
export class PgFlow {
  private readonly t: FlowTables;

  constructor(
    private readonly pool: () => Pool,
    tables: PgTables,
    private readonly enqueue: (tasks: NewTask[]) => Promise<EnqueueResult[]>,
  ) {
    this.t = { task: tables.task, ...flowTables(tables.task) };
  }

  private step(query: Query) {
    return async (s: FlowStep): Promise<FlowRows> => {
      if (s.kind === 'enqueue') {
        const [result] = await this.enqueue([s.task]);
        return [{ id: result.id, created: result.created }];
      }
      const text = pgText(s.returnsId ? `${s.sql} RETURNING id` : s.sql);
      const result = await query(text, s.params);
      return /^\s*SELECT/i.test(s.sql) || s.returnsId ? result.rows : [{ affected: result.rowCount ?? 0 }];
    };
  }

  private poolQuery: Query = (text, params) => this.pool().query(text, params);

  async enqueueFlow(tasks: FlowTask[], batch: NewBatch | null, manager?: EntityManager): Promise<FlowEnqueueResult> {
    if (manager) {
      const query: Query = async (text, params) => {
        const raw: unknown = await manager.query(text, params);
        // TypeORM answers an UPDATE with [rows, count], a SELECT with the rows.
        if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number')
          return { rows: raw[0] as Record<string, unknown>[], rowCount: raw[1] };
        return { rows: raw as Record<string, unknown>[], rowCount: null };
      };
      return runFlow(enqueueFlow(this.t, tasks, batch), this.step(query));
    }
    return transaction(this.pool(), (client) =>
      runFlow(
        enqueueFlow(this.t, tasks, batch),
        this.step((text, params) => client.query(text, params)),
      ),
    );
  }

  async settleFlow(taskIds: number[], now: Instant): Promise<number> {
    if (taskIds.length === 0) return runFlow(sweepFlow(this.t, now), this.step(this.poolQuery));
    return runFlow(settleFlow(this.t, taskIds, now), this.step(this.poolQuery));
  }

  async stopBatch(batchId: number, now: Instant): Promise<number[] | null> {
    return runFlow(stopBatch(this.t, batchId, now), this.step(this.poolQuery));
  }

  batchState(batchId: number): Promise<BatchState | null> {
    return runFlow(readBatch(this.t, batchId), this.step(this.poolQuery));
  }

  listBatches(limit: number): Promise<BatchState[]> {
    return runFlow(listBatches(this.t, limit), this.step(this.poolQuery));
  }
}
