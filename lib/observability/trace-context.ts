import type { SpanContext, TraceState } from '@opentelemetry/api';

/** Set while tracing is on (`KronosTracing`): the active span's trace context. */
let capture: (() => string | null) | null = null;

export function setTraceCapture(fn: () => string | null): void {
  capture = fn;
}

/**
 * The active span's trace context as `formatTraceContext` writes it, or null when tracing is off
 * or no span is active: what a worker hands an isolation child with a run (the run span's).
 */
export function activeTraceContext(): string | null {
  return capture === null ? null : capture();
}

/** A W3C `traceparent` of version 00: trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A span context as stored in `kronos_task.trace_context`: the W3C Trace Context headers as a
 * JSON object (`{"traceparent":"00-…-…-01","tracestate":"…"}`), the carrier any propagator
 * and any other language reads.
 */
export function formatTraceContext(context: SpanContext): string {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  const carrier: { traceparent: string; tracestate?: string } = {
    traceparent: `00-${context.traceId}-${context.spanId}-${flags}`,
  };
  const state = context.traceState?.serialize();
  if (state) carrier.tracestate = state;
  return JSON.stringify(carrier);
}

/**
 * The remote span context a stored trace context names, or null for anything else (no context,
 * not JSON, an unknown version, all-zero ids): a damaged column never fails a run, it only starts
 * a new trace. `traceState` rebuilds the `tracestate` header when there is one.
 */
export function parseTraceContext(
  text: string | null,
  traceState?: (header: string) => TraceState,
): SpanContext | null {
  if (text === null) return null;
  let carrier: unknown;
  try {
    carrier = JSON.parse(text);
  } catch {
    return null;
  }
  const header = (carrier as { traceparent?: unknown } | null)?.traceparent;
  const match = typeof header === 'string' ? TRACEPARENT.exec(header) : null;
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return null;
  const state = (carrier as { tracestate?: unknown }).tracestate;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
    ...(typeof state === 'string' && state && traceState ? { traceState: traceState(state) } : {}),
  };
}
