import { KronosInitPostgres1764000000000 } from './1764000000000-kronos-init.js';
import { KronosTraceContextPostgres1765000000000 } from './1765000000000-kronos-trace-context.js';
import { KronosAuditPostgres1766000000000 } from './1766000000000-kronos-audit.js';
import { KronosDedupPostgres1767000000000 } from './1767000000000-kronos-dedup.js';
import { KronosRateLimitPostgres1768000000000 } from './1768000000000-kronos-rate-limit.js';
import { KronosFlowPostgres1769000000000 } from './1769000000000-kronos-flow.js';
import { KronosGroupsPostgres1770000000000 } from './1770000000000-kronos-groups.js';
import { KronosPartitionedRunsPostgres1771000000000 } from './1771000000000-kronos-partitioned-runs.js';
import { KronosGroupRateLimitPostgres1772000000000 } from './1772000000000-kronos-group-rate-limit.js';
import { KronosTaskFillfactorPostgres1773000000000 } from './1773000000000-kronos-task-fillfactor.js';

export {
  KronosInitPostgres1764000000000,
  KronosTraceContextPostgres1765000000000,
  KronosAuditPostgres1766000000000,
  KronosDedupPostgres1767000000000,
  KronosRateLimitPostgres1768000000000,
  KronosFlowPostgres1769000000000,
  KronosGroupsPostgres1770000000000,
  KronosGroupRateLimitPostgres1772000000000,
  KronosPartitionedRunsPostgres1771000000000,
  KronosTaskFillfactorPostgres1773000000000,
};
/** The migrations every PostgreSQL application runs (the opt-in `KronosPartitionedRunsPostgres1771000000000` is not one). */
export const POSTGRES_MIGRATIONS = [
  KronosInitPostgres1764000000000,
  KronosTraceContextPostgres1765000000000,
  KronosAuditPostgres1766000000000,
  KronosDedupPostgres1767000000000,
  KronosRateLimitPostgres1768000000000,
  KronosFlowPostgres1769000000000,
  KronosGroupsPostgres1770000000000,
  KronosGroupRateLimitPostgres1772000000000,
  KronosTaskFillfactorPostgres1773000000000,
];
