/**
 * `rlaif export`: a run's judged preference pairs as JSON Lines for training elsewhere, in
 * TRL's preference format or OpenAI's DPO fine-tuning format. Reads the artifact store
 * directly; the run's config (for its judge stage ids and run key) comes from its history.
 */
import { writeFile } from 'node:fs/promises';
import { stagesOf } from '../config/parse';
import type { RunConfig } from '../config/schema';
import { preferencesToOpenAIDpoJsonl, preferencesToTrlJsonl } from '../export/preferences';
import type { PreferenceRow } from '../stages/types';
import type { ArtifactStore } from '../store/store';

export type ExportFormat = 'trl' | 'openai-dpo';

export interface ExportReport {
  file: string;
  format: ExportFormat;
  rounds: number[];
  pairs: number;
  skippedTies: number;
}

/** The committed preference batches of a run, by round, from its judge stages (custom DAGs included). */
export async function runPreferences(
  store: ArtifactStore,
  runKey: string,
  config: RunConfig,
  round?: number,
): Promise<Map<number, PreferenceRow[]>> {
  const judgeStages = stagesOf(config)
    .filter((s) => s.type === 'judge')
    .map((s) => s.id);
  const byRound = new Map<number, PreferenceRow[]>();
  for (const folder of await store.listFolders(`runs/${runKey}`)) {
    const m = /^round-(\d+)$/.exec(folder);
    if (!m) continue;
    const r = Number(m[1]);
    if (round !== undefined && r !== round) continue;
    const rows: PreferenceRow[] = [];
    for (const stage of judgeStages) {
      for (const key of await store.listCommitted(`runs/${runKey}/${folder}/${stage}`)) {
        if (!/\/batch-[^/]+\.jsonl$/.test(key)) continue;
        const ref = await store.get(key);
        if (ref) rows.push(...(await store.readJsonl<PreferenceRow>(ref)));
      }
    }
    if (rows.length > 0) byRound.set(r, rows);
  }
  return byRound;
}

export async function exportPreferences(
  store: ArtifactStore,
  runKey: string,
  config: RunConfig,
  opts: { format: ExportFormat; out: string; round?: number },
): Promise<ExportReport> {
  const byRound = await runPreferences(store, runKey, config, opts.round);
  if (byRound.size === 0) {
    throw new Error(
      `no judged pairs for run ${runKey}${opts.round !== undefined ? ` round ${opts.round}` : ''} in the store at ${store.location}`,
    );
  }
  const rows = [...byRound.values()].flat();
  const exported =
    opts.format === 'trl' ? preferencesToTrlJsonl(rows, {}) : preferencesToOpenAIDpoJsonl(rows, {});
  await writeFile(opts.out, exported.lines.map((l) => `${l}\n`).join(''));
  return {
    file: opts.out,
    format: opts.format,
    rounds: [...byRound.keys()].sort((a, b) => a - b),
    pairs: exported.lines.length,
    skippedTies: exported.skippedTies,
  };
}
