/**
 * The S3 store's commit log on a real S3-compatible server: read with one listing however many
 * commits it holds (each record's name carries the record), exact to the byte of what was
 * committed, and still readable when its records are named the older way (read one by one).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3ArtifactStore, commitRecordName, parseCommitRecordName } from '../../src/store/s3-store';
import type { CommitRecord } from '../../src/store/store';
import { useS3Server } from '../helpers/s3-server';

useS3Server(['log']);

/** A store whose client counts the requests it sends, by command. */
function countingStore(url: string): { store: S3ArtifactStore; sent: Map<string, number> } {
  const store = new S3ArtifactStore(url);
  const sent = new Map<string, number>();
  store.client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? '?';
      sent.set(name, (sent.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { store, sent };
}

test('the commit log of 60 commits is one listing, with every record exact and in order', async () => {
  const url = 's3://log/one-listing';
  const writer = new S3ArtifactStore(url);
  const refs = [];
  for (let i = 0; i < 60; i++) {
    const rows = Array.from({ length: 1 + (i % 3) }, (_, j) => ({ i, j }));
    refs.push(
      await writer.commitJsonl(`runs/r/round-0001/generate/batch-${String(i).padStart(4, '0')}.jsonl`, rows),
    );
  }
  // A second commit of a key changes nothing, and logs nothing.
  await writer.commitJsonl('runs/r/round-0001/generate/batch-0000.jsonl', [{ other: true }]);

  const { store, sent } = countingStore(url);
  const log = await store.commitLog();
  expect([...sent]).toEqual([['ListObjectsV2Command', 1]]);
  expect(log.map((c) => [c.key, c.sha256, c.count])).toEqual(
    refs.map((r) => [r.uri.slice('store:'.length), r.sha256, r.count]),
  );
  // Each record's time is the one its manifest carries.
  for (const c of log.slice(0, 3)) {
    const manifest = await store.readJson<{ at: string }>(`${c.key}.manifest.json`);
    expect(c.at).toBe(manifest?.at);
  }
});

test('a record name round-trips, and names of another shape are not taken for records', () => {
  const r: CommitRecord = {
    key: 'runs/x/round-0002/judge/batch-0001-of-0004.jsonl',
    sha256: 'ab'.repeat(32),
    count: 8,
    at: '2026-12-03T10:13:16.123Z',
  };
  expect(parseCommitRecordName(commitRecordName(r).slice('_rlaif/commits/'.length))).toEqual(r);
  expect(parseCommitRecordName(`${r.key}/2026-12-03T101316123Z-abababababab.json`)).toBeUndefined();
});

test('records named the older way (time and a short sha) are read from their bodies', async () => {
  const url = 's3://log/older';
  const { store } = countingStore(url);
  const ref = await store.commitJsonl('runs/r/new.jsonl', [{ n: 1 }]);
  const older: CommitRecord = {
    key: 'runs/r/old.jsonl',
    sha256: 'cd'.repeat(32),
    count: 3,
    at: '2020-01-01T00:00:00.000Z',
  };
  await store.client.send(
    new PutObjectCommand({
      Bucket: 'log',
      Key: `older/_rlaif/commits/${older.key}/2020-01-01T000000000Z-cdcdcdcdcdcd.json`,
      Body: JSON.stringify(older),
    }),
  );
  const { store: reader, sent } = countingStore(url);
  expect(await reader.commitLog()).toEqual([
    older,
    { key: 'runs/r/new.jsonl', sha256: ref.sha256, count: 1, at: expect.any(String) },
  ]);
  expect(sent.get('GetObjectCommand')).toBe(1);
});
