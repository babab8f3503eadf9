/**
 * The format of a batch's partial file (`<key>.partial.jsonl`): the rows an attempt has finished,
 * kept so that a retried attempt resumes instead of starting over. One row per line:
 *
 *     <sha256 hex> <row as JSON>\n
 *
 * The sha256 is of the row's 0-based position in the batch, a newline, and the row's JSON text.
 * The checksum catches an edited row (even one that is still valid JSON) and a torn one; the
 * position makes a line valid only where it belongs, so a dropped or repeated line, or the
 * interleaved appends of two concurrent attempts, are caught the same way. A reader keeps the rows
 * before the first line that fails and the rest are recomputed: the file is only a shortcut, and a
 * row that was not verified must never reach a committed output. Files of releases before
 * checksums (bare JSON lines) fail at their first line, so they are simply recomputed.
 */
import { createHash } from 'node:crypto';

function checksum(position: number, json: string): string {
  return createHash('sha256').update(`${position}\n${json}`).digest('hex');
}

/** The lines of `rows`, the first of which is row `start` of its batch. */
export function encodePartialRows(rows: readonly unknown[], start: number): string {
  return rows
    .map((row, i) => {
      const json = JSON.stringify(row);
      return `${checksum(start + i, json)} ${json}\n`;
    })
    .join('');
}

const LINE = /^([0-9a-f]{64}) (.*)$/s;

/** The verified rows at the head of a partial file's text, at most `max` of them. */
export function decodePartialRows<T>(text: string, max: number): T[] {
  const lines = text.split('\n');
  // The text after the last newline is a line still being written (or torn by a crash).
  lines.pop();
  const rows: T[] = [];
  for (const line of lines) {
    if (rows.length >= max) break;
    const m = LINE.exec(line);
    if (!m || checksum(rows.length, m[2] as string) !== m[1]) break;
    try {
      rows.push(JSON.parse(m[2] as string) as T);
    } catch {
      break;
    }
  }
  return rows;
}
