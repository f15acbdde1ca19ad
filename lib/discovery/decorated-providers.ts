import type { Logger } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';

/** A provider's instance, whose decorated methods are read by property key. */
export type ProviderInstance = Record<PropertyKey, unknown>;

/** A singleton provider whose class carries declarations under one metadata key. */
export interface DecoratedProvider<T> {
  /** The provider's class name, for error messages. */
  provider: string;
  instance: ProviderInstance;
  declarations: T[];
}

/**
 * The one walk over every provider at start-up that both job and event-listener discovery use:
 * yields each provider whose class carries declarations under `metadataKey`. Factory and value
 * providers have no class to carry decorators and are passed over; a request-scoped provider is
 * reported with `warning(provider, declarations)` and left out (a job or an event has no request).
 */
export function* decoratedProviders<T>(
  discovery: DiscoveryService,
  metadataKey: symbol | string,
  logger: Logger,
  warning: (provider: string, declarations: T[]) => string,
): Generator<DecoratedProvider<T>> {
  for (const wrapper of discovery.getProviders()) {
    const instance = wrapper.instance as ProviderInstance | undefined;
    const metatype = wrapper.metatype;
    // Arrow-function factories have no prototype either.
    if (typeof metatype !== 'function' || !metatype.prototype) continue;
    const declarations = (Reflect.getMetadata(metadataKey, metatype.prototype as object) ?? []) as T[];
    if (declarations.length === 0) continue;
    const provider = metatype.name;
    if (!wrapper.isDependencyTreeStatic()) {
      logger.warn(warning(provider, declarations));
      continue;
    }
    if (!instance) continue;
    yield { provider, instance, declarations };
  }
}
