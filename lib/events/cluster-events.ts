import { Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { LostRun, StorageEngine, TaskOutcome } from '../storage/engine.js';
import {
  decodeClusterEvents,
  encodeClusterEvents,
  outcomeType,
  recordedRunEvent,
  type ClusterTaskEvent,
} from './cluster-event.js';

/** Runs read per poll of the runs table. */
const POLL_LIMIT = 5000;
/**
 * MySQL/MariaDB: auto-increment ids may commit out of order (a lower id committed after a higher
 * one was read), so each poll reads again the runs first seen less than this long ago.
 */
const MYSQL_SETTLE_MS = 2000;

/**
 * Cluster-wide task events (`events: { cluster: true }`), for `SchedulerService.clusterEvents$`:
 * every run recorded by any process of the fleet. On PostgreSQL a worker sends each written batch
 * with NOTIFY on `kronos_task_event` and subscribers LISTEN on the engine's listener connection;
 * elsewhere (and on PostgreSQL without a LISTEN connection) subscribers poll the runs table. The
 * feed runs only while someone subscribes.
 */
export class ClusterEvents {
  private readonly logger = new Logger('Kronos');
  private readonly subject = new Subject<ClusterTaskEvent>();
  private engine?: StorageEngine;
  private subscribers = 0;
  private stopFeed?: () => Promise<void>;
  private closed = false;
  /** What `SchedulerService.clusterEvents$` hands out. */
  readonly stream: Observable<ClusterTaskEvent>;

  constructor(
    /** `events.cluster`: false builds nothing and sends nothing. */
    readonly enabled: boolean,
    private readonly pollIntervalMs: number,
  ) {
    this.stream = new Observable<ClusterTaskEvent>((subscriber) => {
      const subscription = this.subject.subscribe(subscriber);
      if (++this.subscribers === 1) this.startFeed();
      return () => {
        subscription.unsubscribe();
        if (--this.subscribers === 0) void this.endFeed();
      };
    });
  }

  attach(engine: StorageEngine): void {
    this.engine = engine;
    if (this.subscribers > 0 && !this.stopFeed) this.startFeed(); // subscribed before start-up
  }

  /** True when this process's worker sends what it writes (enabled, on PostgreSQL). */
  get sending(): boolean {
    return this.enabled && this.engine?.dialect === 'postgres';
  }

  /** Send the written outcomes of a batch (`runIds[i]` > 0: written), in a later turn, off the worker's path. */
  send(batch: readonly TaskOutcome[], runIds: readonly number[]): void {
    this.sendEvents(() => {
      const events: ClusterTaskEvent[] = [];
      for (let i = 0; i < batch.length; i++) {
        const o = batch[i];
        if (!(runIds[i] > 0)) continue;
        events.push({
          type: outcomeType(o),
          taskId: o.taskId,
          runId: runIds[i],
          job: o.jobName,
          attempt: o.attempt,
          runStatus: o.runStatus,
          worker: o.worker,
          finishedAt: o.stopTime,
        });
      }
      return events;
    });
  }

  /** Send the LOST runs a rescue of this process wrote. */
  sendLost(lost: readonly LostRun[]): void {
    this.sendEvents(() =>
      lost.map((run) => ({
        type: 'lost' as const,
        taskId: run.taskId,
        runId: run.runId,
        job: run.jobName,
        attempt: run.attempt,
        runStatus: 'LOST' as const,
        worker: run.worker,
        finishedAt: run.at,
      })),
    );
  }

  private sendEvents(build: () => ClusterTaskEvent[]): void {
    const engine = this.engine;
    if (!engine) return;
    setImmediate(() => {
      const events = build();
      engine
        .notifyTaskEvents(encodeClusterEvents(events))
        .catch((error: Error) =>
          this.logger.warn(`Could not send ${events.length} cluster task event(s): ${error.message}`),
        );
    });
  }

  /** Complete `clusterEvents$` and stop listening or polling. */
  async close(): Promise<void> {
    this.closed = true;
    await this.endFeed();
    this.subject.complete();
  }

  private startFeed(): void {
    const engine = this.engine;
    if (!engine || this.closed) return;
    let stopped = false;
    let stopListening: (() => Promise<void>) | null = null;
    const timer: { current?: NodeJS.Timeout } = {};
    this.stopFeed = async () => {
      stopped = true;
      clearTimeout(timer.current);
      await stopListening?.();
    };
    const deliver = (events: ClusterTaskEvent[]) => {
      for (const event of events) this.subject.next(event);
    };
    void (async () => {
      try {
        stopListening = await engine.listenTaskEvents((payload) => deliver(decodeClusterEvents(payload)));
        if (stopped && stopListening) await stopListening();
        if (stopListening || stopped) return;
        // No channel: poll the runs table from the last run recorded now.
        let low = await engine.lastRunId();
        const settleMs = engine.dialect === 'mysql' ? MYSQL_SETTLE_MS : 0;
        const seen = new Map<number, number>();
        const poll = async () => {
          if (stopped) return;
          try {
            const runs = await engine.runsAfter(low, POLL_LIMIT);
            const now = Date.now();
            const fresh = runs.filter((run) => !seen.has(run.id));
            for (const run of fresh) seen.set(run.id, now);
            for (const [id, at] of seen) if (now - at >= settleMs && id > low) low = id;
            for (const id of seen.keys()) if (id <= low) seen.delete(id);
            if (!stopped) deliver(fresh.map(recordedRunEvent));
          } catch (error) {
            this.logger.warn(
              `Cluster task events: reading the runs table failed, retrying: ${(error as Error).message}`,
            );
          }
          if (!stopped) timer.current = setTimeout(() => void poll(), this.pollIntervalMs);
        };
        timer.current = setTimeout(() => void poll(), this.pollIntervalMs);
      } catch (error) {
        this.logger.error(`Cluster task events could not start: ${(error as Error).message}`);
      }
    })();
  }

  private async endFeed(): Promise<void> {
    const stop = this.stopFeed;
    this.stopFeed = undefined;
    await stop?.();
  }
}
