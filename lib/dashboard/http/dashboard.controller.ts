import {
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TaskNotFoundError } from '../../errors.js';
import { SchedulerService } from '../../service/scheduler.service.js';
import type { JobInfo } from '../../service/views.js';
import { DashboardActions, WORKER_COMMANDS, type Flash, type WorkerCommand } from '../dashboard-actions.js';
import { DashboardAudit, type AuditedAction } from '../dashboard-audit.js';
import { DashboardSchedules } from '../dashboard-schedule.js';
import { DashboardQueues } from '../dashboard-queues.js';
import { BULK_ACTIONS, BULK_MAX_SELECTED, DashboardBulk } from '../dashboard-bulk.js';
import type { BulkTaskAction } from '../../storage/engine.js';
import { searchParams, type TimeBound } from '../data/search.js';
import type { TaskFilter } from '../data/task-list.js';
import type { DashboardConfig } from '../dashboard.options.js';
import { DASHBOARD_CONFIG } from '../dashboard.tokens.js';
import type { ServerResponse } from 'node:http';
import { DashboardChanges } from '../data/changes.js';
import { DashboardData } from '../data/dashboard-data.js';
import type { RunRow } from '../data/run-list.js';
import { redactionOf, redactionsOf } from '../data/redactions.js';
import type { Redaction } from '../redact.js';
import { html, query, type SafeHtml } from '../view/html.js';
import { layout, type PageContext } from '../view/layout.js';
import { auditPage } from '../view/pages/audit.page.js';
import { cleanupPage } from '../view/pages/cleanup.page.js';
import { jobDetailPage, jobPath } from '../view/pages/job-detail.page.js';
import { jobsPage } from '../view/pages/jobs.page.js';
import { overviewPage } from '../view/pages/overview.page.js';
import { runDetailPage, runsPage } from '../view/pages/runs.page.js';
import { taskDetailPage } from '../view/pages/task-detail.page.js';
import { tasksPage } from '../view/pages/tasks.page.js';
import { workersPage } from '../view/pages/workers.page.js';
import { DashboardAccessGuard, DashboardMutationGuard } from './dashboard-access.js';
import { actionRedirect, pageContext, setFlash } from './page-context.js';
import {
  auditQuery,
  backTarget,
  cleanupQuery,
  id,
  InvalidDashboardFilterError,
  runQuery,
  taskQuery,
  text,
  type Query as QueryValues,
} from './params.js';
import { redirect, sendHtml, type DashboardRequest } from './request-io.js';
import { withoutTrailingSlash } from './trailing-slash.js';

/** Job definitions change only with deploys and admin toggles; pages reuse them this long. */
const JOBS_TTL_MS = 2_000;

