import type { DataSource } from 'typeorm';
import type { AuditRecord } from '../engine.js';
import { auditTable } from '../audit-table.js';
import type { MysqlConnections } from './connection.js';
import { CLOCK, quoteIdent } from './sql.js';

export async function recordAudit(db: MysqlConnections, dataSource: DataSource, e: AuditRecord): Promise<void> {
  const table = auditTable(dataSource, quoteIdent, 'database');
  await db.autocommit((session) =>
    session.write(
      `INSERT INTO ${table} (\`at\`, \`actor\`, \`action\`, \`target\`, \`rows_changed\`, \`outcome\`, \`detail\`) VALUES (${CLOCK}, ?, ?, ?, ?, ?, ?)`,
      [e.at, e.actor, e.action, e.target, e.rowsChanged, e.outcome, e.detail],
    ),
  );
}
