import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchedulerDashboardModule, SchedulerModule } from '../lib/index.js';
import { KronosHealthIndicator } from '../lib/terminus/index.js';
import { FailureAlerts } from './alerts/failure-alerts.js';
import { AppController } from './app.controller.js';
import { DemoAdminGuard } from './demo-admin.guard.js';
import { MaintenanceJobs } from './jobs/maintenance.jobs.js';
import { NotifyJobs } from './jobs/notify.jobs.js';
import { StatsJobs } from './jobs/stats.jobs.js';
import { ObservabilityController } from './observability/observability.controller.js';
import { DataRecord, Stats } from './records/record.entity.js';
import { RecordsService } from './records/records.service.js';
import { User } from './users/user.entity.js';
import { UsersService } from './users/users.service.js';

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: process.env.KRONOS_SAMPLE_DB ?? 'kronos-sample.db',
      enableWAL: true,
      autoLoadEntities: true,
      // Development set-up: TypeORM creates every table, Kronos' included. In production, run
      // migrations instead (Kronos ships its own: KRONOS_MIGRATIONS.sqlite / .postgres / .mysql).
      synchronize: true,
    }),
    TypeOrmModule.forFeature([User, DataRecord, Stats]),
    SchedulerModule.forRoot({
      worker: { concurrency: 4 },
      timezone: 'Europe/Berlin',
      impersonation: { resolver: UsersService },
    }),
    // The admin pages at /scheduler; the demo guard asks for admin / admin (HTTP Basic).
    SchedulerDashboardModule.register({ path: '/scheduler', guard: DemoAdminGuard, timezone: 'Europe/Berlin' }),
    // GET /health (ObservabilityController) with KronosHealthIndicator.
    TerminusModule,
  ],
  controllers: [AppController, ObservabilityController],
  providers: [
    UsersService,
    RecordsService,
    StatsJobs,
    MaintenanceJobs,
    NotifyJobs,
    FailureAlerts,
    KronosHealthIndicator,
  ],
})
export class AppModule {}
