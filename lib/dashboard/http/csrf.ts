import { randomBytes, timingSafeEqual } from 'node:crypto';
import { header, readCookie, type DashboardRequest } from './request-io.js';

/**
 * CSRF protection of the dashboard's forms, two independent checks:
 *
 * 1. Double-submit token: every page sets a random token in an HttpOnly, SameSite=Lax cookie
 *    and repeats it in a hidden field of each form; a POST must carry both, equal. Another site
 *    can make the browser send the cookie but can neither read it nor the page, so it cannot
 *    fill the field.
 * 2. Fetch Metadata / Origin (the algorithm of Nest's `enableCsrfProtection()` and Go's
 *    `CrossOriginProtection`): a POST the browser marks as coming from another origin is
 *    refused even with a token, which also defeats a cookie planted by a sibling subdomain.
 *
 * No server-side state and no secret: it works the same on every node of a cluster.
 */
export const CSRF_COOKIE = 'kronos_csrf';
export const CSRF_FIELD = '_csrf';
const TOKEN_PATTERN = /^[\w-]{43}$/;

export const newCsrfToken = (): string => randomBytes(32).toString('base64url');

/** The request's token cookie when well formed, else null (a new one is then issued). */
export function csrfCookie(request: DashboardRequest): string | null {
  const token = readCookie(request, CSRF_COOKIE);
  return token !== null && TOKEN_PATTERN.test(token) ? token : null;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

function originMatchesHost(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    const port = url.port || DEFAULT_PORTS[url.protocol] || '';
    const [hostName, hostPort] =
      host
        .toLowerCase()
        .match(/^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/)
        ?.slice(1) ?? [];
    return url.hostname.toLowerCase() === hostName && port === (hostPort ?? DEFAULT_PORTS[url.protocol] ?? '');
  } catch {
    return false;
  }
}

/** Why a state-changing request must be refused as cross-origin, or null when it may proceed. */
export function crossOriginRefusal(request: DashboardRequest, trustedOrigins: ReadonlySet<string>): string | null {
  const origin = header(request, 'origin');
  if (origin !== undefined && trustedOrigins.has(origin)) return null;
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? null : `Sec-Fetch-Site is ${site}`;
  if (origin === undefined) return null; // not a browser, or one that sends neither header
  const host = header(request, 'host');
  return host !== undefined && originMatchesHost(origin, host) ? null : `Origin ${origin} is not this server`;
}

/** Why the request's token is unacceptable, or null when cookie and field agree. */
export function csrfTokenRefusal(request: DashboardRequest): string | null {
  const cookie = csrfCookie(request);
  if (cookie === null) return 'no CSRF cookie';
  const body = request.body as Record<string, unknown> | undefined;
  const sent = body?.[CSRF_FIELD] ?? header(request, 'x-csrf-token');
  if (typeof sent !== 'string' || sent === '') return 'no CSRF token in the form';
  return sameToken(cookie, sent) ? null : 'the CSRF token does not match';
}
