import type { DataSource } from 'typeorm';
import { Worker, type WorkerStatus } from '../entities/index.js';
import type { StorageEngine } from '../storage/engine.js';

/** One worker as `SchedulerService.workers()` reports it. */
export interface WorkerInfo {
  name: string;
  hostname: string;
  pid: number;
  groups: string[];
  /** The command addressed to it: ACTIVE, DISABLED, TERMINATE or KILL. */
  status: WorkerStatus;
  firstHeartbeat: number;
  lastHeartbeat: number;
  /** Milliseconds since its last heartbeat, by the caller's clock. */
  heartbeatAge: number;
  running: number;
  completed: number;
  failed: number;
}

const parseGroups = (json: string): string[] => {
  try {
    const groups: unknown = JSON.parse(json);
    return Array.isArray(groups) ? groups.map(String) : [];
  } catch {
    return [];
  }
};

export async function listWorkers(dataSource: DataSource, now: number): Promise<WorkerInfo[]> {
  const rows = await dataSource.getRepository(Worker).find({ order: { name: 'ASC' } });
  return rows.map((w) => ({ ...w, groups: parseGroups(w.groups), heartbeatAge: now - w.lastHeartbeat }));
}

/**
 * Address a command to the workers serving any of `groups` (all workers when omitted), as
 * web2py does: the status column is the command, and each worker reads it on its heartbeat.
 * Returns the names of the workers addressed.
 */
export async function commandWorkers(
  dataSource: DataSource,
  engine: StorageEngine,
  status: WorkerStatus,
  groups?: string | string[],
): Promise<string[]> {
  const wanted = groups === undefined ? null : new Set(Array.isArray(groups) ? groups : [groups]);
  const names = (await dataSource.getRepository(Worker).find())
    .filter((w) => wanted === null || parseGroups(w.groups).some((g) => wanted.has(g)))
    // A worker already told to exit keeps that order; only ACTIVE/DISABLED flip back and forth.
    .filter((w) =>
      status === 'ACTIVE' || status === 'DISABLED' ? w.status === 'ACTIVE' || w.status === 'DISABLED' : true,
    )
    .map((w) => w.name);
  await engine.commandWorkers(names, status);
  return names;
}
