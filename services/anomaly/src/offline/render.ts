/**
 * The offline detector's output: a table for people, and an SVG chart of
 * the count per bin over its band, storms and silences marked.
 */
import type { OfflineBin } from './detect.js';

const W = 1200;
const H = 420;
const PAD = { left: 64, right: 20, top: 36, bottom: 48 };
const COLOURS = { band: '#cfe3f7', mean: '#4a7ab5', count: '#222', storm: '#d62728', silence: '#9467bd', grid: '#e5e5e5' };

/** The bins as an aligned text table, one line per bin. */
export function table(bins: readonly OfflineBin[]): string {
  const num = (n: number | null) => (n === null ? '-' : n.toFixed(2)).padStart(10);
  const head = `${'start'.padEnd(22)}${'count'.padStart(8)}${'mean'.padStart(10)}${'lower'.padStart(10)}${'upper'.padStart(10)}  verdict`;
  const rows = bins.map((b) => `${b.start.padEnd(22)}${String(b.count).padStart(8)}${num(b.mean)}${num(b.lower)}${num(b.upper)}  ${b.verdict}`);
  return [head, ...rows].join('\n') + '\n';
}

/** An SVG line chart of `bins`: the band filled, the mean dashed, the count on top. */
export function chart(bins: readonly OfflineBin[], title: string): string {
  const top = niceCeiling(Math.max(1, ...bins.map((b) => Math.max(b.count, b.upper ?? 0))));
  const x = (i: number) => PAD.left + (bins.length <= 1 ? 0 : (i / (bins.length - 1)) * (W - PAD.left - PAD.right));
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const pt = (i: number, v: number) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
  const judged = bins.map((b, i) => [b, i] as const).filter(([b]) => b.upper !== null);
  const upper = judged.map(([b, i]) => pt(i, b.upper!));
  const lower = judged.map(([b, i]) => pt(i, b.lower!)).reverse();
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="22" font-size="15">${escapeXml(title)}</text>`,
    ...yAxis(top, y),
    ...xAxis(bins, x),
    judged.length > 0 ? `<polygon points="${[...upper, ...lower].join(' ')}" fill="${COLOURS.band}" stroke="none"/>` : '',
    `<polyline points="${judged.map(([b, i]) => pt(i, b.mean!)).join(' ')}" fill="none" stroke="${COLOURS.mean}" stroke-dasharray="4 3"/>`,
    `<polyline points="${bins.map((b, i) => pt(i, b.count)).join(' ')}" fill="none" stroke="${COLOURS.count}" stroke-width="1.2"/>`,
    ...bins.flatMap((b, i) => marker(b, pt(i, b.count))),
    ...legend(),
    '</svg>',
  ];
  return parts.filter((p) => p !== '').join('\n') + '\n';
}

function marker(b: OfflineBin, at: string): string[] {
  if (b.verdict !== 'storm' && b.verdict !== 'silence') return [];
  const [cx, cy] = at.split(',');
  return [`<circle cx="${cx}" cy="${cy}" r="3" fill="${COLOURS[b.verdict]}"><title>${b.verdict} ${b.start}: ${b.count}</title></circle>`];
}

function yAxis(top: number, y: (v: number) => number): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = (top * i) / 5;
    const py = y(v).toFixed(1);
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py}" y2="${py}" stroke="${COLOURS.grid}"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${formatCount(v)}</text>`);
  }
  out.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">messages per bin</text>`);
  return out;
}

function xAxis(bins: readonly OfflineBin[], x: (i: number) => number): string[] {
  if (bins.length === 0) return [];
  const out: string[] = [];
  const ticks = Math.min(8, bins.length);
  for (let t = 0; t < ticks; t++) {
    const i = ticks === 1 ? 0 : Math.round((t * (bins.length - 1)) / (ticks - 1));
    const px = x(i).toFixed(1);
    const label = bins[i]!.start.replace('T', ' ').replace(/:00Z$|Z$/, '');
    out.push(`<line x1="${px}" x2="${px}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom + 5}" stroke="#888"/>`);
    out.push(`<text x="${px}" y="${H - PAD.bottom + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">bin start (UTC)</text>`);
  return out;
}

function legend(): string[] {
  const items: Array<[string, string]> = [
    [COLOURS.count, 'count'], [COLOURS.mean, 'mean'], [COLOURS.band, 'band (mean ± k·sd)'],
    [COLOURS.storm, 'storm'], [COLOURS.silence, 'silence'],
  ];
  // About 7 px per character at font size 12, plus the swatch.
  const widths = items.map(([, name]) => 16 + name.length * 7 + 14);
  let lx = W - PAD.right - widths.reduce((a, b) => a + b, 0);
  return items.map(([colour, name], i) => {
    const out = `<rect x="${lx}" y="12" width="12" height="12" fill="${colour}"/><text x="${lx + 16}" y="22">${escapeXml(name)}</text>`;
    lx += widths[i]!;
    return out;
  });
}

// The first of 1, 1.5, 2, 3, 5, 7.5 or 10 times a power of ten at or above `v`.
function niceCeiling(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 3, 5, 7.5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function formatCount(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
