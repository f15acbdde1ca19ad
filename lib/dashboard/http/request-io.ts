import type { AbstractHttpAdapter } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { SafeHtml } from '../view/html.js';

/**
 * The little the dashboard needs from a request and a response, through Nest's HTTP adapter
 * so Express and Fastify behave the same.
 */
export interface DashboardRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  socket?: { encrypted?: boolean };
  raw?: { socket?: { encrypted?: boolean } };
}

export function header(request: DashboardRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function readCookie(request: DashboardRequest, name: string): string | null {
  for (const part of (header(request, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const isHttps = (request: DashboardRequest): boolean =>
  header(request, 'x-forwarded-proto')?.split(',')[0].trim() === 'https' ||
  Boolean((request.raw?.socket ?? request.socket)?.encrypted);

/** A cookie for the whole site (the dashboard may sit behind a prefix-stripping proxy), never readable by scripts. */
export function setCookie(
  adapter: AbstractHttpAdapter,
  request: DashboardRequest,
  response: unknown,
  name: string,
  value: string,
  maxAgeSeconds?: number,
): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds !== undefined) attributes.push(`Max-Age=${maxAgeSeconds}`);
  if (isHttps(request)) attributes.push('Secure');
  adapter.appendHeader(response, 'Set-Cookie', `${name}=${value}; ${attributes.join('; ')}`);
}

/** The path and query the application sees (after any proxy, with any global prefix). */
export function requestUrl(adapter: AbstractHttpAdapter, request: unknown): { path: string; search: string } {
  const url = String(adapter.getRequestUrl(request) ?? '/');
  const q = url.indexOf('?');
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q) };
}

/**
 * Relative links from the current page to the dashboard: `root` ends with a slash (`<root>jobs`
 * is the Jobs page), `home` is the mount path itself (the Overview). Relative links keep
 * working behind a global prefix and behind a proxy that strips one. `depth` is how many
 * segments the route has below the mount path.
 */
export function linksFor(path: string, depth: number): { root: string; home: string } {
  const trailing = path.length > 1 && path.endsWith('/');
  const segments = path.split('/').filter(Boolean);
  const last = segments[segments.length - 1 - depth];
  const levels = depth - 1 + (trailing ? 1 : 0);
  const root = levels < 0 ? (last ? `${last}/` : './') : levels === 0 ? './' : '../'.repeat(levels);
  if (!last) return { root, home: root };
  return { root, home: `${'../'.repeat(levels + 1)}${last}` };
}

export const newNonce = (): string => randomBytes(16).toString('base64');

/** Send a page with headers that keep it out of caches and frames and allow only its own script. */
export function sendHtml(
  adapter: AbstractHttpAdapter,
  response: unknown,
  body: SafeHtml,
  nonce: string,
  status = 200,
): void {
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  };
  for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
  adapter.reply(response, body.value, status);
}

export function redirect(adapter: AbstractHttpAdapter, response: unknown, location: string): void {
  adapter.setHeader(response, 'Cache-Control', 'no-store');
  adapter.redirect(response, 303, location);
}
