import type BetterSqlite3 from 'better-sqlite3';
import type { EntityManager } from 'typeorm';
import { flowTables } from '../../migrations/flow-tables.js';
import type { BatchState, EnqueueResult, FlowEnqueueResult, FlowTask, Instant, NewBatch, NewTask } from '../engine.js';
import {
  enqueueFlow,
  listBatches,
  readBatch,
  runFlow,
  sweepFlow,
  runFlowSync,
  settleFlow,
  stopBatch,
  type FlowRows,
  type FlowStep,
  type FlowTables,
} from '../task-flow.js';
import { withBusyRetry } from './sqlite-connection.js';

type Row = Record<string, unknown>;

/**
 * Dependencies and batches on SQLite (lib/storage/task-flow.ts holds the steps). SQLite has no
 * clock of its own here: `{now}` is the engine's `Date.now()`, as for every other write. An
 * enqueue runs in one `BEGIN IMMEDIATE` transaction on the engine's connection (or in the
 * caller's); a settle runs its statements one by one, each conditional.
 */
export class SqliteFlow {
  private readonly t: FlowTables;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly connection: () => BetterSqlite3.Database,
    task: string,
    private readonly enqueue: (tasks: NewTask[]) => Promise<EnqueueResult[]>,
  ) {
    this.t = { task, ...flowTables(task) };
  }

  private text(s: Extract<FlowStep, { kind: 'sql' }>): string {
    return (s.returnsId ? `${s.sql} RETURNING id` : s.sql).replace(/\{now\}/g, String(Date.now()));
  }

  private syncStep = (s: FlowStep): FlowRows => {
    if (s.kind === 'enqueue') throw new Error('Kronos: a batch callback cannot be queued inside an enqueue');
    const text = this.text(s);
    // `{now}` makes most texts unique: cache only the ones without it.
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.connection().prepare(text);
      if (!s.sql.includes('{now}')) this.statements.set(text, statement);
    }
    if (/^\s*SELECT/i.test(s.sql) || s.returnsId) return statement.all(...s.params) as Row[];
    return [{ affected: statement.run(...s.params).changes }];
  };

  private asyncStep = async (s: FlowStep): Promise<FlowRows> => {
    if (s.kind === 'enqueue') {
      const [result] = await this.enqueue([s.task]);
      return [{ id: result.id, created: result.created }];
    }
    return withBusyRetry(() => this.syncStep(s));
  };

  async enqueueFlow(tasks: FlowTask[], batch: NewBatch | null, manager?: EntityManager): Promise<FlowEnqueueResult> {
    if (manager) {
      return runFlow(enqueueFlow(this.t, tasks, batch), async (s) => {
        if (s.kind === 'enqueue') throw new Error('Kronos: a batch callback cannot be queued inside an enqueue');
        const raw: unknown = await manager.query(this.text(s), s.params);
        if (/^\s*SELECT/i.test(s.sql) || s.returnsId) return raw as Row[];
        return [{ affected: 0 }];
      });
    }
    return withBusyRetry(() =>
      this.connection()
        .transaction(() => runFlowSync(enqueueFlow(this.t, tasks, batch), this.syncStep))
        .immediate(),
    );
  }

  settleFlow(taskIds: number[], now: Instant): Promise<number> {
    if (taskIds.length === 0) return runFlow(sweepFlow(this.t, now ?? Date.now()), this.asyncStep);
    return runFlow(settleFlow(this.t, taskIds, now ?? Date.now()), this.asyncStep);
  }

  stopBatch(batchId: number, now: Instant): Promise<number[] | null> {
    return withBusyRetry(() =>
      this.connection()
        .transaction(() => runFlowSync(stopBatch(this.t, batchId, now ?? Date.now()), this.syncStep))
        .immediate(),
    );
  }

  batchState(batchId: number): Promise<BatchState | null> {
    return runFlow(readBatch(this.t, batchId), this.asyncStep);
  }

  listBatches(limit: number): Promise<BatchState[]> {
    return runFlow(listBatches(this.t, limit), this.asyncStep);
  }
}
