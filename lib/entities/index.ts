import { JobDefinition } from './job-definition.entity.js';
import { Run } from './run.entity.js';
import { Task } from './task.entity.js';
import { Worker } from './worker.entity.js';

export { JobDefinition, Run, Task, Worker };
export type { WorkerStatus } from './worker.entity.js';

/** The four Kronos entities, for an explicit `entities: [...]` list. */
export const KRONOS_ENTITIES = [JobDefinition, Task, Run, Worker];
