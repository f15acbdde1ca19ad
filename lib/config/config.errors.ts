import { KronosError } from '../errors.js';

/** The `configFile` (or a file given to `kronos import-ini`) cannot be read. */
export class SchedulerIniFileError extends KronosError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `Cannot read the scheduler.ini file "${file}": ${reason}. Check the path (module option configFile, or the file given to the command).`,
    );
  }
}
