import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { DashboardConfig } from '../dashboard.options.js';
import { DASHBOARD_CONFIG } from '../dashboard.tokens.js';

const PAGES = String.raw`(?:/(?:jobs|workers|(?:tasks|runs)(?:/\d{1,10})?))?`;

/**
 * Where a dashboard page asked for with a trailing slash lives (`.../scheduler/jobs/?x=1` ->
 * `../jobs?x=1`, relative, so prefixes and proxies keep working), or null for any other address.
 * Every page has one address; Express and Fastify both answer the slashed one with a redirect.
 */
export function withoutTrailingSlash(url: string, mountPath: string): string | null {
  const q = url.indexOf('?');
  const [path, search] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q)];
  if (path.length < 2 || !path.endsWith('/')) return null;
  const mount = mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stripped = path.slice(0, -1);
  if (!new RegExp(`(?:^|/)${mount}${PAGES}$`).test(stripped)) return null;
  return `../${stripped.slice(stripped.lastIndexOf('/') + 1)}${search}`;
}

/**
 * Fastify answers a route with a trailing slash with 404 (or matches `tasks/` to `tasks/:id`)
 * unless the application set `ignoreTrailingSlash`; Express serves it as the route without.
 * Before Fastify routes the request, this hook redirects a dashboard page's slashed address to
 * the page, as the pages themselves do on Express.
 */
@Injectable()
export class FastifyTrailingSlash implements OnModuleInit {
  constructor(
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    type Request = { method: string; url: string };
    type Reply = { redirect(location: string, code: number): void; header(name: string, value: string): Reply };
    const instance = adapter.getInstance<{
      addHook(name: 'onRequest', hook: (request: Request, reply: Reply, done: () => void) => void): void;
    }>();
    instance.addHook('onRequest', (request, reply, done) => {
      const location = request.method === 'GET' ? withoutTrailingSlash(request.url, this.config.path) : null;
      if (location === null) return done();
      reply.header('Cache-Control', 'no-store').redirect(location, 308);
    });
  }
}
