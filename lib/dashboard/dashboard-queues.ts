import { Injectable } from '@nestjs/common';
import type { WorkerStatus } from '../entities/worker.entity.js';
import { SchedulerService } from '../service/scheduler.service.js';
import type { Done, WorkerCommand } from './dashboard-actions.js';

const STATUS: Record<WorkerCommand, WorkerStatus> = {
  disable: 'DISABLED',
  resume: 'ACTIVE',
  terminate: 'TERMINATE',
  kill: 'KILL',
};

/** Queue control from the Workers page: pause and resume a group, and commands addressed to one worker. */
@Injectable()
export class DashboardQueues {
  constructor(private readonly scheduler: SchedulerService) {}

  async pause(group: string, by: string): Promise<Done> {
    const paused = await this.scheduler.pauseGroup(group, by);
    return paused
      ? {
          text: `Group "${group}" paused: no worker claims its tasks from its next heartbeat on; running tasks finish.`,
          rows: 1,
        }
      : { text: `Group "${group}" was already paused.`, rows: 0 };
  }

  async resume(group: string): Promise<Done> {
    const resumed = await this.scheduler.resumeGroup(group);
    return resumed
      ? { text: `Group "${group}" resumed: workers claim its tasks again.`, rows: 1 }
      : { text: `Group "${group}" was not paused.`, rows: 0 };
  }

  async commandWorker(name: string, command: WorkerCommand): Promise<Done> {
    const told = await this.scheduler.commandWorker(name, STATUS[command]);
    return told
      ? { text: `Told worker ${name} to ${command}.`, rows: 1 }
      : { text: `No worker ${name} could be told to ${command}.`, rows: 0 };
  }
}
