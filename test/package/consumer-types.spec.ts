/**
 * TypeScript in an application that installed the packed package: both entry points resolve
 * to their declarations under every moduleResolution users have, and the declarations check
 * with `skipLibCheck: false` without any driver's type package (@types/pg,
 * @types/better-sqlite3) installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installedConsumer } from './support/consumer.js';

const INSTALL_MS = 240_000;
const TSC = join(process.cwd(), 'node_modules/typescript/bin/tsc');

/** Uses values and types of every entry point, so an unresolved or untyped import fails strict mode. */
const CONSUMER = `import { SchedulerModule, SchedulerService, JobContext } from 'nestjs-kronos';
import { TestClock, drain } from 'nestjs-kronos/testing';
import { KronosHealthIndicator, type BacklogCheckOptions } from 'nestjs-kronos/terminus';

export const parts: unknown[] = [SchedulerModule, SchedulerService, drain, KronosHealthIndicator];
export const backlog: BacklogCheckOptions = { maxWait: '5m' };
export const clock: TestClock = new TestClock('2026-01-01T00:00:00Z');
export const now: number = clock.now();
export function report(context: JobContext): string {
  return context.jobName;
}
`;

interface Mode {
  name: string;
  file: string;
  options: Record<string, unknown>;
}

/*
 * Every mode resolves both entry points and type-checks the consumer; one of them also checks
 * every declaration file it reaches (skipLibCheck false: three times slower, and what it finds,
 * such as a driver's types leaking into a public declaration, does not depend on the mode).
 */
const MODES: Mode[] = [
  {
    name: 'nodenext, ES module, skipLibCheck false',
    file: 'consumer.mts',
    options: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false },
  },
  {
    name: 'nodenext, CommonJS (require of an ES module)',
    file: 'consumer.cts',
    options: { module: 'nodenext', moduleResolution: 'nodenext' },
  },
  { name: 'node16, ES module', file: 'consumer.mts', options: { module: 'node16', moduleResolution: 'node16' } },
  {
    name: 'node10, CommonJS',
    file: 'consumer.ts',
    options: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '5.0' },
  },
  { name: 'bundler', file: 'consumer.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
];

function tsc(cwd: string, project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', project], { cwd, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('the packed package in a TypeScript application', () => {
  it(
    'has no driver type package installed next to it (so the checks below would see a leak)',
    async () => {
      const { dir } = await installedConsumer();
      expect(['@types/pg', '@types/better-sqlite3'].filter((p) => existsSync(join(dir, 'node_modules', p)))).toEqual(
        [],
      );
    },
    INSTALL_MS,
  );

  it.each(MODES)(
    'type-checks both entry points under $name',
    async ({ file, options }) => {
      const { dir } = await installedConsumer();
      const project = await mkdtemp(join(dir, 'types-'));
      await writeFile(join(project, file), CONSUMER);
      const compilerOptions = {
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        experimentalDecorators: true,
        ...options,
      };
      await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }, null, 2));
      expect(await tsc(project, 'tsconfig.json')).toEqual({ code: 0, output: '' });
    },
    INSTALL_MS,
  );
});
