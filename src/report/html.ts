/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no scripts), linking each
 * chart's PNG and the CSV behind it.
 */
import { escapeXml as esc } from './svg-chart';
import type { Figure } from './figures';
import type { ReportData } from './types';
import { storyHeadline, storyMessage } from '../cli/failure-story';

export interface RenderedFigure {
  figure: Figure;
  svg: string;
  png: string;
}

const num = (v: number | undefined, digits = 3) =>
  v === undefined ? '–' : Number(v.toFixed(digits)).toString();

/** A failed run's story: where, why, what next. */
function failureBlock(data: ReportData): string {
  const f = data.failure;
  if (!f) return '';
  return `<div class="failure"><p><b>${esc(storyHeadline(f))}</b></p>
<pre>${esc(storyMessage(f))}</pre>
${data.next ? `<p>next: ${esc(data.next)}</p>` : ''}</div>`;
}

function headline(data: ReportData): string {
  const rows = data.rounds.map((r) => {
    const m = r.metrics;
    const ci =
      m.winRateLow !== undefined && m.winRateHigh !== undefined
        ? ` [${num(m.winRateLow)}, ${num(m.winRateHigh)}]`
        : '';
    const gold =
      m.goldWinRate === undefined
        ? '–'
        : `${num(m.goldWinRate)} [${num(m.goldWinRateLow)}, ${num(m.goldWinRateHigh)}]`;
    return `<tr><td>${r.round}</td><td>${num(m.winRateVsInitial)}${ci}</td><td>${gold}</td><td>${num(m.judgeGoldAgreement)}</td><td>${num(m.meanReward)}</td><td>${num(m.klToInitial)}</td><td>${num(m.flipRate)}</td><td>${num(m.rewardModelAgreement)}</td></tr>`;
  });
  return [
    '<table><thead><tr><th>round</th><th>win rate vs initial [95% CI]</th><th>gold win rate [95% CI]</th><th>judge–gold agreement</th><th>mean reward</th><th>KL to initial</th><th>judge flip rate</th><th>reward-model agreement</th></tr></thead>',
    `<tbody>${rows.join('') || `<tr><td colspan="8">no round completed${data.failure ? '' : ' yet'}</td></tr>`}</tbody></table>`,
  ].join('\n');
}

/**
 * The run's own status beside Temporal's, where it adds something (a completed execution whose
 * run stopped early, a running one that is paused); a closed run's failure says the rest.
 */
function runStatusNote(data: ReportData): string {
  if (!data.runStatus || data.failure) return '';
  if (data.executionStatus !== 'RUNNING' && data.executionStatus !== 'COMPLETED') return '';
  if (data.runStatus.toUpperCase() === data.executionStatus) return '';
  return ` (run status: ${esc(data.runStatus)})`;
}

function status(data: ReportData): string {
  const parts = [
    `<b>${esc(data.executionStatus)}</b>${runStatusNote(data)}`,
    `${data.rounds.length}${data.roundsPlanned !== undefined ? ` of ${data.roundsPlanned}` : ''} rounds completed`,
  ];
  if (data.current) {
    const c = data.current;
    parts.push(
      `round ${c.round} in progress: stage ${esc(c.stage)}, batches ${c.batchesDone}/${c.batchesTotal}`,
    );
  }
  return parts.join(' · ');
}

export function renderHtml(data: ReportData, figures: RenderedFigure[], csvFiles: string[]): string {
  const title = `RLAIF report: ${data.name ?? data.workflowId}`;
  const sections = figures.map(
    ({ figure, svg, png }) => `<section id="${figure.id}">
<div class="chart">${svg}</div>
<p>${esc(figure.caption)}</p>
<p class="files"><a href="${png}">${png}</a> · data: <a href="${figure.csv}">${figure.csv}</a> (${figure.columns.map((c) => `<code>${esc(c)}</code>`).join(', ')})</p>
</section>`,
  );
  const notes = data.notes.map((n) => `<li>${esc(n)}</li>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 780px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; font-size: 14px; }
th { background: #f4f4f4; }
section { margin: 2.5em 0; }
.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
.files { font-size: 13px; color: #555; }
.meta { font-size: 14px; color: #444; }
.failure { border-left: 4px solid #c0392b; padding: 0 1em; margin: 1em 0; }
.failure pre { white-space: pre-wrap; font-size: 13px; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">workflow <code>${esc(data.workflowId)}</code>${data.uiUrl ? ` (<a href="${esc(data.uiUrl)}">Temporal UI</a>)` : ''} · ${status(data)}</p>
<p class="meta">generated ${esc(data.generatedAt)} · metrics from the ${esc(data.source)} · tables: ${csvFiles.map((f) => `<a href="${f}">${f}</a>`).join(', ')}</p>
${failureBlock(data)}
${notes ? `<ul class="notes">${notes}</ul>` : ''}
${headline(data)}
${sections.length > 0 ? sections.join('\n') : `<p class="meta">No round completed${data.failure ? ' before the run ended' : ' yet'}, so there is nothing to chart.</p>`}
<p class="meta">The table rounds to three decimals; the CSV files hold the recorded values.</p>
</body>
</html>
`;
}
