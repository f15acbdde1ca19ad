import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Histogram, MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Job, JobContext, Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';
import { inMemoryOpenTelemetry } from './support/open-telemetry-sdk.js';

@Injectable()
class TracedJobs {
  @Job('otel.ok')
  async ok(payload: { n: number }) {
    // The handler runs inside its run span: its own spans are children of it.
    trace.getTracer('app').startActiveSpan('handler work', (span) => span.end());
    return payload.n * 2;
  }

  @Job('otel.fails', { retries: 1 })
  async fails(_: unknown, ctx: JobContext) {
    throw new TypeError(`bad input on attempt ${ctx.attempt}`);
  }
}

const { spans, freshMeterProvider, points } = inMemoryOpenTelemetry();

const spanNamed = (name: string, taskId: number): ReadableSpan[] =>
  spans.getFinishedSpans().filter((s) => s.name === name && s.attributes['kronos.task.id'] === taskId);

describeForDialects(
  'OpenTelemetry',
  (dialect) => {
    let t: TestApp;
    let meterProvider: MeterProvider;

    beforeAll(async () => {
      spans.reset();
      meterProvider = freshMeterProvider();
      t = await bootApp(await freshDatabase(dialect), [TracedJobs], { retryBackoff: 20 });
    });
    afterAll(async () => {
      await t?.close();
      await meterProvider.shutdown();
    });

    it('an enqueue inside a request span: kronos.enqueue (PRODUCER) is its child, and the run (CONSUMER) a child of the enqueue, in one trace', async () => {
      const tracer = trace.getTracer('test');
      const { id } = await tracer.startActiveSpan('GET /orders', async (request) => {
        try {
          return await t.scheduler.enqueue('otel.ok', { n: 21 });
        } finally {
          request.end();
        }
      });
      await waitForTask(t.scheduler, id, ['COMPLETED']);
      const [run] = await waitFor(
        () => (spanNamed('kronos.run otel.ok', id).length ? spanNamed('kronos.run otel.ok', id) : null),
        5000,
        'the run span',
      );
      const [enqueue] = spanNamed('kronos.enqueue', id);
      const request = spans.getFinishedSpans().find((s) => s.name === 'GET /orders')!;
      expect(enqueue.kind).toBe(SpanKind.PRODUCER);
      expect(enqueue.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(enqueue.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(enqueue.attributes).toMatchObject({
        'messaging.system': 'kronos',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'otel.ok',
        'kronos.job': 'otel.ok',
        'kronos.group': 'main',
        'messaging.message.id': String(id),
      });

      expect(run.kind).toBe(SpanKind.CONSUMER);
      expect(run.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(run.parentSpanContext?.spanId).toBe(enqueue.spanContext().spanId);
      expect(run.attributes).toMatchObject({
        'messaging.system': 'kronos',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'otel.ok',
        'messaging.message.id': String(id),
        'kronos.job': 'otel.ok',
        'kronos.task.id': id,
        'kronos.attempt': 1,
        'kronos.group': 'main',
        'kronos.run.status': 'COMPLETED',
      });
      expect(run.status.code).toBe(SpanStatusCode.UNSET);
      const work = spans
        .getFinishedSpans()
        .find((s) => s.name === 'handler work' && s.parentSpanContext?.spanId === run.spanContext().spanId);
      expect(work).toBeDefined();

      // The context travelled through the database as W3C Trace Context.
      const row = await t.dataSource.getRepository(Task).findOneByOrFail({ id });
      expect(JSON.parse(row.traceContext!)).toEqual({
        traceparent: `00-${enqueue.spanContext().traceId}-${enqueue.spanContext().spanId}-01`,
      });
    });

    it('a failing job: each attempt a run span with the exception recorded and an ERROR status, both children of the one enqueue', async () => {
      const { id } = await t.scheduler.enqueue('otel.fails');
      await waitForTask(t.scheduler, id, ['FAILED']);
      const runs = await waitFor(
        () => (spanNamed('kronos.run otel.fails', id).length === 2 ? spanNamed('kronos.run otel.fails', id) : null),
        5000,
        'two run spans',
      );
      const [enqueue] = spanNamed('kronos.enqueue', id);
      expect(runs.map((s) => s.attributes['kronos.attempt']).sort()).toEqual([1, 2]);
      for (const run of runs) {
        expect(run.parentSpanContext?.spanId).toBe(enqueue.spanContext().spanId);
        expect(run.attributes['kronos.run.status']).toBe('FAILED');
        expect(run.status).toEqual({
          code: SpanStatusCode.ERROR,
          message: `bad input on attempt ${String(run.attributes['kronos.attempt'])}`,
        });
        const [exception] = run.events.filter((e) => e.name === 'exception');
        expect(exception.attributes).toMatchObject({
          'exception.type': 'TypeError',
          'exception.message': `bad input on attempt ${String(run.attributes['kronos.attempt'])}`,
        });
        expect(String(exception.attributes?.['exception.stacktrace'])).toContain('TypeError: bad input');
      }
    });

    it('metrics: runs by job and status, the retry, run duration and wait time histograms, heartbeats and the backlog gauges', async () => {
      const runs = await points('kronos.runs');
      const count = (job: string, status: string) =>
        runs.find((p) => p.attributes['kronos.job'] === job && p.attributes['kronos.run.status'] === status)?.value;
      expect(count('otel.ok', 'COMPLETED')).toBe(1);
      expect(count('otel.fails', 'FAILED')).toBe(2);
      expect((await points('kronos.retries')).find((p) => p.attributes['kronos.job'] === 'otel.fails')?.value).toBe(1);
      const duration = (await points('kronos.run.duration')).find((p) => p.attributes['kronos.job'] === 'otel.ok')!
        .value as Histogram;
      expect(duration.count).toBe(1);
      const wait = (await points('kronos.task.wait_time'))
        .filter((p) => p.attributes['kronos.job'] === 'otel.fails')
        .map((p) => p.value as Histogram);
      expect(wait.reduce((n, h) => n + h.count, 0)).toBe(2);
      expect(((await points('kronos.worker.heartbeats'))[0]?.value as number) ?? 0).toBeGreaterThanOrEqual(1);

      await t.scheduler.enqueue('otel.ok', { n: 1 }, { delay: '1h' });
      await t.scheduler.enqueue('otel.ok', { n: 2 }, { delay: '1h' });
      await new Promise((r) => setTimeout(r, 5100)); // the gauges' reading is reused for 5 s
      const queued = await points('kronos.tasks.queued');
      expect(queued.find((p) => p.attributes['kronos.job'] === 'otel.ok')).toMatchObject({
        value: 2,
        attributes: { 'kronos.group': 'main' },
      });
      expect(queued.find((p) => p.attributes['kronos.job'] === 'otel.fails')?.value).toBe(0);
      expect((await points('kronos.tasks.running')).find((p) => p.attributes['kronos.job'] === 'otel.ok')?.value).toBe(
        0,
      );
    }, 20_000);
  },
  ['sqlite', 'postgres'],
);
