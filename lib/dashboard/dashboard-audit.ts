import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { KronosRuntime } from '../kronos.runtime.js';
import type { Flash } from './dashboard-actions.js';
import type { DashboardConfig } from './dashboard.options.js';
import { DASHBOARD_CONFIG } from './dashboard.tokens.js';

/** Who is recorded when the `actor` option names nobody. */
export const ANONYMOUS = 'anonymous';

/** What one dashboard action did, as the audit trail records it. */
export interface AuditedAction {
  /** `deactivate`, `stop`, `workers:kill`, `bulk:retry`... */
  action: string;
  /** `job:<name>`, `task:<id>`, `workers:<group>`, `tasks:<filter>`... */
  target: string | null;
  flash: Flash;
}

/**
 * Writes every dashboard mutation to the audit trail (`kronos_audit`) through the storage
 * engine: who (the `actor` option), what, on which target, when, and how many rows changed.
 */
@Injectable()
export class DashboardAudit implements OnModuleInit {
  private readonly logger = new Logger('KronosDashboard');
  private runtime!: KronosRuntime;

  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.runtime = this.moduleRef.get(KronosRuntime, { strict: false });
  }

  /** The name the request's user is recorded under (at most 200 characters). */
  actorOf(request: unknown): string {
    let actor: unknown;
    try {
      actor = this.config.actor(request);
    } catch (error) {
      this.logger.warn(
        `The dashboard's actor option threw (${(error as Error).message}); the action is recorded as "${ANONYMOUS}".`,
      );
    }
    return typeof actor === 'string' && actor.trim() !== '' ? actor.slice(0, 200) : ANONYMOUS;
  }

  /** Record one action. An action is refused (500) when its record cannot be written: nothing goes unrecorded silently. */
  async record(request: unknown, done: AuditedAction): Promise<void> {
    await this.runtime.engine.recordAudit({
      at: this.runtime.instant(),
      actor: this.actorOf(request),
      action: done.action.slice(0, 40),
      target: done.target === null ? null : done.target.slice(0, 200),
      rowsChanged: done.flash.kind === 'ok' ? (done.flash.rows ?? 0) : 0,
      outcome: done.flash.kind,
      detail: done.flash.text,
    });
  }
}
