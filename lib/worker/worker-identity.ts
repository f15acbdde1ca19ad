import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `host#pid#random`: unique per process start, readable in listings (web2py's worker name). */
export function workerName(): string {
  return `${hostname()}#${process.pid}#${randomBytes(3).toString('hex')}`;
}
