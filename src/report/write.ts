/** Writes a report folder: index.html, one PNG per figure, and the CSV tables behind them. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toCsv } from './csv';
import { buildFigures, roundsTable, stageTimesTable } from './figures';
import { renderHtml, type RenderedFigure } from './html';
import { svgToPng } from './png';
import { CHART_WIDTH, renderSvg } from './svg-chart';
import type { ReportData } from './types';

export interface WrittenReport {
  dir: string;
  rounds: number;
  files: string[];
}

export async function writeReport(data: ReportData, dir: string): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const put = async (name: string, content: string | Uint8Array) => {
    await writeFile(path.join(dir, name), content);
    files.push(name);
  };
  const tables = [roundsTable(data), stageTimesTable(data)];
  for (const t of tables) await put(t.file, toCsv(t.columns, t.rows));
  const rendered: RenderedFigure[] = [];
  // With no round completed every chart would be an empty frame; the page says so instead.
  for (const figure of data.rounds.length > 0 ? buildFigures(data) : []) {
    const svg = renderSvg(figure.chart, figure.emptyNote);
    const png = `${figure.id}.png`;
    await put(png, await svgToPng(svg, CHART_WIDTH));
    rendered.push({ figure, svg, png });
  }
  await put(
    'index.html',
    renderHtml(
      data,
      rendered,
      tables.map((t) => t.file),
    ),
  );
  return { dir, rounds: data.rounds.length, files };
}
