/** Axis scales: "nice" tick values (1, 2, 2.5 or 5 times a power of ten) and short number labels. */

/** Round tick values covering [min, max], about `count` of them; the domain is widened to the outer ticks. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max))
    throw new Error(`niceTicks: bad domain [${min}, ${max}]`);
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    // A flat series still needs an axis: centre it in a unit-sized (or value-sized) span.
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep((max - min) / Math.max(1, count));
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) ticks.push(roundTo(first + i * step, step));
  return ticks;
}

/** Integer ticks from `min` to `max` (rounds), at most about `count` of them. */
export function integerTicks(min: number, max: number, count = 10): number[] {
  const step = Math.max(1, Math.ceil(niceStep((max - min) / Math.max(1, count))));
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) ticks.push(v);
  return ticks.length > 0 ? ticks : [min];
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const f = rough / power;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * power;
}

/** Removes floating-point dust (0.30000000000000004) at the precision of the step. */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(decimals, 12)));
}

/** A short label: 12k, 1.5M, 0.25, 3.1e-5. */
export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  if (a < 1e-4) return v.toExponential(1);
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}
