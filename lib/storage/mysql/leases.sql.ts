import type { Session } from './connection.js';
import type { MysqlTables } from './sql.js';

interface Lease {
  taskId: number;
  claimToken: string;
}

/**
 * The fence of every write-back, as a locking read: lock the batch's task rows (in primary-key
 * order, the same order for every writer) and keep the items whose claim token still matches.
 * While the transaction holds these locks nobody can rescue or re-claim the rows, so the writes
 * that follow may address them by id alone. Reading the tokens, instead of counting the rows an
 * UPDATE matched, also keeps the fence independent of mysql2's FOUND_ROWS flag (without it,
 * MySQL reports an UPDATE that rewrote the same values as "0 rows").
 *
 * A task listed twice in one batch is held once: its later items are reported as lost, as a
 * second write-back after the first would be.
 */
export async function lockLeases<T extends Lease>(
  session: Session,
  t: MysqlTables,
  items: T[],
  /** Receives the held tasks that have dependents or a batch (`flow <> 0`, docs/flow-control.md). */
  flagged?: number[],
): Promise<{ held: T[]; lost: number[] }> {
  const ids = [...new Set(items.map((item) => item.taskId))];
  const rows = await session.rows(
    `SELECT id, claim_token, flow FROM ${t.task} WHERE id IN (?) ORDER BY id FOR UPDATE`,
    [ids],
  );
  if (flagged) for (const row of rows) if (Number(row.flow) !== 0) flagged.push(Number(row.id));
  const tokens = new Map(rows.map((row) => [Number(row.id), row.claim_token as string | null]));
  const held: T[] = [];
  const lost: number[] = [];
  for (const item of items) {
    if (tokens.get(item.taskId) === item.claimToken) {
      held.push(item);
      tokens.delete(item.taskId);
    } else {
      lost.push(item.taskId);
    }
  }
  return { held, lost };
}
