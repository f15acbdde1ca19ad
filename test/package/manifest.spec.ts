/**
 * The packed package's manifest against its own code: whatever the compiled library imports at
 * run time is declared, the tarball holds what users need and nothing else, and the modules a
 * CommonJS application loads with `require()` have no top-level await.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { packedManifest, unpackedPackage } from './support/consumer.js';
import { importsOf, jsFiles, packageOf, parseJs, staticGraph, topLevelAwaits } from './support/module-graph.js';
import { readdir } from 'node:fs/promises';

const BUILD_MS = 180_000;

describe('the packed package', () => {
  it(
    'declares every package its JavaScript imports in dependencies or peerDependencies',
    async () => {
      const root = await unpackedPackage();
      const manifest = await packedManifest();
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const undeclared: string[] = [];
      const imported = new Set<string>();
      for (const file of await jsFiles(join(root, 'dist'))) {
        for (const { specifier, kind } of importsOf(parseJs(file, await readFile(file, 'utf8')))) {
          const name = packageOf(specifier);
          if (name === null) continue;
          imported.add(name);
          if (!declared.has(name)) undeclared.push(`${relative(root, file)}: ${kind} import of '${specifier}'`);
        }
      }
      expect(undeclared).toEqual([]);
      // The scan sees the imports it is meant to see (a scan finding nothing would pass too).
      expect([...imported]).toEqual(expect.arrayContaining(['@nestjs/common', 'typeorm', 'croner', 'better-sqlite3']));
    },
    BUILD_MS,
  );

  it(
    'declares what only runs at run time as dependencies, the host application’s packages as peers, the drivers as optional peers',
    async () => {
      const manifest = await packedManifest();
      expect(manifest.dependencies).toEqual({ croner: expect.any(String) });
      expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(
        [
          '@nestjs/common',
          '@nestjs/core',
          '@nestjs/terminus',
          '@nestjs/typeorm',
          '@opentelemetry/api',
          'better-sqlite3',
          'mysql2',
          'pg',
          'reflect-metadata',
          'rxjs',
          'typeorm',
        ].sort(),
      );
      expect(manifest.peerDependenciesMeta).toEqual({
        '@nestjs/terminus': { optional: true },
        '@opentelemetry/api': { optional: true },
        'better-sqlite3': { optional: true },
        mysql2: { optional: true },
        pg: { optional: true },
      });
      // The repository's own tests run against every peer, at a version the peer range accepts.
      for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
        expect([name, manifest.devDependencies?.[name]]).toEqual([name, range]);
      }
    },
    BUILD_MS,
  );

  it(
    'ships the compiled library with its declarations, README, CHANGELOG and LICENSE, and no tests, sample, sources or source maps',
    async () => {
      const root = await unpackedPackage();
      const files = (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)));
      expect(files).toEqual(
        expect.arrayContaining([
          'package.json',
          'README.md',
          'CHANGELOG.md',
          'LICENSE',
          'dist/lib/index.js',
          'dist/lib/index.d.ts',
          'dist/lib/testing/index.js',
          'dist/lib/testing/index.d.ts',
          'dist/lib/terminus/index.js',
          'dist/lib/terminus/index.d.ts',
          'dist/lib/cli/main.js',
        ]),
      );
      const unexpected = files.filter(
        (f) =>
          !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(f) &&
          !/^dist\/lib\/.+\.(js|d\.ts)$/.test(f),
      );
      expect(unexpected).toEqual([]);
      const manifest = await packedManifest();
      expect(manifest.bin).toEqual({ kronos: './dist/lib/cli/main.js' });
      expect((await readFile(join(root, 'dist/lib/cli/main.js'), 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(
        true,
      );
    },
    BUILD_MS,
  );

  it.each(['dist/lib/index.js', 'dist/lib/testing/index.js'])(
    'has no top-level await in the modules that require(%s) loads',
    async (entry) => {
      const root = await unpackedPackage();
      const graph = await staticGraph(join(root, entry));
      const awaits = [...graph].flatMap(([file, source]) =>
        topLevelAwaits(source).map((at) => `${relative(root, file)}:${at}`),
      );
      expect(awaits).toEqual([]);
      expect(graph.size).toBeGreaterThan(entry.includes('testing') ? 1 : 20);
    },
    BUILD_MS,
  );

  it(
    'imports @nestjs/terminus, an optional peer, in nestjs-kronos/terminus only: no other module loads it',
    async () => {
      const root = await unpackedPackage();
      const importers: string[] = [];
      for (const file of await jsFiles(join(root, 'dist'))) {
        const imports = importsOf(parseJs(file, await readFile(file, 'utf8')));
        if (imports.some(({ specifier }) => packageOf(specifier) === '@nestjs/terminus'))
          importers.push(relative(root, file));
      }
      expect(importers).toEqual(['dist/lib/terminus/kronos-health.indicator.js']);
      // Nor does the root entry point reach the subpath's modules.
      const graph = await staticGraph(join(root, 'dist/lib/index.js'));
      expect(
        [...graph.keys()].map((file) => relative(root, file)).filter((file) => file.startsWith('dist/lib/terminus/')),
      ).toEqual([]);
    },
    BUILD_MS,
  );
});
