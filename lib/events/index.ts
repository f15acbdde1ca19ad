export { OnTaskEvent, type OnTaskEventOptions } from './on-task-event.decorator.js';
export type {
  CompletedTaskEvent,
  ExpiredTaskEvent,
  FailedTaskEvent,
  InterruptedTaskEvent,
  LostTaskEvent,
  RetryingTaskEvent,
  StoppedTaskEvent,
  TaskEvent,
  TaskEventError,
  TaskEventOf,
  TaskEventType,
  TimeoutTaskEvent,
} from './task-event.js';
export type { ClusterTaskEvent } from './cluster-event.js';
