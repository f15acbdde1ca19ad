export { Job } from './job.decorator.js';
export { ScheduledTask } from './scheduled-task.decorator.js';
export type { ScheduledTaskOptions } from './job-metadata.js';
