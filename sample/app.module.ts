import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchedulerModule } from '../lib/index.js';
import { AppController } from './app.controller.js';
import { MaintenanceJobs } from './jobs/maintenance.jobs.js';
import { StatsJobs } from './jobs/stats.jobs.js';
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
  ],
  controllers: [AppController],
  providers: [UsersService, RecordsService, StatsJobs, MaintenanceJobs],
})
export class AppModule {}
