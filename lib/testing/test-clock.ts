import type { Clock } from '../scheduler.options.js';

/**
 * A clock tests move by hand. Give it to `SchedulerModule.forRoot({ clock })`: due times,
 * schedules and retries then follow it, while heartbeats keep real time.
 *
 * @example
 * ```ts
 * const clock = new TestClock('2026-03-28T12:00:00Z');
 * // ... SchedulerModule.forRoot({ clock })
 * clock.advance('1d');
 * await drain(app);
 * ```
 * @publicApi
 */
export class TestClock implements Clock {
  readonly isSystemClock = false;
  private current: number;

  constructor(start: Date | string | number = Date.now()) {
    this.current = toMs(start);
  }

  now(): number {
    return this.current;
  }

  /** Jump to an instant. */
  set(instant: Date | string | number): void {
    this.current = toMs(instant);
  }

  /** Move forward by milliseconds or a duration string (`'90s'`, `'2h'`, `'1d'`). */
  advance(by: number | string): void {
    const ms = typeof by === 'number' ? by : parseShort(by);
    this.current += ms;
  }
}

function toMs(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new TypeError(`TestClock: ${String(value)} is not a date`);
  return ms;
}

function parseShort(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(value.trim());
  if (!match) throw new TypeError(`TestClock.advance: "${value}" is not a duration like '90s', '2h' or '1d'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}
