import { Logger } from '@nestjs/common';
import type { Clock, ResolvedSchedulerOptions } from '../scheduler.options.js';
import type { StorageEngine } from '../storage/engine.js';
import type { HistoryMaintenance } from '../storage/history-maintenance.js';
import { prune } from './prune.js';

/**
 * The `retention` option: every `interval`, delete runs and finished tasks older than
 * `olderThan` (see `prune`); on a partitioned run table, whole partitions past the horizon are
 * dropped instead (docs/partitioning.md). Runs in processes that run a worker; several processes pruning at
 * once only delete the same rows once.
 */
export class Retention {
  private readonly logger = new Logger('Kronos');
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly engine: StorageEngine,
    private readonly options: NonNullable<ResolvedSchedulerOptions['retention']>,
    private readonly clock: Clock,
    /** A partitioned run table's upkeep: whole partitions are dropped (docs/partitioning.md). */
    private readonly history: HistoryMaintenance | null = null,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pruneNow(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stop the timer and wait for a prune in progress (it stops after its current batch). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  /** Prune once now, unless a prune is already in progress. */
  pruneNow(): Promise<void> {
    this.running ??= prune(this.engine, {
      before: this.clock.now() - this.options.olderThanMs,
      batchSize: this.options.batchSize,
      signal: this.stopping.signal,
      history: this.history,
      wholePartitionsOnly: true,
    })
      .then(({ runs, tasks }) => {
        if (runs + tasks > 0) this.logger.log(`Retention deleted ${runs} run(s) and ${tasks} finished task(s)`);
      })
      .catch((error) => this.logger.error(`Retention failed: ${(error as Error).message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
