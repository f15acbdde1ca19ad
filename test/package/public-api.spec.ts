import * as root from '../../lib/index.js';
import { JobContext, SchedulerContext } from '../../lib/index.js';
import * as terminus from '../../lib/terminus/index.js';
import * as testing from '../../lib/testing/index.js';

/**
 * Everything `nestjs-kronos` and `nestjs-kronos/testing` export at run time is a semver promise
 * (README, "Versioning"). These lists pin it: adding or removing an export fails here, so it is a
 * decision taken in review, with a CHANGELOG line, never an accident. Types are pinned by the
 * compiler through the README's examples and the consumer applications.
 */
const ROOT_EXPORTS = [
  // The module, its decorators and its service.
  'SchedulerModule',
  'Job',
  'ScheduledTask',
  'SchedulerService',
  // Lifecycle events.
  'OnTaskEvent',
  // What handlers receive and return.
  'JobContext',
  'SchedulerContext',
  'Result',
  // The schema: entities and shipped migrations.
  'JobDefinition',
  'Run',
  'Task',
  'Worker',
  'KRONOS_ENTITIES',
  'KRONOS_MIGRATIONS',
  // Schedule previews.
  'describeSchedule',
  'nextRuns',
  // Tokens and constants, all named KRONOS_*.
  'KRONOS_CLOCK',
  'KRONOS_WORKER_ENV',
  // The dashboard.
  'SchedulerDashboardModule',
  // Errors: every failure a user can act on.
  'KronosError',
  'BatchNotFoundError',
  'BulkEnqueueItemError',
  'DashboardGuardMissingError',
  'DuplicateJobError',
  'IdempotencyConflictError',
  'InvalidDashboardOptionError',
  'InvalidEnqueueOptionError',
  'InvalidGroupError',
  'InvalidGroupOptionError',
  'InvalidJobDeclarationError',
  'InvalidJobOptionError',
  'InvalidScheduleError',
  'InvalidSchedulerOptionError',
  'InvalidTaskEventListenerError',
  'JobInactiveError',
  'PayloadNotSerializableError',
  'PayloadTooLargeError',
  'ResultNotSerializableError',
  'SchedulerIniFileError',
  'TaskNotFoundError',
  'TaskTimeoutError',
  'UnknownDashboardOptionError',
  'UnknownDependencyError',
  'UnknownJobError',
  'UnknownSchedulerOptionError',
  'UnsupportedDatabaseError',
  'UserNotFoundError',
];

const TESTING_EXPORTS = ['TestClock', 'drain'];

const TERMINUS_EXPORTS = ['KronosHealthIndicator', 'InvalidHealthCheckOptionError'];

const sorted = (names: Iterable<string>) => [...names].sort();

describe('the public API', () => {
  it('nestjs-kronos exports exactly the pinned names', () => {
    expect(sorted(Object.keys(root))).toEqual(sorted(ROOT_EXPORTS));
  });

  it('nestjs-kronos/testing exports exactly the pinned names', () => {
    expect(sorted(Object.keys(testing))).toEqual(sorted(TESTING_EXPORTS));
  });

  it('nestjs-kronos/terminus exports exactly the pinned names', () => {
    expect(sorted(Object.keys(terminus))).toEqual(sorted(TERMINUS_EXPORTS));
    expect(terminus.InvalidHealthCheckOptionError.prototype).toBeInstanceOf(root.KronosError);
  });

  it('every exported error is a KronosError', () => {
    const errors = Object.entries(root).filter(([name]) => name.endsWith('Error'));
    const others = errors.filter(
      ([, value]) =>
        value !== root.KronosError && !((value as { prototype: unknown }).prototype instanceof root.KronosError),
    );
    expect(others.map(([name]) => name)).toEqual([]);
  });

  it('every exported constant is named KRONOS_*', () => {
    const constants = Object.entries(root).filter(
      ([name, value]) => typeof value !== 'function' && name !== 'SchedulerContext',
    );
    expect(constants.map(([name]) => name).filter((name) => !name.startsWith('KRONOS_'))).toEqual([]);
  });

  it('applications receive a JobContext but cannot build one, and cannot run code as another run', () => {
    const build = () =>
      // @ts-expect-error the constructor is private: contexts are built by Kronos only.
      new JobContext(1, 'uuid', 'job', 1, null, null, null, 0, new AbortController().signal, null, null);
    expect(build).toBeDefined();
    // @ts-expect-error SchedulerContext has current() and currentBatch() only.
    expect(SchedulerContext.run).toBeUndefined();
    expect([SchedulerContext.current(), SchedulerContext.currentBatch()]).toEqual([undefined, undefined]);
    expect(Object.isFrozen(SchedulerContext)).toBe(true);
  });
});
