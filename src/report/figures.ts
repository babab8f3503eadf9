/**
 * The report's figures and the CSV tables behind them. Every figure reads columns of one CSV,
 * so what a chart shows can be checked against the numbers.
 */
import { spendOf } from '../budget';
import type { Cell } from './csv';
import type { Chart, LineSeries, Point } from './svg-chart';
import type { ReportData } from './types';

export const ROUNDS_CSV = 'rounds.csv';
export const STAGE_TIMES_CSV = 'stage-times.csv';

/** One chart: its data, the file names it is saved under, and where its numbers are. */
export interface Figure {
  id: string;
  chart: Chart;
  csv: string;
  columns: string[];
  /** What the chart shows, for the HTML page. */
  caption: string;
  /** Shown in the chart when it has no data. */
  emptyNote: string;
}

export interface Table {
  file: string;
  columns: string[];
  rows: Cell[][];
}

/** Headline metrics first in rounds.csv; every other recorded metric follows by name. */
const HEADLINE = [
  'winRateVsInitial',
  'winRateLow',
  'winRateHigh',
  'evalComparisons',
  'meanReward',
  'meanJudgeScore',
  'klToInitial',
  'flipRate',
  'evalFlipRate',
  'rewardModelAgreement',
  'judgeFromLogprobs',
  'judgeFromText',
];
const TOKEN_KEY = /^(.+?)(PromptTokens|CompletionTokens)$/;
const COST_KEY = /^(.+?)Cost$/;

/** rounds.csv: one row per completed round; `tokens` and `cost` sum every stage's endpoint usage. */
export function roundsTable(data: ReportData): Table {
  const recorded = new Set(data.rounds.flatMap((r) => Object.keys(r.metrics)));
  const rest = [...recorded].filter((k) => !HEADLINE.includes(k)).sort();
  const metricColumns = [...HEADLINE, ...rest];
  const columns = ['round', ...metricColumns, 'tokens', 'cost'];
  const rows = data.rounds.map((r) => {
    const spend = spendOf(r.metrics);
    return [r.round, ...metricColumns.map((k) => r.metrics[k]), spend.tokens, spend.cost];
  });
  return { file: ROUNDS_CSV, columns, rows };
}

/** stage-times.csv: one row per stage per round. */
export function stageTimesTable(data: ReportData): Table {
  return {
    file: STAGE_TIMES_CSV,
    columns: ['round', 'stage', 'startedAt', 'seconds', 'activities', 'attempts'],
    rows: data.stageTimes.map((s) => [s.round, s.stage, s.startedAt, s.seconds, s.activities, s.attempts]),
  };
}

function points(data: ReportData, key: string): Point[] {
  return data.rounds.flatMap((r) => {
    const y = r.metrics[key];
    return y !== undefined && Number.isFinite(y) ? [{ x: r.round, y }] : [];
  });
}

function series(data: ReportData, key: string, name: string): LineSeries[] {
  const pts = points(data, key);
  return pts.length > 0 ? [{ name, points: pts }] : [];
}

function withBand(s: LineSeries[], data: ReportData, low: string, high: string, name: string): LineSeries[] {
  return s.map((line) => ({
    ...line,
    band: {
      name,
      points: data.rounds.flatMap((r) => {
        const [l, h] = [r.metrics[low], r.metrics[high]];
        return l !== undefined && h !== undefined ? [{ x: r.round, low: l, high: h }] : [];
      }),
    },
  }));
}

/** Per-round totals of metrics matching `pattern`, stacked by the stage prefix the pattern captures. */
function stackedBy(data: ReportData, pattern: RegExp, label: (prefix: string) => string) {
  const byPrefix = new Map<string, number[]>();
  data.rounds.forEach((r, i) => {
    for (const [key, v] of Object.entries(r.metrics)) {
      const m = pattern.exec(key);
      if (!m || !Number.isFinite(v)) continue;
      const name = label(m[1] as string);
      const values = byPrefix.get(name) ?? new Array<number>(data.rounds.length).fill(0);
      values[i] = (values[i] ?? 0) + v;
      byPrefix.set(name, values);
    }
  });
  return [...byPrefix].map(([name, values]) => ({ name, values }));
}

/** Names of the stages that meter endpoint usage, by metric prefix. */
const USAGE_STAGE: Record<string, string> = {
  generate: 'generate',
  judge: 'judge',
  evalJudge: 'evaluate (judge)',
};
const usageStage = (prefix: string) => USAGE_STAGE[prefix] ?? prefix;

const NO_ENDPOINT =
  'no endpoint usage recorded: tokens and cost are metered only for endpoint models (the embedded ones are not)';

