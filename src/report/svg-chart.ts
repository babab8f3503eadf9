/**
 * Charts as SVG text: per-round line charts (with an optional confidence band and a reference
 * line) and stacked bar charts, with axes, ticks, labels and a legend. Written by hand so the
 * same SVG is inlined in the HTML page and rasterised to PNG without a browser.
 */
import { formatNumber, integerTicks, niceTicks } from './ticks';

export interface Point {
  x: number;
  y: number;
}

/** A shaded interval per x, e.g. a 95% confidence interval. */
export interface Band {
  name: string;
  points: Array<{ x: number; low: number; high: number }>;
}

export interface LineSeries {
  name: string;
  points: Point[];
  band?: Band;
}

export interface LineChart {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Values the y axis must include (e.g. 0 and 1 for a rate). */
  yInclude?: number[];
  /** A horizontal line to read the series against (e.g. chance at 0.5). */
  reference?: { y: number; label: string };
  /** What an x value is called in a point's tooltip (default "round"). */
  xName?: string;
}

export interface BarChart {
  kind: 'bars';
  title: string;
  xLabel: string;
  yLabel: string;
  /** The x value (round) of each bar. */
  categories: number[];
  /** One stack segment per name, a value per category. */
  stacks: Array<{ name: string; values: number[] }>;
}

export type Chart = LineChart | BarChart;

export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 420;
const M = { left: 76, right: 24, top: 64, bottom: 52 };
const FONT = "'DejaVu Sans', Verdana, sans-serif";
/** Tableau 10: distinct, colour-blind-tolerant colours. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];

export const colorOf = (i: number): string => PALETTE[i % PALETTE.length] as string;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fmt = (v: number) => Number(v.toFixed(2)).toString();

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  parts: string[];
}

/** Renders a chart; `emptyNote` is shown instead of data when the chart has none. */
export function renderSvg(chart: Chart, emptyNote = 'no data recorded'): string {
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="${FONT}">`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="16" font-weight="bold" fill="#222">${escapeXml(chart.title)}</text>`,
  ];
  const body = chart.kind === 'line' ? lineBody(chart) : barBody(chart);
  if (!body) parts.push(emptyBody(emptyNote));
  else parts.push(body);
  parts.push('</svg>');
  return parts.join('\n');
}

/** A framed plot area with the note, wrapped, in its middle: no axes that would suggest data. */
function emptyBody(note: string): string {
  const w = CHART_WIDTH - M.left - M.right;
  const h = CHART_HEIGHT - M.top - M.bottom;
  const lines: string[] = [];
  for (const word of note.split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + word.length < 64) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  const top = M.top + h / 2 - ((lines.length - 1) * 20) / 2;
  const text = lines
    .map((l, i) => `<tspan x="${M.left + w / 2}" y="${top + i * 20}">${escapeXml(l)}</tspan>`)
    .join('');
  return [
    `<rect x="${M.left}" y="${M.top}" width="${w}" height="${h}" fill="#fafafa" stroke="#ddd"/>`,
    `<text class="empty" text-anchor="middle" font-size="14" fill="#666">${text}</text>`,
  ].join('\n');
}

function xDomain(xs: number[]): [number, number] {
  return [Math.min(...xs) - 0.5, Math.max(...xs) + 0.5];
}

/** Axes, grid, ticks and labels for the given domains; returns the scales. */
function axisFrame(chart: Chart, xd: [number, number], yd: [number, number]): Frame {
  const w = CHART_WIDTH - M.left - M.right;
  const h = CHART_HEIGHT - M.top - M.bottom;
  const yTicks = niceTicks(yd[0], yd[1], 5);
  const y0 = yTicks[0] as number;
  const y1 = yTicks[yTicks.length - 1] as number;
  const x = (v: number) => M.left + ((v - xd[0]) / (xd[1] - xd[0])) * w;
  const y = (v: number) => M.top + h - ((v - y0) / (y1 - y0)) * h;
  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(
      `<line x1="${M.left}" x2="${M.left + w}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#e6e6e6"/>`,
      `<text x="${M.left - 8}" y="${fmt(y(t) + 4)}" text-anchor="end" font-size="12" fill="#444">${formatNumber(t)}</text>`,
    );
  }
  for (const t of integerTicks(Math.ceil(xd[0]), Math.floor(xd[1]))) {
    parts.push(
      `<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${M.top + h}" y2="${M.top + h + 5}" stroke="#444"/>`,
      `<text x="${fmt(x(t))}" y="${M.top + h + 19}" text-anchor="middle" font-size="12" fill="#444">${t}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${M.left + w}" y1="${M.top + h}" y2="${M.top + h}" stroke="#444"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + h}" stroke="#444"/>`,
    `<text x="${M.left + w / 2}" y="${CHART_HEIGHT - 10}" text-anchor="middle" font-size="13" fill="#222">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${M.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#222">${escapeXml(chart.yLabel)}</text>`,
  );
  return { x, y, parts };
}

