import { Logger } from '@nestjs/common';
import type { Clock } from '../scheduler.options.js';
import type { HistoryMaintenance } from '../storage/history-maintenance.js';

/** How often a worker process makes sure the partitions ahead exist. */
export const PARTITION_CHECK_INTERVAL_MS = 3_600_000;

/**
 * The worker processes' upkeep of a partitioned run table (`postgres.partitionHistory`,
 * docs/partitioning.md): at start and every hour, create the partitions of the current period and
 * of `ahead` more. Several processes doing it at once is safe (the storage layer serialises them
 * with an advisory lock and creates only what is missing). A run table that is not partitioned is
 * reported once, and nothing else happens: retention keeps deleting in batches.
 */
export class HistoryPartitionKeeper {
  private readonly logger = new Logger('Kronos');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private warned = false;
  private failures = 0;

  constructor(
    private readonly history: HistoryMaintenance,
    private readonly clock: Clock,
    private readonly intervalMs = PARTITION_CHECK_INTERVAL_MS,
  ) {}

  /** Check now (awaited), then every interval. */
  async start(): Promise<void> {
    await this.checkNow();
    this.timer = setInterval(() => void this.checkNow(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Create the missing partitions now, unless a check is already in progress; never throws. */
  checkNow(): Promise<void> {
    this.running ??= this.history
      .ensurePartitions(this.clock.now())
      .then((created) => {
        this.failures = 0;
        if (created === null) {
          if (!this.warned)
            this.logger.warn(
              'postgres.partitionHistory is set but the run table is not partitioned: apply the migration KronosPartitionedRunsPostgres1771000000000 (docs/partitioning.md); retention deletes in batches meanwhile',
            );
          this.warned = true;
        } else if (created.length > 0) this.logger.log(`Run history partitions created: ${created.join(', ')}`);
      })
      .catch((error: unknown) => {
        // A lock timeout (a long reader on the run table) or a lost connection: the next round retries.
        const line = `Could not create run history partitions (${++this.failures} in a row, retried in ${Math.round(this.intervalMs / 60_000)} min): ${(error as Error).message}`;
        if (this.failures > 1) this.logger.error(line);
        else this.logger.warn(line);
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
