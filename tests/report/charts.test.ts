/** The report's builders on known data: CSV rows, SVG points and bands, PNG bytes, stage times, the page. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toCsv } from '../../src/report/csv';
import { buildFigures, roundsTable, stageTimesTable } from '../../src/report/figures';
import { pngSize, PNG_SCALE, svgToPng } from '../../src/report/png';
import { stageTimesOf } from '../../src/report/stage-times';
import { CHART_HEIGHT, CHART_WIDTH, renderSvg, type LineChart } from '../../src/report/svg-chart';
import { niceTicks } from '../../src/report/ticks';
import type { ReportData } from '../../src/report/types';
import { writeReport } from '../../src/report/write';
import { parseCsv } from './csv-parse';

function sample(): ReportData {
  return {
    workflowId: 'wf-1',
    executionStatus: 'COMPLETED',
    runStatus: 'completed',
    name: 'sample',
    roundsPlanned: 2,
    rounds: [
      {
        round: 1,
        metrics: {
          winRateVsInitial: 0.625,
          winRateLow: 0.55,
          winRateHigh: 0.69,
          klToInitial: 1.5,
          flipRate: 0.125,
          rewardModelAgreement: 0.8,
          meanReward: 0.25,
          judgePromptTokens: 1000,
          judgeCompletionTokens: 40,
          judgeCost: 0.0012,
        },
      },
      {
        round: 2,
        metrics: {
          winRateVsInitial: 0.875,
          winRateLow: 0.82,
          winRateHigh: 0.91,
          klToInitial: 3.25,
          flipRate: 0.0625,
          rewardModelAgreement: 0.9,
          meanReward: 1.75,
          judgePromptTokens: 2000,
          judgeCompletionTokens: 80,
          evalJudgePromptTokens: 500,
          evalJudgeCompletionTokens: 20,
          judgeCost: 0.0024,
        },
      },
    ],
    stageTimes: [
      {
        round: 1,
        stage: 'generate',
        startedAt: '2026-01-01T00:00:00.000Z',
        seconds: 1.5,
        activities: 4,
        attempts: 4,
      },
      {
        round: 1,
        stage: 'judge',
        startedAt: '2026-01-01T00:00:01.500Z',
        seconds: 0.5,
        activities: 4,
        attempts: 5,
      },
      {
        round: 2,
        stage: 'generate',
        startedAt: '2026-01-01T00:00:10.000Z',
        seconds: 2,
        activities: 4,
        attempts: 4,
      },
    ],
    source: 'run result',
    notes: [],
    generatedAt: '2026-01-01T00:01:00.000Z',
  };
}

test('rounds.csv has one row per round with the recorded values, and token and cost totals', () => {
  const table = roundsTable(sample());
  const parsed = parseCsv(toCsv(table.columns, table.rows));
  expect(parsed.map((r) => r.round)).toEqual(['1', '2']);
  expect(parsed[0]).toMatchObject({ winRateVsInitial: '0.625', winRateLow: '0.55', klToInitial: '1.5' });
  expect(parsed[1]).toMatchObject({
    winRateVsInitial: '0.875',
    rewardModelAgreement: '0.9',
    flipRate: '0.0625',
  });
  expect(parsed[0]!.tokens).toBe('1040');
  expect(parsed[1]!.tokens).toBe('2600');
  expect(Number(parsed[1]!.cost)).toBeCloseTo(0.0024, 12);
  // A metric a round did not record is an empty cell, not 0.
  expect(parsed[0]!.evalJudgePromptTokens).toBe('');
  expect(table.columns.slice(0, 2)).toEqual(['round', 'winRateVsInitial']);
});

test('stage-times.csv has one row per stage per round', () => {
  const parsed = parseCsv(toCsv(stageTimesTable(sample()).columns, stageTimesTable(sample()).rows));
  expect(parsed).toHaveLength(3);
  expect(parsed[1]).toEqual({
    round: '1',
    stage: 'judge',
    startedAt: '2026-01-01T00:00:01.500Z',
    seconds: '0.5',
    activities: '4',
    attempts: '5',
  });
});

test('CSV cells with commas, quotes or newlines are quoted', () => {
  expect(
    toCsv(
      ['a', 'b'],
      [
        ['x,y', 'say "hi"\n'],
        [undefined, Number.NaN],
      ],
    ),
  ).toBe('a,b\r\n"x,y","say ""hi""\n"\r\n,\r\n');
});

test('the win-rate SVG has a point per round at its value, the CI band and the 0.5 line', () => {
  const figure = buildFigures(sample()).find((f) => f.id === 'win-rate')!;
  const svg = renderSvg(figure.chart);
  const points = [
    ...svg.matchAll(/<circle class="point" data-series="([^"]+)" data-x="(\d+)" data-y="([^"]+)"/g),
  ];
  expect(points.map((m) => [m[2], m[3]])).toEqual([
    ['1', '0.625'],
    ['2', '0.875'],
  ]);
  expect(svg).toContain('class="band"');
  expect(svg).toContain('95% Wilson interval');
  expect(svg).toContain('class="reference"');
  // The higher win rate sits higher on the page (smaller y).
  const cy = [...svg.matchAll(/class="point"[^>]* cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  expect(cy[1]).toBeLessThan(cy[0]!);
});

test('the gold chart: gold win rate with its band beside the judge’s, and the agreements; empty without gold', () => {
  const data = sample();
  data.rounds.forEach((r, i) =>
    Object.assign(r.metrics, {
      goldWinRate: [0.7, 0.8][i],
      goldWinRateLow: [0.6, 0.72][i],
      goldWinRateHigh: [0.78, 0.86][i],
      judgeGoldAgreement: [0.81, 0.79][i],
      rewardModelGoldAgreement: [0.75, 0.77][i],
    }),
  );
  const svg = renderSvg(buildFigures(data).find((f) => f.id === 'gold')!.chart);
  const points = [
    ...svg.matchAll(/<circle class="point" data-series="([^"]+)" data-x="(\d+)" data-y="([^"]+)"/g),
  ];
  expect(points.map((m) => [m[1], m[2], m[3]])).toEqual([
    ['win rate vs initial (gold)', '1', '0.7'],
    ['win rate vs initial (gold)', '2', '0.8'],
    ['win rate vs initial (judge)', '1', '0.625'],
    ['win rate vs initial (judge)', '2', '0.875'],
    ['judge agrees with gold', '1', '0.81'],
    ['judge agrees with gold', '2', '0.79'],
    ['reward model agrees with gold', '1', '0.75'],
    ['reward model agrees with gold', '2', '0.77'],
  ]);
  expect(svg).toContain('95% Wilson interval (gold)');
  const table = roundsTable(data);
  const parsed = parseCsv(toCsv(table.columns, table.rows));
  expect(parsed[1]).toMatchObject({
    goldWinRate: '0.8',
    judgeGoldAgreement: '0.79',
    rewardModelGoldAgreement: '0.77',
  });
  const empty = buildFigures(sample()).find((f) => f.id === 'gold')!;
  expect(renderSvg(empty.chart, empty.emptyNote)).toContain('only runs on the demo world have one');
});

test('the y axis covers the data and the band with round ticks', () => {
  expect(niceTicks(0.55, 0.91, 5)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  expect(niceTicks(0, 2600, 5)).toEqual([0, 1000, 2000, 3000]);
  const chart: LineChart = {
    kind: 'line',
    title: 't',
    xLabel: 'round',
    yLabel: 'y',
    series: [
      { name: 's', points: [{ x: 1, y: 3 }], band: { name: 'b', points: [{ x: 1, low: 2, high: 7 }] } },
    ],
  };
  const svg = renderSvg(chart);
  expect(svg).toMatch(/>2<\/text>/);
  expect(svg).toMatch(/>7<\/text>/);
});

test('stacked bars: tokens by stage and seconds by stage, and a note when there is nothing to show', () => {
  const figures = buildFigures(sample());
  const tokens = renderSvg(figures.find((f) => f.id === 'tokens')!.chart);
  const bars = [
    ...tokens.matchAll(/<rect class="bar" data-series="([^"]+)" data-x="(\d+)" data-y="([^"]+)"/g),
  ];
  expect(bars.map((m) => [m[1], m[2], m[3]])).toEqual([
    ['judge', '1', '1040'],
    ['judge', '2', '2080'],
    ['evaluate (judge)', '2', '520'],
  ]);
  const times = renderSvg(figures.find((f) => f.id === 'stage-times')!.chart);
  expect(times).toContain('data-series="generate" data-x="2" data-y="2"');
  expect(times).toContain('data-series="judge" data-x="1" data-y="0.5"');
  const local = {
    ...sample(),
    rounds: sample().rounds.map((r) => ({ round: r.round, metrics: { klToInitial: 1 } })),
  };
  const empty = buildFigures(local).find((f) => f.id === 'cost')!;
  const svg = renderSvg(empty.chart, empty.emptyNote);
  expect(svg).not.toContain('class="bar"');
  expect(svg).toContain('class="empty"');
  expect(svg).toContain('no cost recorded');
});

test('a PNG of a chart has the PNG signature and twice the SVG size, and is not blank', async () => {
  const svg = renderSvg(buildFigures(sample())[0]!.chart);
  const png = await svgToPng(svg, CHART_WIDTH);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(pngSize(png)).toEqual({ width: CHART_WIDTH * PNG_SCALE, height: CHART_HEIGHT * PNG_SCALE });
  // A white page compresses to almost nothing; lines, a band and text do not.
  expect(png.length).toBeGreaterThan(20_000);
  expect(() => pngSize(Buffer.from('GIF89a not a png at all'))).toThrow('not a PNG');
});

test('stage times come from activity events: first scheduled to last closed, retries counted', async () => {
  const t = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  const input = (stageId: string) => ({ payloads: [{ data: Buffer.from(stageId) }] });
  const events = [
    {
      eventId: 5,
      eventTime: t(1000),
      activityTaskScheduledEventAttributes: { activityType: { name: 'rlaif.generate' }, input: input('gen') },
    },
    {
      eventId: 6,
      eventTime: t(1200),
      activityTaskScheduledEventAttributes: { activityType: { name: 'rlaif.generate' }, input: input('gen') },
    },
    {
      eventId: 7,
      eventTime: t(1300),
      activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 1 },
    },
    { eventId: 8, eventTime: t(3000), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
    {
      eventId: 9,
      eventTime: t(4000),
      activityTaskStartedEventAttributes: { scheduledEventId: 6, attempt: 3 },
    },
    { eventId: 10, eventTime: t(4500), activityTaskCompletedEventAttributes: { scheduledEventId: 6 } },
    {
      eventId: 11,
      eventTime: t(5000),
      activityTaskScheduledEventAttributes: {
        activityType: { name: 'rlaif.judgeBatchPoll' },
        input: { payloads: [] },
      },
    },
    { eventId: 12, eventTime: t(5250), activityTaskCompletedEventAttributes: { scheduledEventId: 11 } },
    // Still running: left out.
    {
      eventId: 13,
      eventTime: t(6000),
      activityTaskScheduledEventAttributes: { activityType: { name: 'rlaif.judge' }, input: input('judge') },
    },
  ];
  const stageOf = async (i: { payloads?: Array<{ data?: Uint8Array | null }> | null } | null | undefined) => {
    const data = i?.payloads?.[0]?.data;
    return data ? Buffer.from(data).toString() : undefined;
  };
  const times = await stageTimesOf(3, events as never, stageOf as never);
  expect(times).toEqual([
    {
      round: 3,
      stage: 'gen',
      startedAt: new Date(1000).toISOString(),
      seconds: 3.5,
      activities: 2,
      attempts: 4,
    },
    {
      round: 3,
      stage: 'judgeBatchPoll',
      startedAt: new Date(5000).toISOString(),
      seconds: 0.25,
      activities: 1,
      attempts: 1,
    },
  ]);
});

test('the report folder: an HTML page that inlines and links every chart, PNGs and CSVs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-report-unit-'));
  try {
    const data = { ...sample(), notes: ['a note <for> the reader'] };
    const written = await writeReport(data, dir);
    const figures = buildFigures(data);
    expect(written.files.sort()).toEqual(
      ['index.html', 'rounds.csv', 'stage-times.csv', ...figures.map((f) => `${f.id}.png`)].sort(),
    );
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    for (const f of figures) {
      expect(html).toContain(`href="${f.id}.png"`);
      expect(pngSize(fs.readFileSync(path.join(dir, `${f.id}.png`))).width).toBe(CHART_WIDTH * PNG_SCALE);
    }
    expect(html.match(/<svg /g)).toHaveLength(figures.length);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('a note &#60;for&#62; the reader');
    expect(html).toContain('0.875 [0.82, 0.91]');
    expect(parseCsv(fs.readFileSync(path.join(dir, 'rounds.csv'), 'utf8'))).toHaveLength(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
