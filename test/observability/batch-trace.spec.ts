import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Job } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, freshDatabase, waitForTask, type TestApp } from '../support/test-app.js';
import { inMemoryOpenTelemetry } from './support/open-telemetry-sdk.js';

@Injectable()
class BatchJobs {
  @Job('otel.batch', { batch: { size: 10, wait: '1s' } })
  async send(payloads: { n: number }[]) {
    // The call runs inside its batch span: the handler's own spans are its children.
    trace.getTracer('app').startActiveSpan('bulk insert', (span) => span.end());
    return payloads.map((p) => (p.n === 2 ? new Error('item 2 refused') : p.n));
  }
}

const { spans, freshMeterProvider, points } = inMemoryOpenTelemetry();

describeForDialects('OpenTelemetry on batch handlers', (dialect) => {
  let t: TestApp;
  let meterProvider: MeterProvider;
  beforeAll(async () => {
    spans.reset();
    meterProvider = freshMeterProvider();
    t = await bootApp(await freshDatabase(dialect), [BatchJobs]);
  });
  afterAll(async () => {
    await t?.close();
    await meterProvider.shutdown();
  });

  it('a batch call is one kronos.run span (CONSUMER) linked to each task enqueue, and its tasks are counted one by one', async () => {
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push((await t.scheduler.enqueue('otel.batch', { n })).id);
    for (const id of ids) await waitForTask(t.scheduler, id, ['COMPLETED', 'FAILED'], 20_000);

    const finished = spans.getFinishedSpans();
    const enqueues = finished.filter((s) => s.name === 'kronos.enqueue');
    const calls = finished.filter((s) => s.name === 'kronos.run otel.batch');
    expect(enqueues).toHaveLength(3);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    // Every task is in exactly one call, linked to the trace of its own enqueue.
    const linked = calls.flatMap((call) => call.links);
    expect(linked.map((link) => link.attributes?.['kronos.task.id']).sort()).toEqual([...ids].sort());
    expect(new Set(linked.map((link) => link.context.traceId))).toEqual(
      new Set(enqueues.map((s) => s.spanContext().traceId)),
    );
    for (const call of calls) {
      expect(call.kind).toBe(SpanKind.CONSUMER);
      expect(call.attributes['messaging.batch.message_count']).toBe(call.links.length);
      expect(call.attributes['messaging.operation.type']).toBe('process');
    }
    const withFailure = calls.find((call) => (call.attributes['kronos.task.ids'] as number[]).includes(ids[1]))!;
    expect(withFailure.status.code).toBe(SpanStatusCode.ERROR);
    expect(withFailure.attributes['kronos.batch.failed']).toBe(1);
    // The handler's own span is a child of the call's.
    const work = finished.filter((s) => s.name === 'bulk insert');
    expect(work.length).toBe(calls.length);
    expect(new Set(work.map((s) => s.parentSpanContext?.spanId))).toEqual(
      new Set(calls.map((c) => c.spanContext().spanId)),
    );

    const runs = await points('kronos.runs');
    const count = (status: string) =>
      runs.find((p) => p.attributes['kronos.job'] === 'otel.batch' && p.attributes['kronos.run.status'] === status)
        ?.value;
    expect(count('COMPLETED')).toBe(2);
    expect(count('FAILED')).toBe(1);
  });
});
