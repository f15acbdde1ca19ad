/**
 * One trace across two processes on PostgreSQL, with the real OpenTelemetry SDK on both sides:
 * an HTTP request to a web application (no worker) enqueues a task; a worker process (a child
 * process with its own SDK, writing its spans to a file) runs it.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, Headers, Injectable, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Job, SchedulerModule, SchedulerService } from '../../lib/index.js';
import type { FileSpan } from '../fixtures/span-file.js';
import { fleetClosedAfterEach, startWorkerProcess } from '../support/processes.js';
import { freshDatabase, waitFor, waitForTask } from '../support/test-app.js';

/** The web application knows the job (to enqueue it); the worker process runs it. */
@Injectable()
class WebJobs {
  @Job('cluster.work', { retries: 5 })
  work() {}
}

/** What HTTP instrumentation does, by hand: continue the caller's trace in a SERVER span. */
@Controller('orders')
class OrdersController {
  constructor(private readonly scheduler: SchedulerService) {}

  @Post()
  create(@Headers() headers: Record<string, string>, @Body() body: { n: number }) {
    const caller = propagation.extract(ROOT_CONTEXT, headers);
    return trace.getTracer('web').startActiveSpan('POST /orders', { kind: SpanKind.SERVER }, caller, async (span) => {
      try {
        return await this.scheduler.enqueue('cluster.work', { n: body.n });
      } finally {
        span.end();
      }
    });
  }
}

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('a trace across processes [postgres]', () => {
  const fleet = fleetClosedAfterEach();
  let web: INestApplication | undefined;
  afterEach(() => web?.close());

  it('the client request, the web server span, the enqueue and the run in the worker process are one trace', async () => {
    const db = await freshDatabase('postgres');
    const spanFile = join(mkdtempSync(join(tmpdir(), 'kronos-spans-')), 'spans.jsonl');
    fleet.workers.push(await startWorkerProcess(db.options, { KRONOS_FIXTURE_SPANS: spanFile }));

    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...db.options, autoLoadEntities: true, synchronize: false }),
        SchedulerModule.forRoot({ worker: false }),
      ],
      controllers: [OrdersController],
      providers: [WebJobs],
    })
    class WebModule {}
    web = await NestFactory.create(WebModule, { logger: false, abortOnError: false });
    await web.listen(0, '127.0.0.1');
    const url = await web.getUrl();

    // The client: a CLIENT span whose context travels in the traceparent header.
    const { id } = await trace
      .getTracer('client')
      .startActiveSpan('client POST /orders', { kind: SpanKind.CLIENT }, async (span) => {
        try {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          propagation.inject(context.active(), headers);
          const response = await fetch(`${url}/orders`, { method: 'POST', headers, body: JSON.stringify({ n: 7 }) });
          return (await response.json()) as { id: number };
        } finally {
          span.end();
        }
      });
    await waitForTask(web.get(SchedulerService), id, ['COMPLETED']);

    const finished = spans.getFinishedSpans();
    const client = finished.find((s) => s.name === 'client POST /orders')!;
    const server = finished.find((s) => s.name === 'POST /orders')!;
    const enqueue = finished.find((s) => s.name === 'kronos.enqueue')!;
    const traceId = client.spanContext().traceId;
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(enqueue.parentSpanContext?.spanId).toBe(server.spanContext().spanId);

    const [run] = await waitFor(
      () => {
        const lines = existsSync(spanFile)
          ? readFileSync(spanFile, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as FileSpan)
          : [];
        const runs = lines.filter((s) => s.name === 'kronos.run cluster.work');
        return runs.length ? runs : null;
      },
      5000,
      'the run span of the worker process',
    );
    expect(run).toMatchObject({
      kind: SpanKind.CONSUMER,
      traceId,
      parentSpanId: enqueue.spanContext().spanId,
      attributes: {
        'messaging.system': 'kronos',
        'kronos.task.id': id,
        'kronos.attempt': 1,
        'kronos.run.status': 'COMPLETED',
      },
    });
  });
});
