import { KronosInitSqlite1764000000000 } from './1764000000000-kronos-init.js';
import { KronosTraceContextSqlite1765000000000 } from './1765000000000-kronos-trace-context.js';
import { KronosAuditSqlite1766000000000 } from './1766000000000-kronos-audit.js';
import { KronosDedupSqlite1767000000000 } from './1767000000000-kronos-dedup.js';
import { KronosRateLimitSqlite1768000000000 } from './1768000000000-kronos-rate-limit.js';
import { KronosFlowSqlite1769000000000 } from './1769000000000-kronos-flow.js';
import { KronosGroupsSqlite1770000000000 } from './1770000000000-kronos-groups.js';
import { KronosGroupRateLimitSqlite1772000000000 } from './1772000000000-kronos-group-rate-limit.js';

export {
  KronosInitSqlite1764000000000,
  KronosTraceContextSqlite1765000000000,
  KronosAuditSqlite1766000000000,
  KronosDedupSqlite1767000000000,
  KronosRateLimitSqlite1768000000000,
  KronosFlowSqlite1769000000000,
  KronosGroupsSqlite1770000000000,
  KronosGroupRateLimitSqlite1772000000000,
};
export const SQLITE_MIGRATIONS = [
  KronosInitSqlite1764000000000,
  KronosTraceContextSqlite1765000000000,
  KronosAuditSqlite1766000000000,
  KronosDedupSqlite1767000000000,
  KronosRateLimitSqlite1768000000000,
  KronosFlowSqlite1769000000000,
  KronosGroupsSqlite1770000000000,
  KronosGroupRateLimitSqlite1772000000000,
];
