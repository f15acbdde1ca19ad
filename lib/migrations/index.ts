import { MYSQL_MIGRATIONS } from './mysql/index.js';
import { KronosPartitionedRunsPostgres1771000000000, POSTGRES_MIGRATIONS } from './postgres/index.js';
import { SQLITE_MIGRATIONS } from './sqlite/index.js';

export {
  KronosInitMysql1764000000000,
  KronosTraceContextMysql1765000000000,
  KronosAuditMysql1766000000000,
  KronosDedupMysql1767000000000,
  KronosRateLimitMysql1768000000000,
  KronosFlowMysql1769000000000,
  KronosGroupsMysql1770000000000,
  KronosGroupRateLimitMysql1772000000000,
} from './mysql/index.js';
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
} from './postgres/index.js';
export {
  KronosInitSqlite1764000000000,
  KronosTraceContextSqlite1765000000000,
  KronosAuditSqlite1766000000000,
  KronosDedupSqlite1767000000000,
  KronosRateLimitSqlite1768000000000,
  KronosFlowSqlite1769000000000,
  KronosGroupsSqlite1770000000000,
  KronosGroupRateLimitSqlite1772000000000,
} from './sqlite/index.js';

/**
 * The migrations shipped with Kronos, per database. Add the one for your database to your
 * DataSource's `migrations` (or use `synchronize` in development):
 *
 * ```ts
 * TypeOrmModule.forRoot({ type: 'postgres', ..., migrations: [...KRONOS_MIGRATIONS.postgres], migrationsRun: true })
 * ```
 *
 * `postgresPartitionedRuns` is opt-in, after `postgres`: it makes the run table time-partitioned,
 * for `postgres: { partitionHistory }` (docs/partitioning.md).
 */
export const KRONOS_MIGRATIONS = {
  postgres: POSTGRES_MIGRATIONS,
  postgresPartitionedRuns: [KronosPartitionedRunsPostgres1771000000000],
  mysql: MYSQL_MIGRATIONS,
  sqlite: SQLITE_MIGRATIONS,
} as const;
