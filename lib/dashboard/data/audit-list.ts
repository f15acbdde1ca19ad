import type { DataSource } from 'typeorm';
import { AuditEntry } from '../../entities/index.js';
import { applyBounds, keysetPage, type Bounds, type Page, type PageRequest } from './keyset.js';

export interface AuditFilter {
  actor?: string;
  action?: string;
}

/**
 * One page of the audit trail, newest first. The table is small next to tasks and runs (one row
 * per admin action): filters walk the primary key.
 */
export function listAudit(dataSource: DataSource, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
  const fetch = (bounds: Bounds): Promise<AuditEntry[]> => {
    const qb = dataSource.getRepository(AuditEntry).createQueryBuilder('a');
    if (filter.actor !== undefined) qb.andWhere('a.actor = :actor', { actor: filter.actor });
    if (filter.action !== undefined) qb.andWhere('a.action = :action', { action: filter.action });
    return applyBounds(qb, 'a', bounds).getMany();
  };
  return keysetPage(page, fetch);
}
