/**
 * A small hand-written SVG line chart for the sustained scenario: per-second throughput and
 * worker RSS of each system, one panel each, sharing the time axis. No dependencies.
 */

export interface ChartLine {
  label: string;
  /** x (seconds) and y pairs. */
  points: [number, number][];
}

export interface ChartPanel {
  title: string;
  unit: string;
  lines: ChartLine[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const WIDTH = 760;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, right: 180, top: 30, bottom: 40 };

const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A round step for about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const label = (value: number) => (value >= 1000 ? value.toLocaleString('en-US') : String(Math.round(value * 10) / 10));

function panel(p: ChartPanel, top: number, xMax: number, caption: string | null): string[] {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const yMaxRaw = Math.max(1, ...p.lines.flatMap((l) => l.points.map(([, y]) => y)));
  const yStep = niceStep(yMaxRaw, 4);
  const yMax = Math.ceil(yMaxRaw / yStep) * yStep;
  const xStep = niceStep(xMax, 8);
  const x = (v: number) => MARGIN.left + (v / xMax) * plotW;
  const y = (v: number) => top + MARGIN.top + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<text x="${MARGIN.left}" y="${top + 18}" font-size="14" font-weight="bold">${escape(p.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${label(v)}</text>`,
    );
  }
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    out.push(
      `<text x="${x(v).toFixed(1)}" y="${top + MARGIN.top + plotH + 15}" font-size="11" text-anchor="middle">${label(v)}</text>`,
    );
  }
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${top + PANEL_HEIGHT - 6}" font-size="11" text-anchor="middle">${escape(caption ?? 'seconds since the first handler start')}</text>`,
    `<text x="16" y="${top + MARGIN.top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 16 ${top + MARGIN.top + plotH / 2})">${escape(p.unit)}</text>`,
  );
  p.lines.forEach((line, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const d = line.points.map(([px, py], j) => `${j ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const ly = top + MARGIN.top + 14 + i * 18;
    out.push(
      `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${WIDTH - MARGIN.right + 38}" y="${ly}" font-size="11">${escape(line.label)}</text>`,
    );
  });
  return out;
}

/** The panels stacked, with a title and a note line (date, machine, load) at the top. */
export function lineChart(title: string, note: string, panels: ChartPanel[]): string {
  const xMax = Math.max(1, ...panels.flatMap((p) => p.lines.flatMap((l) => l.points.map(([px]) => px))));
  const height = 50 + panels.length * PANEL_HEIGHT;
  const body = panels.flatMap((p, i) => panel(p, 50 + i * PANEL_HEIGHT, xMax, null));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="${MARGIN.left}" y="38" font-size="11" fill="#555">${escape(note)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
