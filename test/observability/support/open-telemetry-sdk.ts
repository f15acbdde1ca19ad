import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What an application with the OpenTelemetry SDK records, kept in memory for a spec to read. */
export interface InMemoryOpenTelemetry {
  /** Every span finished since the last `spans.reset()`. */
  spans: InMemorySpanExporter;
  /**
   * Register a meter provider of its own as the global one, so the counts start at zero (one per
   * database's application); the suite shuts it down after its last test.
   */
  freshMeterProvider: () => MeterProvider;
  /** Every data point of a metric, read now through the latest meter provider's reader. */
  points: (name: string) => Promise<DataPoint<unknown>[]>;
}

/**
 * The OpenTelemetry SDK as an application installs it (async-hooks context, a tracer provider,
 * meter providers), exporting to memory. Call it at the top level of a spec file: the context
 * manager and the tracer provider are registered before its first test and shut down after its
 * last.
 */
export function inMemoryOpenTelemetry(): InMemoryOpenTelemetry {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  let reader: PeriodicExportingMetricReader | undefined;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
  });
  afterAll(async () => {
    await tracerProvider.shutdown();
    trace.disable();
    context.disable();
  });

  return {
    spans,
    freshMeterProvider: () => {
      metrics.disable();
      reader = new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: 60_000,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      metrics.setGlobalMeterProvider(meterProvider);
      return meterProvider;
    },
    points: async (name) => {
      if (!reader) throw new Error('points() before freshMeterProvider(): no meter provider to read');
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
    },
  };
}
