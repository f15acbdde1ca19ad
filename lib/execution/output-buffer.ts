import { inspect } from 'node:util';

/** The web2py idiom: a logged line `!clear!` clears the output written before it. */
export const CLEAR_MARKER = '!clear!';

/** Where a running handler's output goes: the run's buffer, or the channel to the parent process. */
export interface OutputSink {
  /** Append one line built from `ctx.log(...)` arguments. */
  log(args: unknown[]): void;
  /** Append a block of text (e.g. a Result's output). */
  appendBlock(text: string): void;
}

/** One output line built like `console.log` does. */
export function formatLogLine(args: unknown[]): string {
  return args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 4 }))).join(' ');
}

/** Output of one run: appended lines, `!clear!` handling, bounded to its tail. */
export class OutputBuffer implements OutputSink {
  private text = '';
  private dirty = false;

  constructor(private readonly maxBytes: number) {}

  /** Append one line built like `console.log` does. */
  log(args: unknown[]): void {
    const line = formatLogLine(args);
    const cleared = line.lastIndexOf(CLEAR_MARKER);
    if (cleared >= 0) {
      this.text = '';
      this.append(line.slice(cleared + CLEAR_MARKER.length).replace(/^\s+/, ''));
    } else {
      this.append(line);
    }
    this.dirty = true;
  }

  /** Append a block of text (e.g. a Result's output). */
  appendBlock(text: string): void {
    this.append(text);
    this.dirty = true;
  }

  value(): string | null {
    return this.text === '' ? null : this.text;
  }

  /** True once after each change: the periodic sync writes only what changed. */
  takeDirty(): boolean {
    const was = this.dirty;
    this.dirty = false;
    return was;
  }

  private append(line: string): void {
    if (line === '') return;
    this.text = this.text === '' ? line : `${this.text}\n${line}`;
    if (Buffer.byteLength(this.text) > this.maxBytes) {
      const tail = Buffer.from(this.text)
        .subarray(-this.maxBytes + 40)
        .toString('utf8');
      this.text = `[... earlier output truncated ...]\n${tail.slice(tail.indexOf('\n') + 1)}`;
    }
  }
}