/** The dashboard's routes, mounted at `path` (below any global prefix). */
export function createDashboardController(path: string): Type<unknown> {
  @Controller(path)
  @UseGuards(DashboardAccessGuard)
  class SchedulerDashboardController {
    private jobsCache: { at: number; value: Promise<JobInfo[]> } | null = null;

    constructor(
      @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
      private readonly adapterHost: HttpAdapterHost,
      private readonly scheduler: SchedulerService,
      private readonly data: DashboardData,
      private readonly actions: DashboardActions,
      private readonly audit: DashboardAudit,
      private readonly bulkActions: DashboardBulk,
      private readonly changes: DashboardChanges,
      private readonly schedules: DashboardSchedules,
      private readonly queues: DashboardQueues,
    ) {}

    private get adapter() {
      return this.adapterHost.httpAdapter;
    }

    @Get()
    async overview(@Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 0);
      const [overview, workers, failures] = await Promise.all([
        this.data.overview(ctx.now),
        this.scheduler.workers(),
        this.data.recentFailures(5),
      ]);
      const recentFailures = await this.redactRuns(failures);
      sendHtml(this.adapter, res, overviewPage(ctx, { overview, workers, recentFailures }), ctx.nonce);
    }

    @Get('jobs')
    async jobs(@Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 1);
      sendHtml(this.adapter, res, jobsPage(ctx, await this.scheduler.listJobs()), ctx.nonce);
    }

    @Get('jobs/:name')
    async job(
      @Param('name') name: string,
      @Query() query: QueryValues,
      @Req() req: DashboardRequest,
      @Res() res: unknown,
    ) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 2);
      const job = (await this.jobList()).find((j) => j.name === name);
      if (!job) return this.notFound(ctx, res, 'jobs', `Job ${name} does not exist.`);
      const [insight, runs] = await Promise.all([
        this.data.jobInsight(name, ctx.now),
        this.data.runs({ job: name }, {}, 20),
      ]);
      runs.rows = await this.redactRuns(runs.rows);
      const [lastError] = insight.lastError ? await this.redactRuns([insight.lastError]) : [null];
      const typed = typeof query?.spec === 'string' ? query.spec.slice(0, 2000) : undefined;
      const preview = typed !== undefined && job.schedule ? this.schedules.preview(name, typed, ctx.now) : undefined;
      sendHtml(this.adapter, res, jobDetailPage(ctx, { job, insight, lastError, runs, preview }), ctx.nonce);
    }

    @Get('tasks')
    async tasks(@Query() query: QueryValues, @Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 1);
      const parsed = this.parseFilter(ctx, res, 'tasks', () => taskQuery(query ?? {}, this.config.timezone));
      if (!parsed) return;
      const { filter, cursor } = parsed;
      const [page, jobs] = await Promise.all([this.data.tasks(filter, cursor), this.jobList()]);
      const redaction = await redactionsOf(
        jobs,
        page.rows.filter((t) => t.progressMessage).map((t) => ({ taskId: t.id, jobName: t.jobName })),
        (ids) => this.data.payloads(ids),
      );
      page.rows = page.rows.map((t) =>
        t.progressMessage
          ? { ...t, progressMessage: redaction({ taskId: t.id, jobName: t.jobName }).text(t.progressMessage) }
          : t,
      );
      const groups = [...new Set(jobs.map((j) => j.group))].sort();
      const atNewest = cursor.before === undefined && cursor.after === undefined;
      sendHtml(
        this.adapter,
        res,
        tasksPage(ctx, { filter, page, jobs: jobs.map((j) => j.name), groups, atNewest }),
        ctx.nonce,
      );
    }

    @Get('tasks/:id')
    async task(@Param('id') taskId: string, @Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 2);
      const view = await this.taskView(id(taskId));
      if (!view) return this.notFound(ctx, res, 'tasks', `Task ${taskId} does not exist.`);
      const [jobs, runs, dependencies, batch] = await Promise.all([
        this.jobList(),
        this.data.runs({ taskId: view.task.id }, {}, 20),
        this.data.dependencies(view.task.id),
        view.task.batchId === null ? null : this.scheduler.batch(view.task.batchId).catch(() => null), // a batch deleted since
      ]);
      const task = view.task;
      const redaction = redactionOf(jobs, task.jobName, task.payload);
      const shown = {
        ...task,
        output: redaction.text(task.output),
        progressMessage: redaction.text(task.progressMessage),
      };
      runs.rows = runs.rows.map((r) => ({ ...r, message: redaction.text(r.message) }));
      const job = jobs.find((j) => j.name === task.jobName) ?? null;
      sendHtml(
        this.adapter,
        res,
        taskDetailPage(ctx, { task: shown, job, payload: redaction.payload(), runs, dependencies, batch }),
        ctx.nonce,
      );
    }

    @Get('runs')
    async runs(@Query() query: QueryValues, @Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 1);
      const parsed = this.parseFilter(ctx, res, 'runs', () => runQuery(query ?? {}, this.config.timezone));
      if (!parsed) return;
      const { filter, cursor } = parsed;
      const [page, jobs] = await Promise.all([this.data.runs(filter, cursor), this.jobList()]);
      page.rows = await this.redactRuns(page.rows);
      const atNewest = cursor.before === undefined && cursor.after === undefined;
      const groups = [...new Set(jobs.map((j) => j.group))].sort();
      sendHtml(
        this.adapter,
        res,
        runsPage(ctx, { filter, page, jobs: jobs.map((j) => j.name), groups, atNewest }),
        ctx.nonce,
      );
    }

    @Get('runs/:id')
    async run(@Param('id') runId: string, @Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 2);
      const key = id(runId);
      const run = key === undefined ? null : await this.data.run(key);
      if (!run) return this.notFound(ctx, res, 'runs', `Run ${runId} does not exist.`);
      const [view, jobs] = await Promise.all([this.taskView(run.taskId), this.jobList()]);
      const redaction = redactionOf(jobs, run.jobName, view ? view.task.payload : undefined);
      const shown = {
        ...run,
        message: redaction.text(run.message),
        output: redaction.text(run.output),
        traceback: redaction.text(run.traceback),
      };
      sendHtml(
        this.adapter,
        res,
        runDetailPage(ctx, {
          run: shown,
          result: redaction.result(run.result),
          payload: view ? redaction.payload() : null,
        }),
        ctx.nonce,
      );
    }

    @Get('audit')
    async auditTrail(@Query() query: QueryValues, @Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 1);
      const parsed = this.parseFilter(ctx, res, 'audit', () => auditQuery(query ?? {}));
      if (!parsed) return;
      const { filter, cursor } = parsed;
      const page = await this.data.audit(filter, cursor);
      const atNewest = cursor.before === undefined && cursor.after === undefined;
      sendHtml(this.adapter, res, auditPage(ctx, { filter, page, atNewest }), ctx.nonce);
    }

    @Get('cleanup')
    async cleanup(@Query() query: QueryValues, @Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 1);
      const parsed = this.parseFilter(ctx, res, 'cleanup', () => cleanupQuery(query ?? {}, this.config.timezone));
      if (!parsed) return;
      const counts = parsed.before ? await this.data.prunable(parsed.before.at) : null;
      sendHtml(this.adapter, res, cleanupPage(ctx, { before: parsed.before, counts }), ctx.nonce);
    }

    /**
     * Server-Sent Events for open pages: a `change` event whenever the change counter moves
     * (`DashboardChanges`), a comment every 20 s to keep proxies from closing the stream.
     */
    @Get('events')
    async events(
      @Req() req: DashboardRequest & { raw?: NodeJS.EventEmitter; on?: NodeJS.EventEmitter['on'] },
      @Res() res: { raw?: ServerResponse; hijack?: () => void } & Partial<ServerResponse>,
    ) {
      res.hijack?.();
      const out = (res.raw ?? res) as ServerResponse;
      let gone = false;
      const request = (req.raw ?? req) as NodeJS.EventEmitter;
      request.once('close', () => (gone = true));
      // Subscribed before the stream opens: the page refreshes once on opening, so nothing is missed.
      const unsubscribe = await this.changes.subscribe((signature) =>
        out.write(`event: change\ndata: ${signature}\n\n`),
      );
      if (gone) return unsubscribe();
      out.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Content-Type-Options': 'nosniff',
        'X-Accel-Buffering': 'no',
      });
      out.write(`retry: ${Math.max(1000, this.config.refreshMs)}\n: connected\n\n`);
      const ping = setInterval(() => out.write(': ping\n\n'), 20_000);
      const close = () => {
        clearInterval(ping);
        unsubscribe();
      };
      request.once('close', close);
    }

    @Get('workers')
    async workers(@Req() req: DashboardRequest, @Res() res: unknown) {
      if (this.redirectSlash(req, res)) return;
      const ctx = pageContext(this.adapter, this.config, req, res, 1);
      const [workers, groups] = await Promise.all([this.scheduler.workers(), this.scheduler.groups()]);
      sendHtml(this.adapter, res, workersPage(ctx, workers, groups), ctx.nonce);
    }

    /** Every mutation: guarded (read-only, cross-origin, CSRF), then a redirect back with a flash. */
    @Post('actions/:action')
    @UseGuards(DashboardMutationGuard)
    async act(
      @Param('action') action: string,
      @Body() body: unknown,
      @Req() req: DashboardRequest,
      @Res() res: unknown,
    ) {
      const form = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
      const [flash, fallback, audited] = await this.perform(action, form, req);
      this.jobsCache = null;
      await this.audit.record(req, { ...audited, flash });
      setFlash(this.adapter, req, res, flash);
      redirect(this.adapter, res, actionRedirect(this.adapter, req, backTarget(form.back, fallback)));
    }

    /** Carry out one action: what to tell the admin, the page to return to, and what the audit trail records. */
    private async perform(
      action: string,
      form: Record<string, unknown>,
      req: DashboardRequest,
    ): Promise<[Flash, string, Omit<AuditedAction, 'flash'>]> {
      const missing = (what: string): Flash => ({ kind: 'error', text: `The form did not say which ${what}.` });
      const name = text(form.name);
      const taskId = id(form.task);
      const job = { action, target: name === undefined ? null : `job:${name}` };
      const task = { action, target: taskId === undefined ? null : `task:${taskId}` };
      switch (action) {
        case 'activate':
        case 'deactivate':
          return [
            name === undefined
              ? missing('job')
              : await this.actions.attempt(() => this.actions.setActive(name, action === 'activate')),
            'jobs',
            job,
          ];
        case 'run-now': {
          const payload = typeof form.payload === 'string' ? form.payload : '';
          return [
            name === undefined ? missing('job') : await this.actions.attempt(() => this.actions.runNow(name, payload)),
            'jobs',
            job,
          ];
        }
        case 'reschedule': {
          const spec = typeof form.spec === 'string' ? form.spec.slice(0, 2000) : '';
          const back = name === undefined ? 'jobs' : jobPath(name);
          return [
            name === undefined
              ? missing('job')
              : await this.actions.attempt(() => this.schedules.reschedule(name, spec)),
            back,
            job,
          ];
        }
        case 'reset-schedule':
          return [
            name === undefined ? missing('job') : await this.actions.attempt(() => this.schedules.reset(name)),
            name === undefined ? 'jobs' : jobPath(name),
            job,
          ];
        case 'stop':
          return [
            taskId === undefined ? missing('task') : await this.actions.attempt(() => this.actions.stop(taskId)),
            'tasks',
            task,
          ];
        case 'retry':
          return [
            taskId === undefined ? missing('task') : await this.actions.attempt(() => this.actions.retry(taskId)),
            'tasks',
            task,
          ];
        case 'bulk':
          return this.bulk(form);
        case 'cleanup': {
          let before: TimeBound | undefined;
          try {
            before = cleanupQuery(form, this.config.timezone).before;
          } catch (error) {
            if (!(error instanceof InvalidDashboardFilterError)) throw error;
            return [{ kind: 'error', text: error.message }, 'cleanup', { action, target: null }];
          }
          if (!before) return [missing('date'), 'cleanup', { action, target: null }];
          const date = before;
          return [
            await this.actions.attempt(() => this.bulkActions.cleanup(date)),
            `cleanup${query({ before: date.text })}`,
            { action, target: `before:${date.text}` },
          ];
        }
        case 'workers': {
          const command = form.command as WorkerCommand;
          const group = text(form.group, 64);
          const audited = {
            action: WORKER_COMMANDS.includes(command) ? `workers:${command}` : 'workers',
            target: `workers:${group ?? '*'}`,
          };
          if (!WORKER_COMMANDS.includes(command)) return [missing('command'), 'workers', audited];
          return [await this.actions.attempt(() => this.actions.commandWorkers(command, group)), 'workers', audited];
        }
        case 'group-pause':
        case 'group-resume': {
          const group = text(form.group, 64);
          const audited = { action, target: group === undefined ? null : `group:${group}` };
          if (group === undefined) return [missing('group'), 'workers', audited];
          const done = () =>
            action === 'group-pause' ? this.queues.pause(group, this.audit.actorOf(req)) : this.queues.resume(group);
          return [await this.actions.attempt(done), 'workers', audited];
        }
        case 'worker': {
          const command = form.command as WorkerCommand;
          const worker = text(form.worker, 200);
          const audited = {
            action: WORKER_COMMANDS.includes(command) ? `worker:${command}` : 'worker',
            target: worker === undefined ? null : `worker:${worker}`,
          };
          if (!WORKER_COMMANDS.includes(command)) return [missing('command'), 'workers', audited];
          if (worker === undefined) return [missing('worker'), 'workers', audited];
          return [await this.actions.attempt(() => this.queues.commandWorker(worker, command)), 'workers', audited];
        }
        default:
          throw new NotFoundException(`No dashboard action "${action}".`);
      }
    }

    /** A bulk action: the ticked tasks (`task`, repeated), or all matching the posted filter (`scope=filter`). */
    private async bulk(form: Record<string, unknown>): Promise<[Flash, string, Omit<AuditedAction, 'flash'>]> {
      const action = form.op as BulkTaskAction;
      const refuse = (text: string, target: string | null = null): [Flash, string, Omit<AuditedAction, 'flash'>] => [
        { kind: 'error', text },
        'tasks',
        { action: 'bulk', target },
      ];
      if (!BULK_ACTIONS.includes(action))
        return refuse(`The form did not say which bulk action (${BULK_ACTIONS.join(', ')}).`);
      const audited = `bulk:${action}`;
      if (form.scope === 'filter') {
        let filter: TaskFilter;
        try {
          filter = taskQuery(form, this.config.timezone).filter;
        } catch (error) {
          if (error instanceof InvalidDashboardFilterError) return refuse(error.message);
          throw error;
        }
        const target = `tasks${query({ status: filter.status, job: filter.job, ...searchParams(filter) }) || ' (all)'}`;
        return [
          await this.actions.attempt(() => this.bulkActions.apply(action, { filter })),
          'tasks',
          { action: audited, target },
        ];
      }
      const ticked = (Array.isArray(form.task) ? form.task : [form.task])
        .map(id)
        .filter((value): value is number => value !== undefined);
      if (ticked.length === 0) return refuse('No task was selected.');
      if (ticked.length > BULK_MAX_SELECTED)
        return refuse(`At most ${BULK_MAX_SELECTED} tasks can be selected; use "all matching this filter".`);
      const ids = [...new Set(ticked)].sort((a, b) => a - b);
      const target = `tasks:${ids.length <= 10 ? ids.join(',') : `${ids.slice(0, 10).join(',')},… (${ids.length})`}`;
      return [
        await this.actions.attempt(() => this.bulkActions.apply(action, { ids })),
        'tasks',
        { action: audited, target },
      ];
    }

    private jobList(): Promise<JobInfo[]> {
      const now = Date.now();
      if (!this.jobsCache || now - this.jobsCache.at > JOBS_TTL_MS) {
        const value = this.scheduler.listJobs();
        this.jobsCache = { at: now, value };
        value.catch(() => (this.jobsCache = null));
      }
      return this.jobsCache.value;
    }

    /** A page asked for with a trailing slash is redirected to its one address (as on Fastify, see `FastifyTrailingSlash`). */
    private redirectSlash(req: DashboardRequest, res: unknown): boolean {
      const location = withoutTrailingSlash(String(this.adapter.getRequestUrl(req) ?? '/'), this.config.path);
      if (location === null) return false;
      this.adapter.setHeader(res, 'Cache-Control', 'no-store');
      this.adapter.redirect(res, 308, location);
      return true;
    }

    /** Run rows with their messages as the pages may show them: the payloads' sensitive values redacted. */
    private async redactRuns(rows: RunRow[]): Promise<RunRow[]> {
      const redaction: (row: RunRow) => Redaction = await redactionsOf(await this.jobList(), rows, (ids) =>
        this.data.payloads(ids),
      );
      return rows.map((r) => (r.message ? { ...r, message: redaction(r).text(r.message) } : r));
    }

    /** A list page's filter, or null when the query holds one it cannot apply (answered 400 with the reason). */
    private parseFilter<T>(
      ctx: PageContext,
      res: unknown,
      page: 'tasks' | 'runs' | 'audit' | 'cleanup',
      parse: () => T,
    ): T | null {
      try {
        return parse();
      } catch (error) {
        if (!(error instanceof InvalidDashboardFilterError)) throw error;
        const body = html`<div class="flash error" role="alert" data-filter-error>${error.message}</div><p><a href="${ctx.root}${page}">Show all ${page}</a></p>`;
        sendHtml(
          this.adapter,
          res,
          layout(ctx, page, { tasks: 'Tasks', runs: 'Runs', audit: 'Audit trail', cleanup: 'Clean-up' }[page], body),
          ctx.nonce,
          400,
        );
        return null;
      }
    }

    private async taskView(taskId: number | undefined) {
      if (taskId === undefined) return null;
      try {
        return await this.scheduler.status(taskId);
      } catch (error) {
        if (error instanceof TaskNotFoundError) return null;
        throw error;
      }
    }

    private notFound(ctx: PageContext, res: unknown, page: 'jobs' | 'tasks' | 'runs', message: string): void {
      const body: SafeHtml = layout(
        ctx,
        page,
        'Not found',
        html`<p>${message}</p><p><a href="${ctx.root}${page}">Back to ${page}</a></p>`,
      );
      sendHtml(this.adapter, res, body, ctx.nonce, 404);
    }
  }
  return SchedulerDashboardController;
}
