/**
 * `npm run study [-- --out DIR --seed N --betas 0,0.05,0.2,0.5 --rounds 4]`: the over-optimization
 * study (sweep.ts), offline, written to DIR (default `.rlaif/study/`) as study.md, CSVs and charts.
 */
import { runStudy, STUDY_DEFAULTS, type StudyOptions } from './sweep';
import { writeStudy } from './write';

/** The study's options from its command line; a bad value is an error naming the flag. */
export function parseStudyArgs(argv: readonly string[]): { options: StudyOptions; out: string } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const known = new Set(['--out', '--seed', '--betas', '--rounds']);
  argv.forEach((a, i) => {
    if (a.startsWith('--') && !known.has(a))
      throw new Error(`unknown option ${a} (known: ${[...known].join(', ')})`);
    if (!a.startsWith('--') && (i === 0 || !known.has(argv[i - 1] as string)))
      throw new Error(`unexpected argument "${a}"`);
  });
  const int = (flag: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${flag}: expected an integer from ${min} to ${max}, got "${v}"`);
    return n;
  };
  const options: StudyOptions = { ...STUDY_DEFAULTS, base: { ...STUDY_DEFAULTS.base } };
  const seed = value('--seed');
  if (seed !== undefined) options.base.seed = int('--seed', seed, 0, 2 ** 31 - 1);
  const rounds = value('--rounds');
  if (rounds !== undefined) options.rounds = int('--rounds', rounds, 1, 20);
  const betas = value('--betas');
  if (betas !== undefined) {
    options.betas = betas.split(',').map((b) => {
      const n = Number(b);
      if (b.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
        throw new Error(`--betas: expected comma-separated numbers from 0 to 100, got "${betas}"`);
      return n;
    });
  }
  return { options, out: value('--out') ?? '.rlaif/study' };
}

/** Runs the study from a command line and writes its files. */
export async function studyMain(argv: readonly string[]): Promise<void> {
  const { options, out } = parseStudyArgs(argv);
  const t0 = performance.now();
  process.stderr.write(
    `study: β ∈ {${options.betas.join(', ')}} × ${options.rounds} rounds, presets ${options.presets.join(', ')}, seed ${options.base.seed}\n`,
  );
  const result = await runStudy(options, (label, rows) => {
    const last = rows[rows.length - 1];
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    if (last)
      process.stderr.write(
        `  ${label}: KL ${last.kl.toFixed(2)}, win rate judge ${last.judgeWinRate.toFixed(3)} gold ${last.goldWinRate.toFixed(3)} (${s} s)\n`,
      );
  });
  const command = `npm run study -- ${argv.join(' ')}`.trim().replace(/ --$/, '');
  const files = await writeStudy(result, out, { seed: options.base.seed, command });
  process.stderr.write(
    `study: ${files.length} files in ${out}/ (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
  );
  process.stdout.write(`${JSON.stringify({ out, files, presets: result.presets })}\n`);
}
