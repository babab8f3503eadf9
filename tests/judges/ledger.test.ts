import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coverage, DeadLetterSet, judgmentKey, JudgmentLedger } from '../../src/judges/ledger';

const file = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'judgments.jsonl');

describe('JudgmentLedger', () => {
  test('keys are content hashes, independent of field order', () => {
    expect(judgmentKey({ a: 1, b: 'x' })).toBe(judgmentKey({ b: 'x', a: 1 }));
    expect(judgmentKey({ a: 1, b: 'x' })).not.toBe(judgmentKey({ a: 1, b: 'y' }));
    expect(judgmentKey({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  test('two instances on one file see each other’s entries and never record a key twice', () => {
    const f = file();
    const one = new JudgmentLedger<{ p: number }>(f);
    const two = new JudgmentLedger<{ p: number }>(f);
    one.put('k1', { p: 0.25 });
    expect(two.get('k1')).toEqual({ p: 0.25 });
    two.put('k1', { p: 0.99 });
    two.put('k2', { p: 0.5 });
    expect(one.get('k1')).toEqual({ p: 0.25 });
    expect(one.get('k2')).toEqual({ p: 0.5 });
    const lines = fs.readFileSync(f, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(new JudgmentLedger(f).size).toBe(2);
  });

  test('a line torn by a crash is skipped and the file stays appendable', () => {
    const f = file();
    const l = new JudgmentLedger<number>(f);
    l.put('a', 1);
    fs.appendFileSync(f, '{"key":"b","verd');
    const after = new JudgmentLedger<number>(f);
    after.put('c', 3);
    const again = new JudgmentLedger<number>(f);
    expect(again.get('a')).toBe(1);
    expect(again.get('c')).toBe(3);
    expect(again.get('b')).toBeUndefined();
    expect(again.skippedLines).toBe(1);
  });
});

describe('DeadLetterSet', () => {
  test('appends records and reads them back; coverage', () => {
    const f = file();
    const d = new DeadLetterSet(f);
    d.add({ pairId: 'p2', reason: 'refusal', raw: 'no' });
    d.add({ pairId: 'p1', reason: 'unparseable', raw: 'x'.repeat(5000) });
    const back = new DeadLetterSet(f).list();
    expect(back.map((x) => x.pairId)).toEqual(['p1', 'p2']);
    expect(back[0]!.raw.length).toBeLessThan(2100);
    expect(typeof back[0]!.at).toBe('string');
    expect(coverage(98, 100)).toBe(0.98);
    expect(coverage(0, 0)).toBe(1);
  });

  test('a pair is written once, however many attempts (or sets on one file) record it', () => {
    const f = file();
    const first = new DeadLetterSet(f);
    const d = first.add({ pairId: 'p1', reason: 'unparseable', raw: 'first' });
    // A retried attempt opens the file afresh and meets the same pair again.
    for (let attempt = 0; attempt < 8; attempt++) {
      const again = new DeadLetterSet(f).add({ pairId: 'p1', reason: 'server-error', raw: `try ${attempt}` });
      expect(again).toEqual(d);
    }
    first.add({ pairId: 'p1', reason: 'refusal', raw: 'same set' });
    first.add({ pairId: 'p2', reason: 'refusal', raw: 'other' });
    const lines = fs.readFileSync(f, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(new DeadLetterSet(f).list().map((x) => [x.pairId, x.raw])).toEqual([
      ['p1', 'first'],
      ['p2', 'other'],
    ]);
  });
});
