import { Writable } from 'node:stream';
import { formatElapsed, ProgressBar, table } from '../../lib/cli/format.js';
import { formatCount } from '../../lib/service/overview.js';

/** A stream that keeps what is written, posing as a terminal or not. */
function stream(isTTY: boolean) {
  const chunks: string[] = [];
  const out = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) }) as Writable & {
    isTTY?: boolean;
    columns?: number;
  };
  out.isTTY = isTTY;
  out.columns = 60;
  return { out, text: () => chunks.join('') };
}

describe('command output', () => {
  it('aligns table columns on the widest cell', () => {
    expect(
      table(
        ['NAME', 'STATUS', 'NOTE'],
        [
          ['a', 'COMPLETED', ''],
          ['long.name', 'FAILED', 'x'],
        ],
      ),
    ).toBe('NAME       STATUS     NOTE\na          COMPLETED\nlong.name  FAILED     x');
  });

  it.each([
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [245_000, '4 min 5 s'],
    [7_380_000, '2 h 3 min'],
    [null, '-'],
  ])('formats %p ms as %p', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it.each([
    [0, undefined, '0'],
    [1234, undefined, '1,234'],
    [10_000, 10_000, '10,000'],
    [10_001, 10_000, '10,000+'],
  ])('writes the count %p (cap %p) as %p, as the dashboard does', (n, cap, text) => {
    expect(formatCount(n, cap)).toBe(text);
  });

  it('draws a progress bar in place on a terminal, and nothing in a pipe', async () => {
    const tty = stream(true);
    const bar = new ProgressBar(tty.out, 200, 'pruning');
    bar.update(50, true);
    bar.finish(200);
    expect(tty.text()).toBe(
      `\rpruning [#####...............]  25% 50/200\rpruning [####################] 100% 200/200\n`,
    );
    const pipe = stream(false);
    const quiet = new ProgressBar(pipe.out, 200, 'pruning');
    quiet.update(50, true);
    quiet.finish(200);
    expect(pipe.text()).toBe('');
  });
});
