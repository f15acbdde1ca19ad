import { Body, Controller, Get, Headers, NotFoundException, Param, ParseIntPipe, Post } from '@nestjs/common';
import { SchedulerService, TaskNotFoundError } from '../lib/index.js';
import { FailureAlerts } from './alerts/failure-alerts.js';
import { RecordsService } from './records/records.service.js';

/** A small HTTP surface over the sample: records, and the scheduler's state. */
@Controller()
export class AppController {
  constructor(
    private readonly records: RecordsService,
    private readonly scheduler: SchedulerService,
    private readonly alerts: FailureAlerts,
  ) {}

  /** The last failure alerts (tasks that failed for good), newest first. */
  @Get('alerts')
  recentAlerts() {
    return this.alerts.recent;
  }

  @Get('records')
  list() {
    return this.records.list();
  }

  @Post('records')
  create(@Body() body: { value: number }) {
    return this.records.create(Number(body.value));
  }

  /** The approving user comes from the request (a real app takes it from its auth layer). */
  @Post('records/:id/approve')
  approve(@Param('id', ParseIntPipe) id: number, @Headers('x-user-id') userId = '1') {
    return this.records.approve(id, Number(userId));
  }

  @Get('jobs')
  jobs() {
    return this.scheduler.listJobs();
  }

  @Post('jobs/:name/activate')
  activate(@Param('name') name: string) {
    return this.scheduler.activate(name);
  }

  @Post('jobs/:name/deactivate')
  deactivate(@Param('name') name: string) {
    return this.scheduler.deactivate(name);
  }

  @Get('runs')
  runs() {
    return this.scheduler.runs({ limit: 50 });
  }

  /** A task id no task has (`abc`, `2147483648`, a deleted task) is a 404 naming it, never a 500. */
  @Get('tasks/:id')
  async task(@Param('id') id: string) {
    try {
      return await this.scheduler.status(/^\d+$/.test(id) ? Number(id) : Number.NaN);
    } catch (error) {
      if (error instanceof TaskNotFoundError) throw new NotFoundException(`Task ${JSON.stringify(id)} does not exist.`);
      throw error;
    }
  }
}
