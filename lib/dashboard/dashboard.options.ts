import type { CanActivate, Type } from '@nestjs/common';
import { tryParseDuration } from '../schedule/duration.js';
import type { Duration } from '../types.js';
import { DashboardGuardMissingError, InvalidDashboardOptionError } from './dashboard.errors.js';
import { assertKnownDashboardOptions } from './dashboard.option-keys.js';

/** Options of `SchedulerDashboardModule.register()` (all but `path` may come from `registerAsync`). */
export interface SchedulerDashboardOptions {
  /**
   * Who may see and steer the scheduler: a Nest guard instance, or a guard class (taken from
   * the application's providers when it is one, else instantiated with its dependencies).
   * Called for every page and action with the request's `ExecutionContext`. Required unless
   * `insecure: true`.
   */
  guard?: CanActivate | Type<CanActivate>;
  /** Mount without any guard. For local development only; start-up logs a warning. */
  insecure?: boolean;
  /** Hide every button and refuse every mutation (403). Default false. */
  readOnly?: boolean;
  /** How often an open page refreshes its tables; `0` turns live refresh off. Default `'5s'`. */
  refreshInterval?: Duration;
  /** Rows per list page. Default 50, at most 500. */
  pageSize?: number;
  /** IANA time zone of the times shown. Default `'UTC'`. */
  timezone?: string;
  /**
   * Origins (`scheme://host[:port]`) besides the dashboard's own that may post its forms, for
   * a reverse proxy that rewrites the `Host` header.
   */
  trustedOrigins?: string[];
  /** The TypeORM DataSource Kronos uses, when it is a named one (as `SchedulerModule`'s `dataSource`). */
  dataSource?: string;
  /** Shown in the page header. Default `'Kronos'`. */
  title?: string;
  /**
   * Who an action is recorded as in the audit trail, read from the request your guard admitted,
   * e.g. `(request) => request.user?.email`. Default: `request.user` when it is a string, else
   * its `username`, `name`, `email`, `id` or `sub` (as Passport leaves it), else `'anonymous'`.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Express or Fastify request as the application's own middleware and guard left it (e.g. `request.user`), which Kronos cannot type
  actor?: (request: any) => string | null | undefined;
}

/** Options fixed when the module is imported: routes are declared before any factory runs. */
export interface SchedulerDashboardExtras {
  /** Where the pages live, below any global prefix. Default `'/scheduler'`. */
  path?: string;
}

/** Options after defaults and validation (internal). */
export interface DashboardConfig {
  path: string;
  guard: CanActivate | Type<CanActivate> | null;
  readOnly: boolean;
  refreshMs: number;
  pageSize: number;
  timezone: string;
  trustedOrigins: Set<string>;
  dataSource: string | undefined;
  title: string;
  actor: NonNullable<SchedulerDashboardOptions['actor']>;
}

const PATH_PATTERN = /^[\w\-.~/]*$/;

/** `'/scheduler/'` -> `'scheduler'`; the router joins it with the global prefix. */
export function normalizeDashboardPath(path: unknown): string {
  if (typeof path !== 'string' || !PATH_PATTERN.test(path) || path.includes('//')) {
    throw new InvalidDashboardOptionError(
      'path',
      path,
      'must be a plain URL path such as "/scheduler" (letters, digits, - _ . ~ /)',
    );
  }
  return path.replace(/^\/+|\/+$/g, '');
}

function normalizeOrigin(origin: unknown): string {
  let url: URL | null;
  try {
    url = typeof origin === 'string' ? new URL(origin) : null;
  } catch {
    url = null;
  }
  if (
    !url ||
    !/^https?:$/.test(url.protocol) ||
    url.pathname !== '/' ||
    url.search ||
    url.hash ||
    url.username ||
    String(origin).endsWith('/')
  ) {
    throw new InvalidDashboardOptionError(
      'trustedOrigins',
      origin,
      'must hold origins such as "https://admin.example.com" (scheme, host and port only)',
    );
  }
  return url.origin;
}

const isGuard = (value: unknown): value is CanActivate | Type<CanActivate> =>
  (typeof value === 'function' &&
    typeof (value.prototype as Partial<CanActivate> | undefined)?.canActivate === 'function') ||
  (typeof value === 'object' && value !== null && typeof (value as CanActivate).canActivate === 'function');

/** The user a guard (or Passport) left on the request, by the first of its usual name fields. */
function defaultActor(request: { user?: unknown }): string | undefined {
  const user = request?.user;
  if (typeof user === 'string') return user;
  if (typeof user !== 'object' || user === null) return undefined;
  for (const key of ['username', 'name', 'email', 'id', 'sub']) {
    const value = (user as Record<string, unknown>)[key];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return undefined;
}

/** Apply defaults and validate once, at start-up: a missing guard stops the application. */
export function resolveDashboardOptions(options: SchedulerDashboardOptions, path: string): DashboardConfig {
  assertKnownDashboardOptions(options);
  const shown = `/${path}`;
  if (options.guard !== undefined && options.guard !== null && !isGuard(options.guard)) {
    throw new InvalidDashboardOptionError('guard', String(options.guard), 'must be a CanActivate class or instance');
  }
  if (!options.guard && options.insecure !== true) throw new DashboardGuardMissingError(shown);
  const refresh = options.refreshInterval ?? '5s';
  const refreshMs = tryParseDuration(refresh);
  if (refreshMs === null || refreshMs < 0 || (refreshMs > 0 && refreshMs < 500)) {
    throw new InvalidDashboardOptionError(
      'refreshInterval',
      refresh,
      "must be 0 (off) or a duration of at least 500 ms, e.g. '5s'",
    );
  }
  const pageSize = options.pageSize ?? 50;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) {
    throw new InvalidDashboardOptionError('pageSize', pageSize, 'must be an integer from 1 to 500');
  }
  if (options.actor !== undefined && typeof options.actor !== 'function') {
    throw new InvalidDashboardOptionError(
      'actor',
      String(options.actor),
      'must be a function of the request returning the name to record',
    );
  }
  const timezone = options.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone });
  } catch {
    throw new InvalidDashboardOptionError('timezone', timezone, 'is not an IANA time zone name');
  }
  return {
    path,
    guard: options.guard ?? null,
    readOnly: options.readOnly === true,
    refreshMs,
    pageSize,
    timezone,
    trustedOrigins: new Set((options.trustedOrigins ?? []).map(normalizeOrigin)),
    dataSource: options.dataSource,
    title: options.title ?? 'Kronos',
    actor: options.actor ?? defaultActor,
  };
}
