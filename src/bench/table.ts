/**
 * The bench's output: each figure as it is measured (on stderr, so a long run shows progress),
 * then a table of figure | value | command on stdout, and last one JSON object of the headline
 * figures (null where a section was not run).
 */
export class BenchTable {
  private readonly rows: Array<[string, string, string]> = [];
  private readonly figures: Record<string, unknown> = {
    durabilityTaxDemo: null,
    durabilityTax10x: null,
    judgeRateRatio: null,
    historyBytesPerRound100: null,
    historyBytesPerRound10k: null,
    redoneItemsAfterKill: null,
  };

  /** A row of the table: what, its value, and the command (and method) that measured it. */
  add(label: string, value: string, how: string): void {
    this.rows.push([label, value, how]);
    process.stderr.write(`[bench] ${label}: ${value}\n`);
  }

  /** A figure of the final JSON line. */
  json(key: string, value: unknown): void {
    this.figures[key] = value;
  }

  print(): void {
    const width = Math.max(6, ...this.rows.map((r) => r[0].length));
    const valueWidth = Math.max(5, ...this.rows.map((r) => r[1].length));
    const out = [`${'figure'.padEnd(width)} | ${'value'.padEnd(valueWidth)} | how`];
    for (const [label, value, how] of this.rows)
      out.push(`${label.padEnd(width)} | ${value.padEnd(valueWidth)} | ${how}`);
    process.stdout.write(`\n${out.join('\n')}\n${JSON.stringify(this.figures)}\n`);
  }
}
