export * from './schedule.types.js';
export { parseDuration, tryParseDuration } from './duration.js';
export { isScheduleSpec, parseSchedule, SCHEDULE_KIND_KEYS } from './parse-schedule.js';
export { hasRunsLeft, lastSlotAtOrBefore, nextAfterMisfire, nextRun, RUN_ALL_CAP, slotsBetween } from './next-run.js';
export { describeSchedule } from './describe-schedule.js';
export { staleSlotAdjustment } from './misfire.js';
export { nextRuns, type NextRunsOptions } from './next-runs.js';
export { isValidTimeZone } from './zoned.js';
