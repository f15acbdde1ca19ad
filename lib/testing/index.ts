/**
 * `nestjs-kronos/testing`: test your own jobs without sleeping. Run the module on a `TestClock`
 * (`forRoot({ clock })`, or `overrideProvider(KRONOS_CLOCK).useValue(clock)` for an existing
 * `AppModule`), move it, and `drain(app)` runs whatever became due and reports what ran.
 */
export { TestClock } from './test-clock.js';
export { drain, type DrainOptions, type DrainReport, type DrainedRun } from './drain.js';
