import type { DataSource } from 'typeorm';
import { ClusterEvents } from './events/cluster-events.js';
import { TaskEvents } from './events/task-events.js';
import { NO_TELEMETRY, type Telemetry } from './observability/telemetry.js';
import { JobRegistry } from './registry/job-registry.js';
import type { ResolvedSchedulerOptions } from './scheduler.options.js';
import { engineInstant } from './scheduler.clock.js';
import type { Instant, StorageEngine } from './storage/engine.js';

/**
 * Everything Kronos builds at start-up, shared by the service and the worker. Filled by
 * `SchedulerBootstrap.onModuleInit`; using the service before that is a programming error.
 */
export class KronosRuntime {
  readonly registry = new JobRegistry();
  /** Lifecycle events of this process (`@OnTaskEvent` listeners and `SchedulerService.events$`). */
  readonly events = new TaskEvents();
  /** Runs recorded anywhere in the fleet (`events: { cluster: true }`, `SchedulerService.clusterEvents$`). */
  readonly clusterEvents: ClusterEvents;
  /** OpenTelemetry tracing and metrics, decided at start-up (nothing while no SDK is registered). */
  telemetry: Telemetry = NO_TELEMETRY;
  private state?: { dataSource: DataSource; engine: StorageEngine };

  constructor(readonly options: ResolvedSchedulerOptions) {
    this.clusterEvents = new ClusterEvents(options.events.cluster, options.events.pollIntervalMs);
  }

  attach(dataSource: DataSource, engine: StorageEngine): void {
    this.state = { dataSource, engine };
    if (!this.options.events.cluster) return;
    this.clusterEvents.attach(engine);
    if (this.clusterEvents.sending) this.events.cluster = this.clusterEvents;
  }

  get ready(): boolean {
    return this.state !== undefined;
  }

  get dataSource(): DataSource {
    return this.require().dataSource;
  }

  get engine(): StorageEngine {
    return this.require().engine;
  }

  /** `now` for engine calls: the database clock unless a test clock is configured (see `engineInstant`). */
  instant(): Instant {
    return engineInstant(this.options.clock);
  }

  private require() {
    if (!this.state)
      throw new Error(
        'Kronos is not initialised yet: SchedulerService can be used from onModuleInit of your own modules onwards.',
      );
    return this.state;
  }
}
