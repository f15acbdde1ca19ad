import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The sample's OpenTelemetry set-up. It must run before the Nest application starts (Kronos looks
 * for the providers once, at start-up): main.ts imports this file first.
 *
 * - Metrics, always: the Prometheus exporter, served by the application at GET /metrics
 *   (ObservabilityController) instead of a server of its own.
 * - Traces, with OTEL_TRACES_EXPORTER=console: each span (kronos.enqueue, kronos.run <job>) is
 *   printed when it ends; an enqueue and the runs it led to share a trace id. In production,
 *   register an OTLP exporter to a collector instead.
 */
export const prometheus = new PrometheusExporter({ preventServerStart: true });
export const meterProvider = new MeterProvider({ readers: [prometheus] });
metrics.setGlobalMeterProvider(meterProvider);

export const tracing = process.env.OTEL_TRACES_EXPORTER === 'console';
if (tracing) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] }),
  );
}
