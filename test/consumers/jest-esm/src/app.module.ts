import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchedulerModule } from 'nestjs-kronos';
import { databaseOptions } from './database.js';
import { ReportJobs } from './reports.jobs.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forRoot(databaseOptions()),
    SchedulerModule.forRoot({
      worker: { concurrency: 4 },
      impersonation: { resolver: UsersService },
    }),
  ],
  providers: [UsersService, ReportJobs],
})
export class AppModule {}
