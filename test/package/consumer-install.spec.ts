/**
 * `npm install <tarball>` as users run it (npm 11, real registry through its cache): a correct
 * setup installs quietly and loads from CommonJS and ES modules; a wrong or missing peer gets
 * npm's own message naming nestjs-kronos and the peer.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packedTarball } from '../support/packed-package.js';
import {
  emptyProject,
  INSTALL_FLAGS,
  installedConsumer,
  npm,
  packedManifest,
  requiredPeers,
} from './support/consumer.js';

const INSTALL_MS = 240_000;

function node(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** npm's warning lines, but for EBADENGINE blocks about other packages (NestJS 12 depends on a Node >= 22 package). */
function warnings(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => l.startsWith('npm warn'));
  const engineBlocks = stderr
    .split(/(?=npm warn EBADENGINE Unsupported engine)/)
    .filter((b) => b.startsWith('npm warn EBADENGINE'));
  const foreignEngineLines = new Set(
    engineBlocks.filter((b) => !b.includes('nestjs-kronos')).flatMap((b) => b.split('\n')),
  );
  return lines.filter((l) => !foreignEngineLines.has(l));
}

describe('npm install of the packed package', () => {
  it(
    'with its required peers and a driver: no warning about peers, and `npm ls` finds the tree complete',
    async () => {
      const { dir, install } = await installedConsumer();
      expect(warnings(install.stderr)).toEqual([]);
      const ls = await npm(dir, ['ls', '--all']);
      expect({ code: ls.code, stderr: ls.stderr }).toEqual({ code: 0, stderr: '' });
    },
    INSTALL_MS,
  );

  it(
    'loads from CommonJS through require() (no top-level await in the way) and from ES modules through import',
    async () => {
      const { dir } = await installedConsumer();
      const required = await node(dir, [
        '-e',
        `const k = require('nestjs-kronos'); const t = require('nestjs-kronos/testing'); const h = require('nestjs-kronos/terminus');
       console.log(JSON.stringify([typeof k.SchedulerModule, typeof k.SchedulerService, typeof t.TestClock, typeof t.drain, typeof h.KronosHealthIndicator]));`,
      ]);
      expect(required).toEqual({
        code: 0,
        stdout: '["function","function","function","function","function"]\n',
        stderr: '',
      });
      const imported = await node(dir, [
        '--input-type=module',
        '-e',
        `const k = await import('nestjs-kronos'); const t = await import('nestjs-kronos/testing');
       console.log(JSON.stringify([typeof k.SchedulerModule, typeof t.TestClock]));`,
      ]);
      expect(imported).toEqual({ code: 0, stdout: '["function","function"]\n', stderr: '' });
    },
    INSTALL_MS,
  );

  it(
    'installs the kronos command',
    async () => {
      const { dir } = await installedConsumer();
      const { version } = await packedManifest();
      expect(await node(dir, [join(dir, 'node_modules/.bin/kronos'), '--version'])).toEqual({
        code: 0,
        stdout: `${version}\n`,
        stderr: '',
      });
    },
    INSTALL_MS,
  );

  it(
    'alone: npm 11 adds the required peers itself, and no driver nor @nestjs/terminus (optional peers)',
    async () => {
      const dir = await emptyProject('alone');
      const plan = await npm(dir, ['install', await packedTarball(), '--dry-run', ...INSTALL_FLAGS]);
      expect(plan.code).toBe(0);
      const added = [...plan.stdout.matchAll(/^add (\S+) /gm)].map(([, name]) => name);
      const peers = (await requiredPeers()).map((p) => p.slice(0, p.lastIndexOf('@')));
      expect(added).toEqual(expect.arrayContaining(['nestjs-kronos', 'croner', ...peers]));
      expect(added.filter((name) => ['better-sqlite3', 'pg', 'mysql2', '@nestjs/terminus'].includes(name))).toEqual([]);
      expect(warnings(plan.stderr)).toEqual([]);
    },
    INSTALL_MS,
  );

  it(
    'next to a peer of the wrong major version: npm refuses, naming the peer range nestjs-kronos needs',
    async () => {
      const dir = await emptyProject('wrong-peer', 'commonjs', { dependencies: { '@nestjs/common': '^11.0.0' } });
      const { version, peerDependencies } = await packedManifest();
      const result = await npm(dir, ['install', await packedTarball(), ...INSTALL_FLAGS]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('ERESOLVE');
      expect(result.stderr).toContain(
        `peer @nestjs/common@"${peerDependencies?.['@nestjs/common']}" from nestjs-kronos@${version}`,
      );
      expect(existsSync(join(dir, 'node_modules/nestjs-kronos'))).toBe(false);
    },
    INSTALL_MS,
  );

  it(
    'with peers left out (--legacy-peer-deps): `npm ls` names every missing required peer and no driver',
    async () => {
      const dir = await emptyProject('no-peers');
      const install = await npm(dir, ['install', await packedTarball(), '--legacy-peer-deps', ...INSTALL_FLAGS]);
      expect(install.code).toBe(0);
      const { version } = await packedManifest();
      const ls = await npm(dir, ['ls', '--all']);
      expect(ls.code).not.toBe(0);
      const missing = ls.stderr
        .split('\n')
        .filter((l) => l.includes('missing:'))
        .sort();
      expect(missing).toEqual(
        (await requiredPeers())
          .sort()
          .map((peer) => `npm error missing: ${peer}, required by nestjs-kronos@${version}`),
      );
    },
    INSTALL_MS,
  );
});
