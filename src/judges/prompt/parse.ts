/**
 * Reads a filled judge prompt back: the comparison (or the single response to rate) it asks
 * about, found by the marker lines of markers.ts. The local model server's judge answers from it;
 * a prompt filled from the built-in templates parses back to exactly what filled it, as long as
 * no text in it has a blank line or a line that starts like a marker.
 */
import { MARKER_LINES, RATIONALE_REQUEST, type MarkerKind } from './markers';

/** What a judge prompt asks. */
export type JudgeTask =
  | { kind: 'pairwise'; prompt: string; first: string; second: string; rationale: boolean }
  | { kind: 'score'; prompt: string; response: string; rationale: boolean }
  | { kind: 'unrecognized' };

function markerOf(line: string): { kind: MarkerKind; rest: string } | undefined {
  for (const [kind, re] of MARKER_LINES) {
    const m = re.exec(line);
    if (m) return { kind, rest: (m[1] ?? '').trim() };
  }
  return undefined;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s;
}

/**
 * Finds the task in a prompt. A section is the rest of its marker line when that is not empty,
 * else the lines after the marker up to the first blank line or the next marker line (so an empty
 * response is a blank line). The last occurrence of a marker wins, so few-shot exemplars before
 * the real input are skipped.
 */
export function parseJudgePrompt(text: string): JudgeTask {
  const lines = text.split(/\r?\n/);
  const found: Partial<Record<MarkerKind, { line: number; text: string }>> = {};
  let lastResponseKind: MarkerKind | undefined;
  lines.forEach((line, i) => {
    const m = markerOf(line);
    if (!m) return;
    let section = m.rest;
    if (section === '') {
      // Indexing, not slicing: a text of many marker lines must stay linear in its length.
      const body: string[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const next = lines[j] as string;
        if (next.trim() === '' || markerOf(next)) break;
        body.push(next.trim());
      }
      section = body.join('\n');
    }
    found[m.kind] = { line: i, text: unquote(section) };
    if (m.kind === 'response1' || m.kind === 'response2' || m.kind === 'response') lastResponseKind = m.kind;
  });
  const lastLine = [...lines].reverse().find((l) => l.trim() !== '') ?? '';
  const rationale = RATIONALE_REQUEST.test(lastLine);
  const prompt = found.prompt?.text;
  if (prompt === undefined || prompt === '') return { kind: 'unrecognized' };
  if (lastResponseKind === 'response' && found.response)
    return { kind: 'score', prompt, response: found.response.text, rationale };
  if (found.response1 && found.response2)
    return { kind: 'pairwise', prompt, first: found.response1.text, second: found.response2.text, rationale };
  return { kind: 'unrecognized' };
}
