/**
 * nestjs-kronos: durable, cluster-safe job scheduling for NestJS, stored in the application's
 * own database through TypeORM. The glossary of its nouns is at the top of `types.ts`.
 */
export { SchedulerModule } from './scheduler.module.js';
export { KRONOS_CLOCK } from './scheduler.clock.js';
export type { SchedulerModuleExtras } from './scheduler.module-definition.js';
export type {
  Clock,
  ImpersonationOptions,
  SchedulerModuleOptions,
  UserResolver,
  WorkerOptions,
} from './scheduler.options.js';
export type { IsolationMode, ProcessIsolationOptions } from './isolation/isolation-options.js';
export type { GroupOptions } from './registry/group-options.js';
export { Job, ScheduledTask, type ScheduledTaskOptions } from './decorators/index.js';
export {
  OnTaskEvent,
  type ClusterTaskEvent,
  type CompletedTaskEvent,
  type ExpiredTaskEvent,
  type FailedTaskEvent,
  type InterruptedTaskEvent,
  type LostTaskEvent,
  type OnTaskEventOptions,
  type RetryingTaskEvent,
  type StoppedTaskEvent,
  type TaskEvent,
  type TaskEventError,
  type TaskEventOf,
  type TaskEventType,
  type TimeoutTaskEvent,
} from './events/index.js';
export { SchedulerService } from './service/scheduler.service.js';
export type { EnqueuedTask, EnqueueOptions, UniqueOptions } from './service/enqueue-options.js';
export type { EnqueueManyItem, EnqueueManyOptions } from './service/enqueue-many.js';
export type {
  BatchCallback,
  BatchCallbackPayload,
  BatchCounts,
  BatchItem,
  BatchOptions,
  BatchState,
  EnqueuedBatch,
} from './service/batch.js';
export type { JobInfo, RunFilter, TaskStatusView } from './service/views.js';
export type { WorkerInfo } from './service/worker-commands.js';
export type { GroupInfo } from './service/groups.js';
export { JobContext, SchedulerContext } from './execution/job-context.js';
export { Result, type ResultOptions } from './execution/result.js';
export type { BatchContext, BatchItemResult, BatchTask } from './execution/batch-call.js';
export { JobDefinition, KRONOS_ENTITIES, Run, Task, Worker, type WorkerStatus } from './entities/index.js';
export { KRONOS_MIGRATIONS } from './migrations/index.js';
export { describeSchedule, nextRuns } from './schedule/index.js';
export type {
  CronSpec,
  EverySpec,
  IntervalSpec,
  MisfirePolicy,
  MonthdaysSpec,
  NormalizedSchedule,
  ScheduleSpec,
  WeekdaysSpec,
} from './schedule/index.js';
export * from './errors.js';
export { UnknownSchedulerOptionError } from './scheduler.option-errors.js';
export type { DeadLetter, Duration, JobKind, JobOptions, JsonValue, RunStatus, TaskStatus } from './types.js';
export {
  DashboardGuardMissingError,
  InvalidDashboardOptionError,
  SchedulerDashboardModule,
  UnknownDashboardOptionError,
  type SchedulerDashboardExtras,
  type SchedulerDashboardOptions,
} from './dashboard/index.js';
export type { EventsOptions, RetentionOptions } from './scheduler.options.js';
export type { PostgresConnectionConfig, PostgresOptions } from './storage/postgres-options.js';
export { KRONOS_WORKER_ENV } from './scheduler.environment.js';
export { SchedulerIniFileError } from './config/config.errors.js';
