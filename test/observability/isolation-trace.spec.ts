/**
 * Tracing with process isolation: the worker's `kronos.run` span is handed to the isolation child
 * with the run, so the spans a handler makes in its child process (with an SDK registered there
 * too) are children of it, in the same trace as the enqueue.
 */
import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FileSpan } from '../fixtures/span-file.js';
import { bootIsolatedApp } from '../isolation/helpers.js';
import { freshDatabase, waitFor, waitForTask, type TestApp } from '../support/test-app.js';

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const spanFile = join(mkdtempSync(join(tmpdir(), 'kronos-child-spans-')), 'spans.jsonl');
const childSpans = (): FileSpan[] =>
  existsSync(spanFile)
    ? readFileSync(spanFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FileSpan)
    : [];

describe('a trace into an isolation child process', () => {
  let t: TestApp;
  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    process.env.KRONOS_FIXTURE_SPANS = spanFile; // the children register a tracer provider writing there
    t = await bootIsolatedApp(await freshDatabase('sqlite'), { mode: 'process' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    delete process.env.KRONOS_FIXTURE_SPANS;
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it("the handler's own span in the child is a child of the worker's kronos.run span, in the enqueue's trace", async () => {
    const { id } = await t.scheduler.enqueue('iso.traced');
    const { latestRun } = await waitForTask(t.scheduler, id, ['COMPLETED'], 30_000);
    expect(JSON.parse(latestRun!.result!)).toEqual({ child: '1' }); // it did run in a child
    const run = await waitFor(
      () => spans.getFinishedSpans().find((s) => s.name === 'kronos.run iso.traced'),
      5000,
      'the run span',
    );
    const enqueue = spans
      .getFinishedSpans()
      .find((s) => s.name === 'kronos.enqueue' && s.attributes['kronos.task.id'] === id)!;
    const step = await waitFor(
      () => childSpans().find((s) => s.name === 'iso.handler.step'),
      5000,
      'the handler span of the child',
    );
    expect(run.spanContext().traceId).toBe(enqueue.spanContext().traceId);
    expect(step).toMatchObject({ traceId: run.spanContext().traceId, parentSpanId: run.spanContext().spanId });
    // The child's own Kronos makes no second run span: the worker's is the run.
    expect(childSpans().filter((s) => s.name.startsWith('kronos.'))).toEqual([]);
  });
});
