import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobContext, ScheduledTask, SchedulerModule } from 'nestjs-kronos';

@Injectable()
export class ReportsService {
  readonly sent: string[] = [];

  send(slot: Date): string {
    const line = `weekly report for ${slot.toISOString()}`;
    this.sent.push(line);
    return line;
  }
}

@Injectable()
export class ReportJobs {
  constructor(private readonly reports: ReportsService) {}

  @ScheduledTask('weekly-report', { every: 'monday', at: '08:00', timezone: 'Europe/Berlin' })
  weekly(ctx: JobContext) {
    return this.reports.send(new Date(ctx.scheduledFor));
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: () => ({
        type: 'better-sqlite3',
        database: process.env.DATABASE_FILE ?? 'app.db',
        autoLoadEntities: true,
        synchronize: true,
      }),
    }),
    SchedulerModule.forRoot({ worker: { concurrency: 5 } }),
  ],
  providers: [ReportsService, ReportJobs],
})
export class AppModule {}
