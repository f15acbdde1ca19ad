import type { DataSource } from 'typeorm';
import type { StorageEngine } from '../../lib/storage/engine.js';
import { createTestDataSource, type Dialect, describeForDialects } from '../support/databases.js';
import { concurrencyLimitCases } from './contract/concurrency-limit.cases.js';
import { dedupCases } from './contract/dedup.cases.js';
import { flowCases } from './contract/flow.cases.js';
import { groupCases } from './contract/groups.cases.js';
import { groupRateLimitCases } from './contract/group-rate-limit.cases.js';
import { rateLimitCases } from './contract/rate-limit.cases.js';
import { removeOnCompleteCases } from './contract/remove-on-complete.cases.js';
import { enqueueAndClaimCases } from './contract/enqueue-claim.cases.js';
import { type ContractContext, emptyTables } from './contract/fixtures.js';
import { stateChangeCases } from './contract/state-changes.cases.js';
import { workerCases } from './contract/workers.cases.js';
import { writeBackCases } from './contract/write-back.cases.js';

/**
 * The storage contract every engine must pass, declared once and run per dialect (Oban's engine
 * tests, solid_queue's TARGET_DB). Cases only touch the database through the engine and TypeORM
 * repositories, so the same text checks PostgreSQL, MySQL and SQLite.
 */
export function describeEngineContract(
  dialect: Dialect,
  makeEngine: (dataSource: DataSource) => StorageEngine,
  /** Another layout of the same schema (e.g. partitioned runs): its title, and how to get there after the migrations. */
  variant?: { title: string; prepare: (dataSource: DataSource) => Promise<void> },
): void {
  describeForDialects(
    variant ? `StorageEngine contract, ${variant.title}` : 'StorageEngine contract',
    () => {
      let ctx: ContractContext | undefined;
      const get = (): ContractContext => {
        if (!ctx) throw new Error('the contract suite did not set up');
        return ctx;
      };

      beforeAll(async () => {
        const dataSource = await createTestDataSource(dialect, { schema: 'migrations' });
        await variant?.prepare(dataSource);
        const engine = makeEngine(dataSource);
        ctx = { dialect, dataSource, engine };
        await engine.start();
        await engine.start(); // idempotent
      });

      afterAll(async () => {
        await ctx?.engine.close();
        await ctx?.dataSource.destroy();
      });

      beforeEach(async () => emptyTables(get().dataSource));

      describe('enqueue and claim', () => enqueueAndClaimCases(get));
      describe('write-back', () => writeBackCases(get));
      describe('per-job concurrency limits', () => concurrencyLimitCases(get));
      describe('workers, rescue and expiry', () => workerCases(get));
      describe('state changes off the hot path', () => stateChangeCases(get));
      describe('deduplication windows', () => dedupCases(get));
      describe('dependencies and batches', () => flowCases(get));
      describe('removeOnComplete', () => removeOnCompleteCases(get));
      describe('per-job rate limits', () => rateLimitCases(get));
      describe('paused groups', () => groupCases(get));
      describe('group rate limits', () => groupRateLimitCases(get));
    },
    [dialect],
  );
}
