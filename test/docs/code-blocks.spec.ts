/**
 * The documentation's TypeScript compiles: every ```ts block of README.md and docs/*.md is
 * type-checked against the packed package installed in a consumer folder (test/consumers/docs-check),
 * and a block marked `<!-- file: path -->` is that file of a consumer application. How blocks
 * are marked: test/support/doc-blocks.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { consumersScratch, copyApp, describeResult, nodeEnvironment, runCommand } from '../support/consumer-apps.js';
import { blockFileName, blocksOf, extractBlocks, mapDiagnostics } from '../support/doc-blocks.js';
import { packedTarball } from '../support/packed-package.js';

const MINUTE = 60_000;
const DOCS = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('extracting the TypeScript blocks of a Markdown file', () => {
  const markdown = [
    'Text.',
    '```ts',
    'const a = 1;',
    '```',
    '<!-- partial -->',
    '```typescript',
    'b();',
    '```',
    '<!-- file: test/consumers/x.ts -->',
    '',
    '```ts',
    'c();',
    '```',
    '```sh',
    'npm test',
    '```',
  ].join('\n');

  it('finds ts and typescript fences, their first line and the marker before them', () => {
    expect(extractBlocks('X.md', markdown)).toEqual([
      { doc: 'X.md', line: 3, code: 'const a = 1;\n', marker: { kind: 'complete' } },
      { doc: 'X.md', line: 7, code: 'b();\n', marker: { kind: 'partial' } },
      { doc: 'X.md', line: 12, code: 'c();\n', marker: { kind: 'file', path: 'test/consumers/x.ts' } },
    ]);
  });

  it('names the documentation line of a compiler error', () => {
    const [block] = extractBlocks('docs/a.md', markdown);
    expect(mapDiagnostics(`blocks/${blockFileName(block)}(1,7): error TS2451: oops`, [block])).toBe(
      'docs/a.md:3:7: error TS2451: oops',
    );
  });
});

describe('the TypeScript blocks of README.md and docs/', () => {
  const blocks = blocksOf(DOCS);

  it('are found (the checker looks where the code is)', () => {
    expect(blocks.filter((b) => b.doc === 'README.md').length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.filter((b) => b.marker.kind === 'file').map((b) => [`${b.doc}:${b.line}`, b] as const))(
    '%s is the file it names, character for character',
    (_where, block) => {
      const path = (block.marker as { path: string }).path;
      expect(block.code).toBe(readFileSync(path, 'utf8'));
    },
  );

  it(
    'type-check against the packed package as installed by a user',
    async () => {
      const env = nodeEnvironment();
      const scratch = await consumersScratch();
      const dir = await copyApp('docs-check', scratch, await packedTarball());
      // Type-checking needs no native module: no install scripts.
      const install = await runCommand(
        'npm',
        ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
        { cwd: dir, env, timeoutMs: 10 * MINUTE },
      );
      if (install.code !== 0) throw new Error(describeResult('npm install', install));

      const checked = blocks.filter((b) => b.marker.kind === 'complete');
      await rm(join(dir, 'blocks'), { recursive: true, force: true });
      await mkdir(join(dir, 'blocks'));
      // `export {}` keeps a block without imports a module of its own.
      for (const block of checked)
        await writeFile(join(dir, 'blocks', blockFileName(block)), `${block.code}export {};\n`);

      const tsc = await runCommand('npx', ['tsc', '-p', 'tsconfig.json', '--pretty', 'false'], {
        cwd: dir,
        env,
        timeoutMs: 5 * MINUTE,
      });
      if (tsc.code !== 0)
        throw new Error(
          `TypeScript blocks of the documentation that do not compile:\n${mapDiagnostics(tsc.output, checked)}`,
        );
      expect(checked.length).toBeGreaterThan(0);
    },
    20 * MINUTE,
  );
});
