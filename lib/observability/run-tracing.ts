import type { Attributes, Context, Link, Span, Tracer } from '@opentelemetry/api';
import type { ClaimedTask } from '../storage/engine.js';
import type { OpenTelemetryApi } from './open-telemetry.js';
import type { BatchSpan, EnqueueTrace, RunSpan, Tracing } from './telemetry.js';
import { formatTraceContext, parseTraceContext, setTraceCapture } from './trace-context.js';

/** Statuses that mark the run span as an error. */
const ERROR_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'TIMEOUT']);

/** "TypeError: boom\n    at …" → "TypeError"; "Error" when the traceback names no class. */
const exceptionName = (traceback: string | null): string =>
  /^([A-Za-z_$][\w$]*):/.exec(traceback ?? '')?.[1] ?? 'Error';

/**
 * Kronos' spans (docs/observability.md): `kronos.enqueue` (PRODUCER) in the caller, whose W3C
 * trace context is stored with the task, and `kronos.run <job>` (CONSUMER) around each attempt
 * in the worker, a child of the enqueuing span. Exists only while a tracer provider is registered.
 */
export class KronosTracing implements Tracing {
  private readonly tracer: Tracer;

  constructor(private readonly api: OpenTelemetryApi) {
    this.tracer = api.trace.getTracer('nestjs-kronos');
    setTraceCapture(() => {
      const span = api.trace.getActiveSpan();
      return span ? formatTraceContext(span.spanContext()) : null;
    });
  }

  /** Run `fn` as a continuation of the trace context handed over (an isolation child running a handler for its parent's run span). */
  continueTrace<T>(traceContext: string | null, fn: () => T): T {
    const remote = parseTraceContext(traceContext, this.api.createTraceState);
    if (!remote) return fn();
    return this.api.context.with(this.api.trace.setSpanContext(this.api.ROOT_CONTEXT, remote), fn);
  }

  /**
   * Run an enqueue inside a `kronos.enqueue` span: `write` receives the span's trace context to
   * store with the task and resolves with the task id.
   */
  enqueue<T extends { id: number }>(what: EnqueueTrace, write: (traceContext: string) => Promise<T>): Promise<T> {
    const attributes: Attributes = {
      'messaging.system': 'kronos',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'enqueue',
      'messaging.destination.name': what.job,
      'kronos.job': what.job,
      'kronos.group': what.group,
      'kronos.task.uuid': what.uuid,
    };
    return this.tracer.startActiveSpan(
      'kronos.enqueue',
      { kind: this.api.SpanKind.PRODUCER, attributes },
      async (span) => {
        try {
          const result = await write(formatTraceContext(span.spanContext()));
          span.setAttributes({ 'messaging.message.id': String(result.id), 'kronos.task.id': result.id });
          return result;
        } catch (error) {
          this.failed(span, error instanceof Error ? error : new Error(String(error)));
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Open the `kronos.run <job>` span of a claimed task's attempt. */
  startRun(task: ClaimedTask, worker: string): RunSpan {
    const api = this.api;
    const remote = parseTraceContext(task.traceContext, api.createTraceState);
    const parent: Context = remote ? api.trace.setSpanContext(api.ROOT_CONTEXT, remote) : api.ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      `kronos.run ${task.jobName}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kronos',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'run',
          'messaging.destination.name': task.jobName,
          'messaging.message.id': String(task.id),
          'kronos.job': task.jobName,
          'kronos.task.id': task.id,
          'kronos.task.uuid': task.uuid,
          'kronos.attempt': task.attempt,
          'kronos.group': task.group,
          'kronos.worker': worker,
        },
      },
      parent,
    );
    const active = api.trace.setSpan(parent, span);
    return {
      within: (fn) => api.context.with(active, fn),
      end: (result) => {
        span.setAttribute('kronos.run.status', result.status);
        if (ERROR_STATUSES.has(result.status)) {
          const message = result.message ?? result.status;
          span.recordException({
            name: result.status === 'TIMEOUT' ? 'TaskTimeoutError' : exceptionName(result.traceback),
            message,
            stack: result.traceback ?? undefined,
          });
          span.setStatus({ code: api.SpanStatusCode.ERROR, message });
        }
        span.end();
      },
    };
  }

  /**
   * Open the span of a batch handler call: one CONSUMER span `kronos.run <job>` for the call, as
   * the messaging semantic conventions ask of a batch that is received and processed together (a
   * "process" span for the batch, `messaging.batch.message_count`, and a link to the creation
   * context of each message instead of one parent). It is a root span: the tasks came from many
   * enqueues, each its own trace, and each of those is linked. `end` marks it ERROR when some task
   * of the call failed or timed out, with how many in `kronos.batch.failed`.
   */
  startBatch(job: string, tasks: readonly ClaimedTask[], worker: string): BatchSpan {
    const api = this.api;
    const links: Link[] = [];
    for (const task of tasks) {
      const remote = parseTraceContext(task.traceContext, api.createTraceState);
      if (remote) links.push({ context: remote, attributes: { 'kronos.task.id': task.id } });
    }
    const span = this.tracer.startSpan(
      `kronos.run ${job}`,
      {
        kind: api.SpanKind.CONSUMER,
        root: true,
        links,
        attributes: {
          'messaging.system': 'kronos',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'run',
          'messaging.destination.name': job,
          'messaging.batch.message_count': tasks.length,
          'kronos.job': job,
          'kronos.task.ids': tasks.map((task) => task.id),
          'kronos.group': tasks[0]?.group ?? '',
          'kronos.worker': worker,
        },
      },
      api.ROOT_CONTEXT,
    );
    const active = api.trace.setSpan(api.ROOT_CONTEXT, span);
    return {
      within: (fn) => api.context.with(active, fn),
      end: (failed) => {
        span.setAttribute('kronos.batch.failed', failed);
        if (failed > 0)
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: `${failed} of ${tasks.length} failed` });
        span.end();
      },
    };
  }

  private failed(span: Span, error: Error): void {
    span.recordException(error);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error.message });
  }
}
