import { Logger } from '@nestjs/common';

/** `@opentelemetry/api`, an optional peer dependency: loaded once at start-up, when installed. */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

/**
 * The OpenTelemetry API when the application has it installed, else null. Imported dynamically
 * so that Kronos runs without it; a failure other than "not installed" is logged once.
 */
export async function loadOpenTelemetry(): Promise<OpenTelemetryApi | null> {
  try {
    return await import('@opentelemetry/api');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
      new Logger('Kronos').warn(
        `@opentelemetry/api could not be loaded; no traces or metrics: ${(error as Error).message}`,
      );
    }
    return null;
  }
}

/** True when the application registered a global tracer provider (an SDK), checked once. */
export function tracerProviderRegistered(api: OpenTelemetryApi): boolean {
  // The API hands out a proxy whose delegate is the no-op provider until an SDK registers one.
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  return provider.getDelegate() !== new api.ProxyTracerProvider().getDelegate();
}

/** True when the application registered a global meter provider (an SDK), checked once. */
export function meterProviderRegistered(api: OpenTelemetryApi): boolean {
  const noopMeter = api.createNoopMeter().constructor;
  return !(api.metrics.getMeterProvider().getMeter('nestjs-kronos') instanceof noopMeter);
}