export function buildFigures(data: ReportData): Figure[] {
  const rounds = data.rounds.map((r) => r.round);
  const hasReward = points(data, 'meanReward').length > 0;
  const stageNames = [...new Set(data.stageTimes.map((s) => s.stage))];
  const figures: Figure[] = [
    {
      id: 'win-rate',
      chart: {
        kind: 'line',
        title: 'Win rate against the initial policy',
        xLabel: 'round',
        yLabel: 'win rate',
        series: withBand(
          series(data, 'winRateVsInitial', 'win rate vs initial'),
          data,
          'winRateLow',
          'winRateHigh',
          '95% Wilson interval',
        ),
        reference: { y: 0.5, label: 'no better (0.5)' },
      },
      csv: ROUNDS_CSV,
      columns: ['winRateVsInitial', 'winRateLow', 'winRateHigh', 'evalComparisons'],
      caption:
        "How often the judge prefers the round's policy to the initial one on held-out prompts (judged in both orders), with its 95% Wilson score interval.",
      emptyNote: 'no round evaluated yet',
    },
    {
      id: 'mean-reward',
      chart: {
        kind: 'line',
        title: hasReward ? 'Mean reward on held-out prompts' : 'Mean judge score on held-out prompts',
        xLabel: 'round',
        yLabel: hasReward ? 'mean reward' : 'mean judge score',
        series: hasReward
          ? series(data, 'meanReward', 'mean reward (reward model)')
          : series(data, 'meanJudgeScore', 'mean judge score'),
      },
      csv: ROUNDS_CSV,
      columns: [hasReward ? 'meanReward' : 'meanJudgeScore'],
      caption: hasReward
        ? "The round's reward model's mean score of the policy's samples on held-out prompts."
        : 'Runs with a non-lexical reward model report the judge’s mean score of the samples instead.',
      emptyNote: 'no round evaluated yet',
    },
    {
      id: 'kl',
      chart: {
        kind: 'line',
        title: 'KL divergence to the initial policy',
        xLabel: 'round',
        yLabel: 'KL (nats per response)',
        series: series(data, 'klToInitial', 'KL to initial'),
        yInclude: [0],
      },
      csv: ROUNDS_CSV,
      columns: ['klToInitial'],
      caption: 'How far the policy has moved from where it started, measured on held-out samples.',
      emptyNote: 'no round evaluated yet',
    },
    {
      id: 'judge-flip-rate',
      chart: {
        kind: 'line',
        title: 'Judge position-bias flip rate',
        xLabel: 'round',
        yLabel: 'share of pairs flipped',
        series: [
          ...series(data, 'flipRate', 'judged pairs (training)'),
          ...series(data, 'evalFlipRate', 'evaluation pairs'),
        ],
        yInclude: [0],
      },
      csv: ROUNDS_CSV,
      columns: ['flipRate', 'evalFlipRate'],
      caption:
        'Share of pairs whose verdict changes when the two responses swap places: the judge’s position bias.',
      emptyNote: 'no pairs judged yet',
    },
    {
      id: 'judge-answers',
      chart: {
        kind: 'line',
        title: 'How the LLM judge’s verdicts were read',
        xLabel: 'round',
        yLabel: 'share of verdicts',
        series: [
          ...series(data, 'judgeFromLogprobs', 'from answer-token logprobs (soft labels)'),
          ...series(data, 'judgeFromText', 'parsed from the answer text (fallback)'),
        ],
        yInclude: [0, 1],
      },
      csv: ROUNDS_CSV,
      columns: ['judgeFromLogprobs', 'judgeFromText', 'judgeCoverage', 'deadLetters'],
      caption:
        'Share of the LLM judge’s verdicts read from the logprobs of the answer tokens, and parsed from its text because the endpoint returned no usable logprobs. A rising text share means labels lost their confidence.',
      emptyNote: 'no LLM judge verdicts: the embedded judge gives exact soft labels',
    },
    {
      id: 'reward-model-agreement',
      chart: {
        kind: 'line',
        title: 'Reward-model agreement with the judge',
        xLabel: 'round',
        yLabel: 'agreement on held-out pairs',
        series: [
          ...series(data, 'rewardModelAgreement', 'reward model vs judge'),
          ...withBand(
            series(data, 'humanAgreement', 'judge vs people'),
            data,
            'humanAgreementLow',
            'humanAgreementHigh',
            '95% interval (people)',
          ),
        ],
        reference: { y: 0.5, label: 'chance (0.5)' },
        yInclude: [0, 1],
      },
      csv: ROUNDS_CSV,
      columns: ['rewardModelAgreement', 'rewardModelHeldOutPairs', 'humanAgreement'],
      caption:
        "Share of held-out judged pairs on which the round's reward model prefers the same response as the judge.",
      emptyNote: 'no reward model trained yet',
    },
    {
      id: 'tokens',
      chart: {
        kind: 'bars',
        title: 'Endpoint tokens per round',
        xLabel: 'round',
        yLabel: 'tokens (prompt + completion)',
        categories: rounds,
        stacks: stackedBy(data, TOKEN_KEY, usageStage),
      },
      csv: ROUNDS_CSV,
      columns: ['tokens', '*PromptTokens', '*CompletionTokens'],
      caption: 'Tokens sent to and received from model endpoints, by stage.',
      emptyNote: NO_ENDPOINT,
    },
    {
      id: 'cost',
      chart: {
        kind: 'bars',
        title: 'Endpoint cost per round',
        xLabel: 'round',
        yLabel: 'cost (endpoint price units)',
        categories: rounds,
        stacks: stackedBy(data, COST_KEY, usageStage),
      },
      csv: ROUNDS_CSV,
      columns: ['cost', '*Cost'],
      caption: 'Cost from each endpoint’s price table, by stage.',
      emptyNote: 'no cost recorded: no endpoint with a price table was used',
    },
    {
      id: 'stage-times',
      chart: {
        kind: 'bars',
        title: 'Time per stage',
        xLabel: 'round',
        yLabel: 'seconds',
        categories: rounds,
        stacks: stageNames.map((stage) => ({
          name: stage,
          values: rounds.map((r) =>
            data.stageTimes
              .filter((s) => s.round === r && s.stage === stage)
              .reduce((a, s) => a + s.seconds, 0),
          ),
        })),
      },
      csv: STAGE_TIMES_CSV,
      columns: ['round', 'stage', 'seconds'],
      caption:
        'Wall time of each stage, from its first activity scheduled to its last one closed. Independent stages may overlap, so a bar can be taller than the round.',
      emptyNote: 'no stage times found (round workflow histories missing)',
    },
  ];
  return figures;
}
