/**
 * The packed tarball through the two linters of npm packages: publint (the manifest's fields
 * against the files) and Are the Types Wrong (the types each resolution mode finds).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packedTarball } from '../support/packed-package.js';

const BUILD_MS = 180_000;
const ATTW = join(process.cwd(), 'node_modules/@arethetypeswrong/cli/dist/index.js');

interface AttwProblem {
  kind: string;
  entrypoint: string;
  resolutionKind: string;
}

function attw(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ATTW, ...args],
      { env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the packed tarball', () => {
  it(
    'passes publint with no error, warning or suggestion',
    async () => {
      const tarball = await readFile(await packedTarball());
      const { messages, pkg } = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        level: 'suggestion',
      });
      expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`)).toEqual([]);
    },
    BUILD_MS,
  );

  /*
   * Kronos is ESM only, as NestJS 12 is. attw reports one rule for that, CJSResolvesToESM, and
   * only for the `node16` CommonJS resolution: TypeScript's `module: node16` models Node 16,
   * where require() could not load ES modules. That is the single rule this package ignores;
   * every other rule and every other resolution mode must be clean. What CommonJS applications
   * really get is checked elsewhere: Node >= 20.19 (the engines range) loads the package with
   * require() (consumer-install.spec.ts runs it), and TypeScript compiles a CommonJS file that imports
   * it under node10 and nodenext resolution (consumer-types.spec.ts). A `--profile esm-only`
   * would also hide node10's answers, which users on `moduleResolution: node` depend on.
   */
  it(
    'passes Are the Types Wrong for every entry point and resolution mode, but for require() of an ES module under node16',
    async () => {
      const tarball = await packedTarball();
      const strict = await attw([tarball, '--format', 'json']);
      const { problems } = JSON.parse(strict.stdout) as { problems: Record<string, AttwProblem[]> };
      expect(Object.values(problems).flat()).toEqual([
        { kind: 'CJSResolvesToESM', entrypoint: '.', resolutionKind: 'node16-cjs' },
        { kind: 'CJSResolvesToESM', entrypoint: './testing', resolutionKind: 'node16-cjs' },
        { kind: 'CJSResolvesToESM', entrypoint: './terminus', resolutionKind: 'node16-cjs' },
      ]);

      const checked = await attw([tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii']);
      expect({ code: checked.code, stderr: checked.stderr }).toEqual({ code: 0, stderr: '' });
      expect(checked.stdout).toContain('No problems found');
    },
    BUILD_MS,
  );
});
