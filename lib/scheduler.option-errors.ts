import { InvalidSchedulerOptionError } from './errors.js';

/**
 * A module option Kronos does not know: a typo, or an option written at the wrong level (such as
 * `shutdownGracePeriod` beside `worker` instead of inside it). Start-up fails rather than keep a
 * default silently.
 */
export class UnknownSchedulerOptionError extends InvalidSchedulerOptionError {
  constructor(
    /** The key as written, with its level: `'worker.concurency'`. */
    readonly key: string,
    /** Why, and what to write instead. */
    readonly hint: string,
    /** The level where the key (or the nearest valid key) is an option: `'worker'`, `''` for the top; null when none. */
    readonly belongsTo: string | null = null,
    /** The nearest valid key, with its level: `'worker.concurrency'`; null when none is near. */
    readonly suggestion: string | null = null,
  ) {
    super(key, undefined, hint);
    this.message = `Unknown SchedulerModule option ${key}: ${hint}${hint.endsWith('?') ? '' : '.'}`;
  }
}
