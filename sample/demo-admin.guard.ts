import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';

/**
 * The sample's stand-in for a real admin check: HTTP Basic authentication with one account,
 * `KRONOS_DASHBOARD_USER` / `KRONOS_DASHBOARD_PASSWORD` (admin / admin by default). A real
 * application would admit its own administrators here (session, JWT, SSO...).
 */
@Injectable()
export class DemoAdminGuard implements CanActivate {
  static readonly user = process.env.KRONOS_DASHBOARD_USER ?? 'admin';
  static readonly password = process.env.KRONOS_DASHBOARD_PASSWORD ?? 'admin';

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const header = http.getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    const expected = Buffer.from(
      `Basic ${Buffer.from(`${DemoAdminGuard.user}:${DemoAdminGuard.password}`).toString('base64')}`,
    );
    const given = Buffer.from(header);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
    // Ask the browser for credentials (Express response; Fastify replies have header()).
    const response = http.getResponse<{
      setHeader?(n: string, v: string): void;
      header?(n: string, v: string): void;
    }>();
    const challenge = 'Basic realm="Kronos dashboard", charset="UTF-8"';
    if (response.setHeader) response.setHeader('WWW-Authenticate', challenge);
    else response.header?.('WWW-Authenticate', challenge);
    throw new UnauthorizedException('Sign in as the dashboard administrator.');
  }
}
