import { AuditEntry } from './audit-entry.entity.js';
import { JobDefinition } from './job-definition.entity.js';
import { Run } from './run.entity.js';
import { Task } from './task.entity.js';
import { Worker } from './worker.entity.js';

export { AuditEntry, JobDefinition, Run, Task, Worker };
export type { AuditOutcome } from './audit-entry.entity.js';
export type { WorkerStatus } from './worker.entity.js';

/** The Kronos entities, for an explicit `entities: [...]` list. */
export const KRONOS_ENTITIES = [JobDefinition, Task, Run, Worker, AuditEntry];
