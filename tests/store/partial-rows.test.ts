/**
 * Partial files: every row carries a checksum bound to its position, so an edited, torn, dropped
 * or misplaced row ends what a resumed attempt keeps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from '../../src/store/local-store';

let root: string;
let store: LocalArtifactStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-partial-'));
  store = new LocalArtifactStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const key = 'runs/r/round-0001/generate/batch-0000-of-0001.jsonl';
const partial = () => `${store.pathOf(key)}.partial.jsonl`;
const rows = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, score: i / 2 }));

/** The partial file's lines, changed by `edit`, written back. */
function editLines(edit: (lines: string[]) => string[]): void {
  fs.writeFileSync(partial(), edit(fs.readFileSync(partial(), 'utf8').split('\n')).join('\n'));
}

test('rows appended in chunks read back whole, up to the count asked for', async () => {
  await store.appendPartial(key, rows.slice(0, 2), 0);
  await store.appendPartial(key, rows.slice(2, 5), 2);
  await store.appendPartial(key, rows.slice(5)); // after the lines already there
  expect(await store.readPartial(key, 100)).toEqual(rows);
  expect(await store.readPartial(key, 4)).toEqual(rows.slice(0, 4));
  expect(fs.readFileSync(partial(), 'utf8').split('\n')[0]).toMatch(/^[0-9a-f]{64} \{"id":"r0","score":0\}$/);
});

test('an edited row that is still valid JSON ends what is kept', async () => {
  await store.appendPartial(key, rows, 0);
  editLines((lines) => lines.map((l, i) => (i === 3 ? l.replace('"score":1.5', '"score":9') : l)));
  expect(fs.readFileSync(partial(), 'utf8')).toContain('"score":9');
  expect(await store.readPartial(key, 100)).toEqual(rows.slice(0, 3));
});

test('a torn last line is dropped, even one missing only its newline', async () => {
  await store.appendPartial(key, rows, 0);
  const text = fs.readFileSync(partial(), 'utf8');
  fs.writeFileSync(partial(), text.slice(0, -20));
  expect(await store.readPartial(key, 100)).toEqual(rows.slice(0, 5));
  fs.writeFileSync(partial(), text.slice(0, -1));
  expect(await store.readPartial(key, 100)).toEqual(rows.slice(0, 5));
});

test('dropped, repeated or interleaved lines end what is kept', async () => {
  await store.appendPartial(key, rows, 0);
  editLines((lines) => lines.filter((_, i) => i !== 2));
  expect(await store.readPartial(key, 100)).toEqual(rows.slice(0, 2));

  // Two attempts appending at once: the second writes its rows from position 2 after the first's.
  await store.resetPartial(key, rows.slice(0, 4));
  await store.appendPartial(key, rows.slice(2, 4), 2);
  expect(await store.readPartial(key, 100)).toEqual(rows.slice(0, 4));
});

test('a partial file of the previous release (bare JSON lines) is recomputed, not trusted', async () => {
  fs.mkdirSync(path.dirname(partial()), { recursive: true });
  fs.writeFileSync(partial(), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  expect(await store.readPartial(key, 100)).toEqual([]);
});

test('resetPartial keeps exactly the rows given, from position 0', async () => {
  await store.appendPartial(key, rows, 0);
  await store.resetPartial(key, rows.slice(0, 2));
  expect(await store.readPartial(key, 100)).toEqual(rows.slice(0, 2));
  await store.appendPartial(key, rows.slice(2), 2);
  expect(await store.readPartial(key, 100)).toEqual(rows);
});
