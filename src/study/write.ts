/**
 * The study's outputs: CSV tables of every measured point, a markdown page with the preset table
 * and the sweep table, and charts of the gold and proxy figures against KL (SVG and PNG, drawn by
 * the report's chart code).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JUDGE_FLAWS } from '../demo/gold';
import { toCsv, type Cell } from '../report/csv';
import { svgToPng } from '../report/png';
import { CHART_WIDTH, renderSvg, type LineChart, type LineSeries } from '../report/svg-chart';
import type { StudyResult, StudyRow } from './sweep';

/** The columns of both CSV tables, in order. */
export const STUDY_COLUMNS: ReadonlyArray<keyof StudyRow> = [
  'preset',
  'beta',
  'round',
  'kl',
  'judgeWinRate',
  'judgeWinLow',
  'judgeWinHigh',
  'goldWinRate',
  'goldWinLow',
  'goldWinHigh',
  'goldQuality',
  'judgeQuality',
  'judgeGoldAgreement',
  'rewardModelAgreement',
  'rewardModelGoldAgreement',
];

const PRESET_NAMES: Record<StudyRow['preset'], string> = {
  classic: 'classic RLAIF (reward model + policy gradient)',
  direct: 'd-RLAIF (judge score as reward)',
  dpo: 'DPO on the judged pairs',
};

function csvOf(rows: readonly StudyRow[]): string {
  return toCsv(
    [...STUDY_COLUMNS],
    rows.map((r) => STUDY_COLUMNS.map((k) => r[k] as Cell)),
  );
}

const f3 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));
const withCI = (v: number, low: number, high: number) => `${f3(v)} [${f3(low)}, ${f3(high)}]`;

/** A markdown table with its columns padded to one width, as the project's formatter writes them. */
function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The markdown page: how it was made, the presets side by side, then every sweep point. */
export function studyMarkdown(result: StudyResult, meta: { seed: number; command: string }): string {
  const presetTable = markdownTable(
    [
      'preset',
      'β',
      'rounds',
      'KL',
      'win rate (judge)',
      'win rate (gold)',
      'judge–gold agreement',
      'RM–gold agreement',
    ],
    result.presets.map((r) => [
      PRESET_NAMES[r.preset],
      String(r.beta),
      String(r.round),
      r.kl.toFixed(2),
      withCI(r.judgeWinRate, r.judgeWinLow, r.judgeWinHigh),
      withCI(r.goldWinRate, r.goldWinLow, r.goldWinHigh),
      f3(r.judgeGoldAgreement),
      f3(r.rewardModelGoldAgreement),
    ]),
  );
  const sweepTable = markdownTable(
    [
      'β',
      'round',
      'KL',
      'win (judge)',
      'win (gold)',
      'quality (judge)',
      'quality (gold)',
      'judge–gold',
      'RM–judge',
      'RM–gold',
    ],
    result.sweep.map((r) => [
      String(r.beta),
      String(r.round),
      r.kl.toFixed(2),
      f3(r.judgeWinRate),
      f3(r.goldWinRate),
      r.judgeQuality.toFixed(2),
      r.goldQuality.toFixed(2),
      f3(r.judgeGoldAgreement),
      f3(r.rewardModelAgreement),
      f3(r.rewardModelGoldAgreement),
    ]),
  );
  return [
    '# Over-optimization study',
    '',
    `Made by \`${meta.command}\` with seed ${meta.seed}; the same seed gives the same figures.`,
    'Win rates are against the initial policy on the held-out prompts, one sample each, with 95%',
    "Wilson intervals: _judge_ is the AI judge the policy was trained on (the proxy), _gold_ the demo world's",
    'gold standard (src/demo/gold.ts), which plays the human rater. The judge differs from gold by:',
    '',
    ...JUDGE_FLAWS.map((flaw) => `- ${flaw}`),
    '',
    '## Presets side by side',
    '',
    ...presetTable,
    '',
    '## KL sweep (classic preset)',
    '',
    ...studyCharts(result).map(({ id, chart }) => `![${chart.title}](${id}.svg)`),
    '',
    'Each round of each run is a point: KL to the initial policy (nats per response), the win rates,',
    'the mean quality of the policy’s samples by the judge and by gold (same units), the judge’s',
    'agreement with gold on the round’s training labels, and the reward model’s agreement with the',
    'judge and with gold on its held-out pairs.',
    '',
    ...sweepTable,
    '',
  ].join('\n');
}

/** One series per β: that run's rounds, each at its KL, so a line follows one run as it drifts. */
function perBeta(
  rows: readonly StudyRow[],
  key: 'goldWinRate' | 'judgeWinRate' | 'goldQuality' | 'judgeQuality',
): LineSeries[] {
  const betas = [...new Set(rows.map((r) => r.beta))];
  return betas.map((beta) => ({
    name: `β = ${beta}`,
    points: rows.filter((r) => r.beta === beta).map((r) => ({ x: r.kl, y: r[key] })),
  }));
}

/**
 * The study's charts, one per measure so each β keeps one colour throughout: win rate by gold and
 * by the judge, and mean quality by gold and by the judge, each against KL. The pairs share their
 * y range, so gold and proxy read side by side.
 */
export function studyCharts(result: StudyResult): Array<{ id: string; chart: LineChart }> {
  const rows = result.sweep;
  const range = (keys: Array<keyof StudyRow>) => {
    const ys = rows.flatMap((r) => keys.map((k) => r[k] as number)).filter(Number.isFinite);
    return [Math.min(...ys), Math.max(...ys)];
  };
  const kl = { xLabel: 'KL to the initial policy (nats per response)', xName: 'KL' };
  const win = (key: 'goldWinRate' | 'judgeWinRate', by: string): LineChart => ({
    kind: 'line',
    title: `Win rate against the initial policy by ${by}, against KL`,
    ...kl,
    yLabel: `win rate vs initial (${by})`,
    series: perBeta(rows, key),
    reference: { y: 0.5, label: 'no better (0.5)' },
    yInclude: [0.5, 1, ...range(['goldWinRate', 'judgeWinRate'])],
  });
  const quality = (key: 'goldQuality' | 'judgeQuality', by: string): LineChart => ({
    kind: 'line',
    title: `Mean quality of the policy's samples by ${by}, against KL`,
    ...kl,
    yLabel: `mean quality (${by})`,
    series: perBeta(rows, key),
    yInclude: [0, ...range(['goldQuality', 'judgeQuality'])],
  });
  return [
    { id: 'win-rate-gold-vs-kl', chart: win('goldWinRate', 'gold (people)') },
    { id: 'win-rate-judge-vs-kl', chart: win('judgeWinRate', 'the judge (proxy)') },
    { id: 'quality-gold-vs-kl', chart: quality('goldQuality', 'gold (people)') },
    { id: 'quality-judge-vs-kl', chart: quality('judgeQuality', 'the judge (proxy)') },
  ];
}

/** Writes study.md, sweep.csv, presets.csv and each chart as SVG and PNG; returns the file names. */
export async function writeStudy(
  result: StudyResult,
  dir: string,
  meta: { seed: number; command: string },
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const put = async (name: string, content: string | Uint8Array) => {
    await writeFile(path.join(dir, name), content);
    files.push(name);
  };
  await put('sweep.csv', csvOf(result.sweep));
  await put('presets.csv', csvOf(result.presets));
  await put('study.md', studyMarkdown(result, meta));
  for (const { id, chart } of studyCharts(result)) {
    const svg = renderSvg(chart);
    await put(`${id}.svg`, svg);
    await put(`${id}.png`, await svgToPng(svg, CHART_WIDTH));
  }
  return files;
}
