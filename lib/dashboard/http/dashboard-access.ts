import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import type { DashboardConfig } from '../dashboard.options.js';
import { DASHBOARD_CONFIG } from '../dashboard.tokens.js';
import { crossOriginRefusal, csrfTokenRefusal } from './csrf.js';
import type { DashboardRequest } from './request-io.js';

/** Holds the application's guard, resolved once at start-up, and says how the dashboard is protected. */
@Injectable()
export class DashboardAccess implements OnModuleInit {
  private readonly logger = new Logger('KronosDashboard');
  private guard: CanActivate | null = null;

  constructor(
    @Inject(DASHBOARD_CONFIG) readonly config: DashboardConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    const configured = this.config.guard;
    const where = `/${this.config.path}`;
    if (!configured) {
      this.logger.warn(
        `The dashboard at ${where} is mounted WITHOUT a guard (insecure: true): anyone who can reach this server can see and steer the scheduler.`,
      );
      return;
    }
    this.guard = typeof configured === 'function' ? await this.instantiate(configured) : configured;
    this.logger.log(
      `Dashboard at ${where}, guarded by ${this.guard.constructor.name}${this.config.readOnly ? ', read-only' : ''}.`,
    );
  }

  /** The application's guard decides; without one (insecure) everyone is admitted. */
  async admits(context: ExecutionContext): Promise<boolean> {
    if (!this.guard) return true;
    const verdict = this.guard.canActivate(context);
    return Boolean(isObservable(verdict) ? await lastValueFrom(verdict) : await verdict);
  }

  private async instantiate(type: Type<CanActivate>): Promise<CanActivate> {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      return this.moduleRef.create(type);
    }
  }
}

/** Every dashboard route: the application's guard, 403 when it says no. */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  constructor(private readonly access: DashboardAccess) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    return this.access.admits(context);
  }
}

/** Every POST: refused when the dashboard is read-only, cross-origin, or without the page's CSRF token. */
@Injectable()
export class DashboardMutationGuard implements CanActivate {
  constructor(@Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.readOnly) throw new ForbiddenException('The Kronos dashboard is read-only.');
    const request = context.switchToHttp().getRequest<DashboardRequest>();
    const refusal = crossOriginRefusal(request, this.config.trustedOrigins) ?? csrfTokenRefusal(request);
    if (refusal) throw new ForbiddenException(`Request refused (${refusal}): reload the dashboard page and try again.`);
    return true;
  }
}
