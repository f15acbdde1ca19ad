/**
 * The TypeScript blocks of the documentation (```ts or ```typescript fences in README.md and
 * docs/*.md), for test/docs/code-blocks.spec.ts. An HTML comment on the line right before a
 * fence says what kind of block it is (Markdown renders none of them):
 *
 * - none: a complete file. It is type-checked on its own against the packed package, as a module
 *   of an ESM application (`module: nodenext`, strict, decorators with metadata).
 * - `<!-- file: <path> -->`: the block is that file of the repository, character for character;
 *   the file is part of a consumer application, which compiles and runs it.
 * - `<!-- partial -->`: deliberately a fragment (a line to add to something shown before); not checked.
 */
import { readFileSync } from 'node:fs';

export type BlockKind = { kind: 'complete' } | { kind: 'file'; path: string } | { kind: 'partial' };

export interface DocBlock {
  /** The Markdown file, relative to the repository. */
  doc: string;
  /** 1-based line of the block's first code line in the Markdown file. */
  line: number;
  code: string;
  marker: BlockKind;
}

const FENCE_OPEN = /^\s*```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;
const MARKER = /^\s*<!--\s*(partial|file:\s*(\S+))\s*-->\s*$/;

/** Every ```ts / ```typescript block of a Markdown text, with the marker before it. */
export function extractBlocks(doc: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE_OPEN.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !FENCE_CLOSE.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`${doc}:${i + 1}: a TypeScript block that is never closed`);
    const before =
      lines
        .slice(0, i)
        .reverse()
        .find((line) => line.trim() !== '') ?? '';
    const match = MARKER.exec(before);
    const marker: BlockKind = !match
      ? { kind: 'complete' }
      : match[2]
        ? { kind: 'file', path: match[2] }
        : { kind: 'partial' };
    blocks.push({ doc, line: start + 1, code: `${lines.slice(start, end).join('\n')}\n`, marker });
    i = end;
  }
  return blocks;
}

/** The blocks of several Markdown files, read from disk. */
export function blocksOf(docs: string[]): DocBlock[] {
  return docs.flatMap((doc) => extractBlocks(doc, readFileSync(doc, 'utf8')));
}

/** A file name for a block: `README.md` line 35 -> `README.md-L35.ts`. */
export function blockFileName(block: DocBlock): string {
  return `${block.doc.replaceAll('/', '__')}-L${block.line}.ts`;
}

/**
 * Turn `blocks/README.md-L35.ts(12,5): error TS2304: ...` into `README.md:46:5: error TS2304: ...`,
 * so a failure names the line of the documentation.
 */
export function mapDiagnostics(output: string, blocks: DocBlock[]): string {
  const byFile = new Map(blocks.map((block) => [blockFileName(block), block]));
  return output.replace(
    /(?:^|\n)blocks\/([^(\s]+)\((\d+),(\d+)\)/g,
    (whole, file: string, line: string, column: string) => {
      const block = byFile.get(file);
      if (!block) return whole;
      return `${whole.startsWith('\n') ? '\n' : ''}${block.doc}:${block.line + Number(line) - 1}:${column}`;
    },
  );
}
