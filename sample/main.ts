import 'reflect-metadata';
// OpenTelemetry first: Kronos looks for the providers once, when the application starts.
import { tracing } from './observability/telemetry.js';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { DemoAdminGuard } from './demo-admin.guard.js';

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
Logger.log(
  `Sample app on http://localhost:${port} (try GET /jobs and GET /runs); jobs run every few seconds below.`,
  'Sample',
);
Logger.log(
  `Metrics on http://localhost:${port}/metrics, health on /health, failure alerts on /alerts; traces ${tracing ? 'printed below' : 'with OTEL_TRACES_EXPORTER=console'}.`,
  'Sample',
);
Logger.log(
  `Dashboard on http://localhost:${port}/scheduler (user ${DemoAdminGuard.user}, password ${DemoAdminGuard.password}).`,
  'Sample',
);
