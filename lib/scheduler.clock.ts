import { InvalidSchedulerOptionError } from './errors.js';
import { systemClock, type Clock } from './scheduler.options.js';
import type { Instant } from './storage/engine.js';

/**
 * DI token of the {@link Clock} the `SchedulerModule` runs on: `forRoot({ clock })` when given,
 * else the system clock. Override it to run an application's own `AppModule` on a test clock,
 * whether the module is registered with `forRoot` or `forRootAsync`:
 *
 * @example
 * ```ts
 * const clock = new TestClock('2026-03-28T12:00:00Z');
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(KRONOS_CLOCK).useValue(clock)
 *   .compile();
 * ```
 * @publicApi
 */
export const KRONOS_CLOCK = 'KRONOS_CLOCK';

/** The clock of the module's options (the default provider of `KRONOS_CLOCK`). */
export function clockOf(options: { clock?: Clock } | undefined): Clock {
  return options?.clock ?? systemClock;
}

/**
 * The `now` to hand to the storage engine: `null` (the database's own clock, one clock for the
 * whole cluster) on the system clock, the test clock's time otherwise. The one place that choice
 * is made; the worker and the service both ask here.
 */
export function engineInstant(clock: Clock): Instant {
  return clock.isSystemClock ? null : clock.now();
}

/** Check what `KRONOS_CLOCK` resolved to, once at start-up: a bad override fails loudly here. */
export function assertClock(clock: unknown): Clock {
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof (clock as Clock).now !== 'function' ||
    !Number.isFinite((clock as Clock).now())
  ) {
    throw new InvalidSchedulerOptionError(
      'clock',
      clock,
      'must be a Clock: an object whose now() returns epoch milliseconds (forRoot({ clock }) or overrideProvider(KRONOS_CLOCK))',
    );
  }
  return clock as Clock;
}
