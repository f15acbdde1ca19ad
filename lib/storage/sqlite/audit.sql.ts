import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import type { AuditRecord } from '../engine.js';
import { auditTable } from '../audit-table.js';
import { withBusyRetry } from './sqlite-connection.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function recordAudit(db: BetterSqlite3.Database, dataSource: DataSource, e: AuditRecord): Promise<void> {
  const table = auditTable(dataSource, quote, null);
  const insert = db.prepare(
    `INSERT INTO ${table} ("at", "actor", "action", "target", "rows_changed", "outcome", "detail") VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  await withBusyRetry(() =>
    insert.run(e.at ?? Date.now(), e.actor, e.action, e.target, e.rowsChanged, e.outcome, e.detail),
  );
}
