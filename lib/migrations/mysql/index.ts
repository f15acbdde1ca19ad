import { KronosInitMysql1764000000000 } from './1764000000000-kronos-init.js';
import { KronosTraceContextMysql1765000000000 } from './1765000000000-kronos-trace-context.js';
import { KronosAuditMysql1766000000000 } from './1766000000000-kronos-audit.js';
import { KronosDedupMysql1767000000000 } from './1767000000000-kronos-dedup.js';
import { KronosRateLimitMysql1768000000000 } from './1768000000000-kronos-rate-limit.js';
import { KronosFlowMysql1769000000000 } from './1769000000000-kronos-flow.js';
import { KronosGroupsMysql1770000000000 } from './1770000000000-kronos-groups.js';
import { KronosGroupRateLimitMysql1772000000000 } from './1772000000000-kronos-group-rate-limit.js';

export {
  KronosInitMysql1764000000000,
  KronosTraceContextMysql1765000000000,
  KronosAuditMysql1766000000000,
  KronosDedupMysql1767000000000,
  KronosRateLimitMysql1768000000000,
  KronosFlowMysql1769000000000,
  KronosGroupsMysql1770000000000,
  KronosGroupRateLimitMysql1772000000000,
};
export const MYSQL_MIGRATIONS = [
  KronosInitMysql1764000000000,
  KronosTraceContextMysql1765000000000,
  KronosAuditMysql1766000000000,
  KronosDedupMysql1767000000000,
  KronosRateLimitMysql1768000000000,
  KronosFlowMysql1769000000000,
  KronosGroupsMysql1770000000000,
  KronosGroupRateLimitMysql1772000000000,
];