/** A row of legend entries under the title; `kind` picks the swatch. */
function legend(
  entries: Array<{ name: string; color: string; kind: 'line' | 'band' | 'box' | 'dash' }>,
): string {
  let at = M.left;
  const out: string[] = [];
  for (const e of entries) {
    const y = 44;
    if (e.kind === 'line') {
      out.push(
        `<line x1="${at}" x2="${at + 18}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="2.5"/>`,
        `<circle cx="${at + 9}" cy="${y}" r="3.5" fill="${e.color}"/>`,
      );
    } else if (e.kind === 'dash') {
      out.push(
        `<line x1="${at}" x2="${at + 18}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      );
    } else {
      const opacity = e.kind === 'band' ? ' fill-opacity="0.22"' : '';
      out.push(`<rect x="${at}" y="${y - 6}" width="18" height="12" fill="${e.color}"${opacity}/>`);
    }
    out.push(`<text x="${at + 24}" y="${y + 4}" font-size="12" fill="#333">${escapeXml(e.name)}</text>`);
    // DejaVu Sans at 12px averages about 7px per character.
    at += 24 + e.name.length * 7 + 18;
  }
  return `<g class="legend">${out.join('')}</g>`;
}

function lineBody(chart: LineChart): string | undefined {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  if (xs.length === 0) return undefined;
  const ys = chart.series.flatMap((s) => [
    ...s.points.map((p) => p.y),
    ...(s.band?.points.flatMap((b) => [b.low, b.high]) ?? []),
  ]);
  ys.push(...(chart.yInclude ?? []), ...(chart.reference ? [chart.reference.y] : []));
  const frame = axisFrame(chart, xDomain(xs), [Math.min(...ys), Math.max(...ys)]);
  const { x, y } = frame;
  const parts = [...frame.parts];
  const entries: Parameters<typeof legend>[0] = [];
  if (chart.reference) {
    const r = chart.reference;
    parts.push(
      `<line class="reference" x1="${M.left}" x2="${CHART_WIDTH - M.right}" y1="${fmt(y(r.y))}" y2="${fmt(y(r.y))}" stroke="#888" stroke-dasharray="4 3"/>`,
    );
  }
  chart.series.forEach((s, i) => {
    const color = colorOf(i);
    entries.push({ name: s.name, color, kind: 'line' });
    if (s.band && s.band.points.length > 0) {
      const pts = [...s.band.points].sort((a, b) => a.x - b.x);
      // One point has no width: give a lone interval the width of a point marker.
      const half = pts.length === 1 ? 6 : 0;
      const upper = pts.map((p, k) => `${k ? 'L' : 'M'}${fmt(x(p.x) - half)} ${fmt(y(p.high))}`);
      if (half) upper.push(`L${fmt(x(pts[0]!.x) + half)} ${fmt(y(pts[0]!.high))}`);
      const lower = [...pts].reverse().map((p) => `L${fmt(x(p.x) + half)} ${fmt(y(p.low))}`);
      if (half) lower.push(`L${fmt(x(pts[0]!.x) - half)} ${fmt(y(pts[0]!.low))}`);
      parts.push(
        `<path class="band" d="${[...upper, ...lower].join(' ')} Z" fill="${color}" fill-opacity="0.22" stroke="none"/>`,
      );
      entries.push({ name: s.band.name, color, kind: 'band' });
    }
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      parts.push(
        `<path d="${pts.map((p, k) => `${k ? 'L' : 'M'}${fmt(x(p.x))} ${fmt(y(p.y))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"/>`,
      );
    }
    for (const p of pts) {
      parts.push(
        `<circle class="point" data-series="${escapeXml(s.name)}" data-x="${p.x}" data-y="${p.y}" cx="${fmt(x(p.x))}" cy="${fmt(y(p.y))}" r="4" fill="${color}"><title>${escapeXml(s.name)}, ${escapeXml(chart.xName ?? 'round')} ${formatNumber(p.x)}: ${formatNumber(p.y)}</title></circle>`,
      );
    }
  });
  if (chart.reference) entries.push({ name: chart.reference.label, color: '#888', kind: 'dash' });
  parts.push(legend(entries));
  return parts.join('\n');
}

function barBody(chart: BarChart): string | undefined {
  const stacks = chart.stacks.filter((s) => s.values.some((v) => v > 0));
  if (chart.categories.length === 0 || stacks.length === 0) return undefined;
  const totals = chart.categories.map((_, i) => stacks.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const frame = axisFrame(chart, xDomain(chart.categories), [0, Math.max(...totals)]);
  const { x, y } = frame;
  const parts = [...frame.parts];
  const slot = x(1) - x(0);
  const width = Math.min(60, slot * 0.6);
  chart.categories.forEach((c, i) => {
    let base = 0;
    stacks.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return;
      const top = y(base + v);
      parts.push(
        `<rect class="bar" data-series="${escapeXml(s.name)}" data-x="${c}" data-y="${v}" x="${fmt(x(c) - width / 2)}" y="${fmt(top)}" width="${fmt(width)}" height="${fmt(y(base) - top)}" fill="${colorOf(k)}"><title>${escapeXml(s.name)}, round ${c}: ${formatNumber(v)}</title></rect>`,
      );
      base += v;
    });
  });
  parts.push(legend(stacks.map((s, k) => ({ name: s.name, color: colorOf(k), kind: 'box' as const }))));
  return parts.join('\n');
}
