import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { Job, Task } from '../../lib/index.js';
import { KronosRuntime } from '../../lib/kronos.runtime.js';
import { bootApp, freshDatabase, waitForTask, type TestApp } from '../support/test-app.js';

@Injectable()
class PlainJobs {
  @Job('plain.ok')
  async ok() {
    return 'done';
  }
}

describe('OpenTelemetry installed but no SDK registered', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(await freshDatabase('sqlite'), [PlainJobs]);
  });
  afterAll(() => t?.close());

  it('traces and measures nothing: no tracer or meter is built, no trace context is written, even inside an active span', async () => {
    expect(t.app.get(KronosRuntime).telemetry).toEqual({ tracing: null, metrics: null });
    // A span of the no-op API: its context is invalid, and nothing of it reaches the task.
    const { id } = await trace.getTracer('app').startActiveSpan('request', async (span) => {
      try {
        return await t.scheduler.enqueue('plain.ok');
      } finally {
        span.end();
      }
    });
    await waitForTask(t.scheduler, id, ['COMPLETED']);
    expect((await t.dataSource.getRepository(Task).findOneByOrFail({ id })).traceContext).toBeNull();
  });
});
