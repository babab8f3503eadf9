/**
 * What the S3 store relies on, checked against the S3-compatible server the tests run (the
 * Versity gateway, devtools/s3-server.ts) with the plain SDK: conditional creates, checksums
 * the server verifies, multipart parts checked the same way, and a restart keeping what it stored.
 */
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3ClientFromEnv } from '../../src/store/s3-store';
import { useS3Server } from '../helpers/s3-server';

const server = useS3Server(['semantics']);
let client: S3Client;
beforeAll(() => {
  client = s3ClientFromEnv();
});
afterAll(() => client.destroy());

const Bucket = 'semantics';
const b64 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');
const statusOf = (err: unknown) =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const body = async (Key: string) =>
  (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();

test('If-None-Match: * creates an object once; a second create gets 412 and changes nothing', async () => {
  const Key = 'cond/once';
  await client.send(new PutObjectCommand({ Bucket, Key, Body: 'first', IfNoneMatch: '*' }));
  const err = await client.send(new PutObjectCommand({ Bucket, Key, Body: 'second', IfNoneMatch: '*' })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(statusOf(err)).toBe(412);
  expect(await body(Key)).toBe('first');
});

test('of twelve concurrent conditional creates of one key, exactly one succeeds', async () => {
  const Key = 'cond/race';
  const outcomes = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      client.send(new PutObjectCommand({ Bucket, Key, Body: `writer ${i}`, IfNoneMatch: '*' })).then(
        () => ({ i, status: 200 }),
        (e: unknown) => ({ i, status: statusOf(e) }),
      ),
    ),
  );
  const winners = outcomes.filter((o) => o.status === 200);
  expect(winners).toHaveLength(1);
  expect(outcomes.filter((o) => o.status !== 200).every((o) => o.status === 412 || o.status === 409)).toBe(
    true,
  );
  expect(await body(Key)).toBe(`writer ${winners[0]!.i}`);
});

test('an upload whose SHA-256 does not match its body is refused and nothing is stored', async () => {
  const Key = 'sum/bad';
  const err = await client
    .send(
      new PutObjectCommand({
        Bucket,
        Key,
        Body: 'the body',
        ChecksumSHA256: b64(Buffer.from('another body')),
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(statusOf(err)).toBe(400);
  const read = await client.send(new GetObjectCommand({ Bucket, Key })).then(
    () => 'found',
    (e: unknown) => statusOf(e),
  );
  expect(read).toBe(404);
  await client.send(
    new PutObjectCommand({ Bucket, Key, Body: 'the body', ChecksumSHA256: b64(Buffer.from('the body')) }),
  );
  expect(await body(Key)).toBe('the body');
});

test('a multipart part with a wrong SHA-256 is refused; right ones complete', async () => {
  const Key = 'multi/obj';
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA256' }),
  );
  const part = Buffer.alloc(5 * 1024 * 1024, 7);
  const bad = await client
    .send(
      new UploadPartCommand({
        Bucket,
        Key,
        UploadId,
        PartNumber: 1,
        Body: part,
        ChecksumSHA256: b64(Buffer.from('x')),
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(statusOf(bad)).toBe(400);
  const ok = await client.send(
    new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: part, ChecksumSHA256: b64(part) }),
  );
  const last = Buffer.from('tail');
  const ok2 = await client.send(
    new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: last, ChecksumSHA256: b64(last) }),
  );
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: ok.ETag!, ChecksumSHA256: b64(part) },
          { PartNumber: 2, ETag: ok2.ETag!, ChecksumSHA256: b64(last) },
        ],
      },
    }),
  );
  const got = await (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray();
  expect(createHash('sha256').update(got).digest('hex')).toBe(
    createHash('sha256')
      .update(Buffer.concat([part, last]))
      .digest('hex'),
  );
});

test('a SIGKILLed server restarted on the same folder still holds what it stored, and still refuses a second create', async () => {
  const Key = 'restart/obj';
  await client.send(new PutObjectCommand({ Bucket, Key, Body: 'kept', IfNoneMatch: '*' }));
  await server().restart({ hard: true });
  expect(await body(Key)).toBe('kept');
  const err = await client.send(new PutObjectCommand({ Bucket, Key, Body: 'again', IfNoneMatch: '*' })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(statusOf(err)).toBe(412);
});
