import type { DataSource } from 'typeorm';
import { AuditEntry } from '../entities/index.js';
import { TABLES } from '../entities/columns.js';

/**
 * The audit table's quoted name: from the `AuditEntry` metadata when the DataSource registers it
 * (a schema, a database or an `entityPrefix` applies), else the default `kronos_audit`.
 */
export function auditTable(
  dataSource: DataSource,
  quote: (name: string) => string,
  qualifier: 'schema' | 'database' | null,
): string {
  if (!dataSource.hasMetadata(AuditEntry)) return quote(TABLES.audit);
  const metadata = dataSource.getMetadata(AuditEntry);
  const prefix = qualifier ? metadata[qualifier] : undefined;
  return prefix ? `${quote(prefix)}.${quote(metadata.tableName)}` : quote(metadata.tableName);
}
