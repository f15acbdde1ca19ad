/**
 * Entry script of an isolation child process (started by the worker's `ProcessPool` with
 * `child_process.fork`). Node cannot fork a running process, so the child boots the application
 * itself: it imports the module named in KRONOS_CHILD_APP and creates an application context, in
 * which Kronos runs in child mode (KRONOS_CHILD=1: no worker, no definition sync) and serves run
 * requests from the parent. It ends when the parent asks it to or goes away.
 */
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { pathToFileURL } from 'node:url';
import { CHILD_SERVER_KEY, isParentMessage, KRONOS_CHILD_APP_ENV, sendToParent, type ChildBoot } from './protocol.js';

/** Longest wait for the application to close before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

let app: INestApplicationContext | undefined;
let closing = false;

function shutdown(code: number): void {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(code), CLOSE_TIMEOUT_MS).unref();
  void Promise.resolve(app?.close())
    .catch(() => undefined)
    .finally(() => process.exit(code));
}

async function boot(): Promise<void> {
  const spec = JSON.parse(process.env[KRONOS_CHILD_APP_ENV] ?? 'null') as ChildBoot | null;
  if (!spec || !process.send)
    throw new Error('child-main.js is started by Kronos process isolation (a worker), not by hand');
  process.on('message', (message) => {
    if (isParentMessage(message) && message.kronos === 'shutdown') shutdown(0);
  });
  // The parent went away (crashed, killed): never linger as an orphan.
  process.on('disconnect', () => shutdown(0));
  // Ctrl-C in a terminal, or a service manager signalling the whole group, reaches the children
  // too: the parent decides when they end (after interrupting their runs), so they wait for it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!process.connected) shutdown(0);
    });
  }

  const exports = (await import(pathToFileURL(spec.path).href)) as Record<string, unknown>;
  const name = spec.export ?? ('default' in exports ? 'default' : 'AppModule');
  const module = exports[name];
  if (!module) {
    throw new Error(
      `${spec.path} has no export "${name}" (it exports: ${Object.keys(exports).join(', ') || 'nothing'}); set isolation.appModule.export`,
    );
  }
  app = await NestFactory.createApplicationContext(module as never, { logger: spec.logLevels, abortOnError: false });
  if (!(globalThis as Record<symbol, unknown>)[CHILD_SERVER_KEY]) {
    throw new Error(
      `the application of ${spec.path} (export "${name}") booted without Kronos serving in child mode: does it import SchedulerModule?`,
    );
  }
  sendToParent({ kronos: 'ready' });
}

boot().catch((error: unknown) => {
  const err = error instanceof Error ? error : new Error(String(error));
  sendToParent({ kronos: 'boot-error', message: err.message, stack: err.stack ?? null }, () => process.exit(1));
});
