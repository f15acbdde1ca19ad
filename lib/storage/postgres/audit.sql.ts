import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { AuditRecord } from '../engine.js';
import { auditTable } from '../audit-table.js';
import { DB_NOW_MS, poolQuery, unnamedStatement, type Statement } from './sql.js';
import { quoteIdent } from './tables.js';

/** The audit insert (unnamed: it runs once per admin action, and works through any pooler). */
export function auditStatement(dataSource: DataSource): Statement {
  return unnamedStatement(
    'audit',
    `INSERT INTO ${auditTable(dataSource, quoteIdent, 'schema')} ("at", "actor", "action", "target", "rows_changed", "outcome", "detail")
     VALUES (COALESCE($1::bigint, ${DB_NOW_MS}), $2, $3, $4, $5, $6, $7)`,
  );
}

export async function recordAudit(pool: Pool, sql: Statement, e: AuditRecord): Promise<void> {
  await poolQuery(pool, sql, [e.at, e.actor, e.action, e.target, e.rowsChanged, e.outcome, e.detail]);
}
