#!/usr/bin/env node
/**
 * `npm run bench`: compiles the library and the benchmark with tsc (decorator metadata needs it)
 * into a git-ignored folder of its own under `.build/` (`.build/bench-<pid>`, removed at the end,
 * so two benchmarks started from one checkout never rebuild each other's files), then runs the
 * benchmark in a fresh Node process. Arguments are passed through: `npm run bench -- --smoke`,
 * `npm run bench -- --only=throughput`.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const out = join('.build', `bench-${process.pid}`);
const clean = () => rmSync(join(root, out), { recursive: true, force: true });
// A clean build every time: what runs is exactly the sources, never an output left from before.
clean();
console.log(`bench: compiling (tsc -p bench/tsconfig.json --outDir ${out})`);
const tsc = spawnSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', 'bench/tsconfig.json', '--outDir', out],
  { stdio: 'inherit' },
);
// tsc exits with 2 when it reported type errors but still wrote the JavaScript.
if (tsc.status === 2) console.warn('bench: tsc reported type errors (above); running the emitted JavaScript anyway');
else if (tsc.status !== 0) {
  clean();
  process.exit(tsc.status ?? 1);
}
// --expose-gc: the recurring-definitions scenario collects garbage before reading the heap.
const main = join(out, 'bench', 'main.js');
const { status, signal } = spawnSync(process.execPath, ['--expose-gc', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
clean();
process.exit(status ?? (signal ? 1 : 0));
