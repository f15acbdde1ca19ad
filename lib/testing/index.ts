/**
 * `nestjs-kronos/testing`: test your own jobs without sleeping. Give the module a `TestClock`,
 * move it, and `drain(app)` runs whatever became due.
 */
export { TestClock } from './test-clock.js';
export { drain } from './drain.js';
