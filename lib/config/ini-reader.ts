/**
 * A small reader for `scheduler.ini` files. The format is the classic one:
 *
 * ```ini
 * ; a comment (also '#')
 * [section name]
 * key = value        ; "key: value" works too; the value runs to the end of the line
 *     continued      ; an indented line continues the previous value (joined with a newline)
 * ```
 *
 * The reader keeps the line of every section and key, so each problem names its file, section
 * and line. A section with a problem is reported and left out; the others are kept.
 */

/** One `key = value` of a section. */
export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

/** One `[name]` section with its entries, in file order. */
export interface IniSection {
  name: string;
  line: number;
  entries: IniEntry[];
}

/** Something wrong in a file, located well enough to be fixed. */
export interface IniProblem {
  file: string;
  /** The section it concerns, or null for a line outside any section. */
  section: string | null;
  line: number;
  message: string;
}

export interface IniDocument {
  file: string;
  /** The sections without problems, in file order. */
  sections: IniSection[];
  problems: IniProblem[];
}

/** `file:line: [section] message`, the way compilers report. */
export function formatIniProblem(problem: IniProblem): string {
  return `${problem.file}:${problem.line}: ${problem.section === null ? '' : `[${problem.section}] `}${problem.message}`;
}

const SECTION = /^\[(.*)\]$/;

/** Parse `text` (the content of `file`). Never throws: every problem is in the result. */
export function readIni(text: string, file: string): IniDocument {
  const problems: IniProblem[] = [];
  const sections: IniSection[] = [];
  const firstLine = new Map<string, number>();
  const bad = new Set<IniSection>();
  let current: IniSection | null = null;
  let last: IniEntry | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);

  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    const report = (message: string) => {
      problems.push({ file, section: current?.name ?? null, line, message });
      if (current) bad.add(current);
    };
    if (trimmed === '') {
      last = null; // a blank line ends a continued value
      return;
    }
    if (trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    if (/^\s/.test(raw) && last !== null) {
      last.value = last.value === '' ? trimmed : `${last.value}\n${trimmed}`;
      return;
    }
    last = null;
    const header = SECTION.exec(trimmed);
    if (header) {
      const name = header[1].trim();
      current = { name, line, entries: [] };
      if (name === '') {
        problems.push({ file, section: null, line, message: 'a section needs a name between the brackets' });
        bad.add(current);
        return;
      }
      const first = firstLine.get(name);
      if (first !== undefined) {
        report(`duplicate section (first at line ${first}): neither is used`);
        for (const other of sections) if (other.name === name) bad.add(other);
      } else {
        firstLine.set(name, line);
      }
      sections.push(current);
      return;
    }
    const separator = trimmed.search(/[=:]/);
    if (separator < 0) {
      report(`expected "key = value" or "[section]", got ${JSON.stringify(trimmed)}`);
      return;
    }
    const key = trimmed.slice(0, separator).trim();
    const value = trimmed.slice(separator + 1).trim();
    if (current === null) {
      report(`"${key || trimmed}" is outside any section: put it under a [section] header`);
      return;
    }
    if (key === '') {
      report(`a value without a key: ${JSON.stringify(trimmed)}`);
      return;
    }
    const previous = current.entries.find((entry) => entry.key === key);
    if (previous) {
      report(`duplicate key "${key}" (first at line ${previous.line})`);
      return;
    }
    last = { key, value, line };
    current.entries.push(last);
  });
  return { file, sections: sections.filter((section) => !bad.has(section)), problems };
}

/** A section to write: its name, an optional comment above it, and its entries in order. */
export interface IniSectionOut {
  name: string;
  comment?: string[];
  entries: [key: string, value: string][];
}

/**
 * Write sections in the format `readIni` reads. A value with line breaks is written as
 * indented continuation lines; blank lines inside a value are dropped (a blank line ends a value).
 */
export function writeIni(sections: IniSectionOut[], header: string[] = []): string {
  const out: string[] = header.map((line) => (line === '' ? ';' : `; ${line}`));
  for (const section of sections) {
    if (out.length > 0) out.push('');
    for (const line of section.comment ?? []) out.push(line === '' ? ';' : `; ${line}`);
    out.push(`[${section.name}]`);
    for (const [key, value] of section.entries) {
      const [first, ...rest] = value
        .split(/\r\n|\n|\r/)
        .map((part) => part.trim())
        .filter((part, i) => i === 0 || part !== '');
      out.push(first === '' ? `${key} =` : `${key} = ${first}`);
      for (const part of rest) out.push(`    ${part}`);
    }
  }
  return `${out.join('\n')}\n`;
}
