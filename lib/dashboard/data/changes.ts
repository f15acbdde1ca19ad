import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { AuditEntry, JobDefinition, Run, Task, Worker } from '../../entities/index.js';
import { KronosRuntime } from '../../kronos.runtime.js';
import type { ChangeSignal, ChangeWatch } from '../../storage/engine.js';
import type { DashboardConfig } from '../dashboard.options.js';
import { DASHBOARD_CONFIG } from '../dashboard.tokens.js';

type Listener = (signature: string) => void;

/** How the open pages learn of changes right now (`DashboardChanges.mode`). */
export type ChangeMode = 'idle' | 'notify' | 'poll';

/**
 * Tells open pages when something changed, one source per process however many pages are open,
 * only while some page listens.
 *
 * On PostgreSQL it is told by the database (`StorageEngine.watchChanges`: NOTIFY, heard on the
 * engine's LISTEN connection) and reads nothing while nothing changes. Elsewhere, and on
 * PostgreSQL while that connection is down, it polls a cheap change counter every
 * `refreshInterval`: the highest task, run and audit ids (read off their primary keys), the
 * workers' run counters and the job definitions' latest update (small tables). Either way pages
 * are told at most once per `refreshInterval` (the first change at once, those that follow
 * together at the interval's end), so a busy cluster costs each open page one re-read per interval.
 */
@Injectable()
export class DashboardChanges implements OnModuleInit, OnModuleDestroy {
  private dataSource!: DataSource;
  private runtime!: KronosRuntime;
  private readonly listeners = new Set<Listener>();
  private starting: Promise<void> | null = null;
  private watch: ChangeWatch | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private last: string | null = null;
  private reading = false;
  private notified = 0;
  private lastTold = Number.NEGATIVE_INFINITY;
  private pending: ReturnType<typeof setTimeout> | null = null;
  /** Counts starts and stops: a start that finishes after a stop (or a newer start) keeps nothing. */
  private generation = 0;

  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(this.config.dataSource), { strict: false });
    this.runtime = this.moduleRef.get(KronosRuntime, { strict: false });
  }

  async onModuleDestroy(): Promise<void> {
    this.listeners.clear();
    await this.stop();
  }

  /** Whether pages are told by the database (`notify`), by the counter (`poll`), or nobody listens (`idle`). */
  get mode(): ChangeMode {
    if (this.listeners.size === 0) return 'idle';
    return this.timer ? 'poll' : 'notify';
  }

  private get gapMs(): number {
    return Math.max(500, this.config.refreshMs);
  }

  /**
   * Be told of every change from now on; returns the unsubscribe. The first listener starts the
   * watch (or reads the counter's baseline) before this resolves, so a change made after it is
   * never missed.
   */
  async subscribe(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    this.starting ??= this.start();
    await this.starting;
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  private async start(): Promise<void> {
    const generation = ++this.generation;
    const watch = await this.runtime.engine.watchChanges((signal) => this.onSignal(signal)).catch(() => null);
    if (generation !== this.generation || this.listeners.size === 0) {
      await watch?.stop();
      return;
    }
    this.watch = watch;
    if (!watch?.listening) await this.startPolling();
  }

  private onSignal(signal: ChangeSignal): void {
    if (this.listeners.size === 0) return;
    if (signal === 'change') return this.changed(`n${++this.notified}`);
    if (signal === 'interrupted') {
      // Changes are no longer heard: poll the counter until they are; pages re-read once in case
      // one was made between the last notice and the counter's baseline.
      void this.startPolling().then(() => this.changed(`n${++this.notified}`));
      return;
    }
    // Heard again: stop polling, and re-read once for what changed since the counter's last read.
    this.stopPolling();
    this.changed(`n${++this.notified}`);
  }

  /** Tell the pages, at most once per interval: at once after a quiet spell, else at the interval's end. */
  private changed(signature: string): void {
    if (this.pending) return;
    const wait = this.lastTold + this.gapMs - Date.now();
    const tell = () => {
      this.pending = null;
      this.lastTold = Date.now();
      for (const listener of this.listeners) listener(signature);
    };
    if (wait <= 0) return tell();
    this.pending = setTimeout(tell, wait);
  }

  private async startPolling(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.gapMs);
    this.last = await this.signature().catch(() => null);
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.last = null;
  }

  /** The current signature: a few primary-key and small-table reads. */
  async signature(): Promise<string> {
    const max = async (entity: EntityTarget<ObjectLiteral>, column: string) =>
      (
        await this.dataSource
          .getRepository(entity)
          .createQueryBuilder('x')
          .select(`MAX(x.${column})`, 'v')
          .getRawOne<{ v: string | number | null }>()
      )?.v ?? 0;
    const workers = await this.dataSource
      .getRepository(Worker)
      .createQueryBuilder('w')
      .select('COUNT(*)', 'n')
      .addSelect('SUM(w.running)', 'running')
      .addSelect('SUM(w.completed)', 'completed')
      .addSelect('SUM(w.failed)', 'failed')
      .getRawOne<Record<string, string | number | null>>();
    const parts = [
      await max(Task, 'id'),
      await max(Run, 'id'),
      await max(AuditEntry, 'id'),
      await max(JobDefinition, 'updatedAt'),
      workers?.n,
      workers?.running,
      workers?.completed,
      workers?.failed,
    ];
    return parts.map((p) => String(p ?? 0)).join('.');
  }

  private async tick(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const signature = await this.signature();
      if (this.last !== null && signature !== this.last) this.changed(signature);
      this.last = signature;
    } catch {
      // a failed read is retried on the next tick; pages keep what they show
    } finally {
      this.reading = false;
    }
  }

  private async stop(): Promise<void> {
    this.generation++;
    this.stopPolling();
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    const watch = this.watch;
    this.watch = null;
    this.starting = null;
    await watch?.stop().catch(() => undefined);
  }
}
