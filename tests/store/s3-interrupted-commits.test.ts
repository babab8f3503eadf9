/**
 * S3 commits interrupted the ways the chaos suite interrupts them, on a real S3-compatible server:
 * a commit whose conditional write the server took but whose answer was lost is still the
 * attempt's own commit (logged once); an attempt killed with its multipart upload in flight
 * leaves no object, and the commit that wins the key aborts the abandoned upload.
 */
import { createHash } from 'node:crypto';
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../src/store/s3-store';
import { useS3Server } from '../helpers/s3-server';

useS3Server(['interrupted']);
const Bucket = 'interrupted';

test('a manifest write whose answer is lost is retried, refused (412) and still counted as this commit, once', async () => {
  const store = new S3ArtifactStore('s3://interrupted/lost-answer');
  let dropped = 0;
  // After the server has taken the manifest, the connection "drops": the SDK retries the write.
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const input = args.input as { Key?: string; IfNoneMatch?: string };
      if (context.commandName === 'PutObjectCommand' && input.IfNoneMatch === '*' && dropped === 0) {
        dropped++;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
      }
      return out;
    },
    { step: 'deserialize', name: 'dropFirstManifestAnswer' },
  );
  const rows = [{ id: 'a' }, { id: 'b' }];
  const { ref, rows: committed } = await store.commitRows('runs/r/x.jsonl', rows);
  expect(dropped).toBe(1);
  expect(committed).toEqual(rows);
  const log = await new S3ArtifactStore('s3://interrupted/lost-answer').commitLog();
  expect(log.map((c) => [c.key, c.sha256])).toEqual([['runs/r/x.jsonl', ref.sha256]]);
});

test('an upload abandoned mid-way never becomes an object, and the winning commit aborts it', async () => {
  const store = new S3ArtifactStore('s3://interrupted/upload', { multipartFrom: 1024 });
  const key = 'runs/r/round-0001/optimize-policy/policy.onnx';
  const data = Buffer.alloc(64 * 1024, 7);
  const name = `upload/${key}.sha256-${createHash('sha256').update(data).digest('hex')}`;
  // A killed attempt: its upload created, a part sent, never completed.
  const { UploadId } = await store.client.send(new CreateMultipartUploadCommand({ Bucket, Key: name }));
  await store.client.send(new UploadPartCommand({ Bucket, Key: name, UploadId, PartNumber: 1, Body: data }));
  const objects = async () =>
    ((await store.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'upload/' }))).Contents ?? []).map(
      (o) => o.Key,
    );
  const uploads = async () =>
    (
      (await store.client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'upload/' }))).Uploads ?? []
    ).map((u) => u.UploadId);
  expect(await objects()).toEqual([]);
  expect(await uploads()).toEqual([UploadId]);

  // The replacement commits the key (in parts of its own) and aborts what was left in flight.
  const ref = await store.commitBytes(key, data, 1);
  expect(await uploads()).toEqual([]);
  const stored = (await objects()).filter((o) => !o?.startsWith('upload/_rlaif/'));
  expect(stored.sort()).toEqual([`upload/${key}.manifest.json`, name].sort());
  expect(await new S3ArtifactStore('s3://interrupted/upload').readBytes(ref)).toEqual(data);
});
