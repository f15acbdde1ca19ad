import type { DataSource } from 'typeorm';
import { AuditEntry } from '../../lib/entities/index.js';
import { createEngine } from '../../lib/storage/create-engine.js';
import type { StorageEngine } from '../../lib/storage/engine.js';
import { createTestDataSource, describeForDialects, dropKronosTables } from '../support/databases.js';

/** The audit trail is written through the storage engine, with the same SQL contract on every database. */
describeForDialects('StorageEngine.recordAudit', (dialect) => {
  let dataSource: DataSource;
  let engine: StorageEngine;
  afterEach(async () => {
    await engine?.close();
    // Index names are per schema on PostgreSQL: the next case's tables (another prefix) reuse them.
    if (dataSource?.isInitialized) await dropKronosTables(dataSource);
    await dataSource?.destroy();
  });

  it('appends an entry stamped by the database clock, or by the instant given', async () => {
    dataSource = await createTestDataSource(dialect, { schema: 'migrations' });
    engine = await createEngine(dataSource);
    await engine.start();
    const before = Date.now();
    await engine.recordAudit({
      at: null,
      actor: 'alice',
      action: 'bulk:retry',
      target: 'tasks:job=echo',
      rowsChanged: 1234,
      outcome: 'ok',
      detail: 'Queued 1234 tasks again.',
    });
    await engine.recordAudit({
      at: 42,
      actor: 'bob',
      action: 'stop',
      target: null,
      rowsChanged: 0,
      outcome: 'error',
      detail: null,
    });
    const rows = await dataSource.getRepository(AuditEntry).find({ order: { id: 'ASC' } });
    expect(rows.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([
      {
        actor: 'alice',
        action: 'bulk:retry',
        target: 'tasks:job=echo',
        rowsChanged: 1234,
        outcome: 'ok',
        detail: 'Queued 1234 tasks again.',
      },
      { actor: 'bob', action: 'stop', target: null, rowsChanged: 0, outcome: 'error', detail: null },
    ]);
    expect(rows[0].at).toBeGreaterThanOrEqual(before - 5_000);
    expect(rows[0].at).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(rows[1].at).toBe(42);
  });

  it('follows the entityPrefix', async () => {
    dataSource = await createTestDataSource(dialect, { schema: 'migrations', options: { entityPrefix: 'app_' } });
    engine = await createEngine(dataSource);
    await engine.start();
    await engine.recordAudit({
      at: null,
      actor: 'alice',
      action: 'deactivate',
      target: 'job:echo',
      rowsChanged: 1,
      outcome: 'ok',
      detail: null,
    });
    const [row] = await dataSource.query('SELECT count(*) AS n FROM app_kronos_audit');
    expect(Number(row.n)).toBe(1);
  });
});
