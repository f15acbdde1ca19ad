/**
 * What compiled JavaScript imports, read with the TypeScript parser: the module specifiers of
 * static imports and re-exports, `import('literal')` and `require('literal')`, and whether a
 * file has a top-level `await` (which `require(esm)` refuses).
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export interface ModuleImport {
  specifier: string;
  /** `static` (import/export ... from), `dynamic` (import()) or `require`. */
  kind: 'static' | 'dynamic' | 'require';
}

export function parseJs(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
}

export function importsOf(source: ts.SourceFile): ModuleImport[] {
  const found: ModuleImport[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, kind: 'static' });
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword)
        found.push({ specifier: node.arguments[0].text, kind: 'dynamic' });
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require')
        found.push({ specifier: node.arguments[0].text, kind: 'require' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`), or null for relative paths and Node builtins. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtinModules.includes(name) ? null : name;
}

/** Line:column of every top-level `await` (or `for await`) in the file, outside any function. */
export function topLevelAwaits(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const where = (node: ts.Node) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${line + 1}:${character + 1}`;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) found.push(where(node));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every `.js` file under `dir`, as absolute paths. */
export async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

/**
 * The files `require(entry)` loads: the entry and, transitively, the relative modules it imports
 * statically (`import()` is left out: it runs later, asynchronously).
 */
export async function staticGraph(entry: string): Promise<Map<string, ts.SourceFile>> {
  const graph = new Map<string, ts.SourceFile>();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const source = parseJs(file, await readFile(file, 'utf8'));
    graph.set(file, source);
    for (const { specifier, kind } of importsOf(source)) {
      if (kind === 'static' && specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
    }
  }
  return graph;
}
