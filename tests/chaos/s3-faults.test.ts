/**
 * A slice of `npm run chaos` on its S3 config: one real run whose artifact store is a real S3
 * server (the Versity gateway), struck by the S3 server SIGKILLed and restarted under a commit in
 * flight, a spell of 503 SlowDown throttling, and the worker SIGKILLed while a checkpoint's
 * multipart upload is in flight; then checked against the undisturbed run of the same config.
 */
import { runChaosSuite } from '../../src/chaos/suite';
import { failures, figuresOf } from '../../src/chaos/table';

test('an S3-backed run through S3 faults completes with the same figures, each key committed once', async () => {
  const lines: string[] = [];
  const result = await runChaosSuite({
    seed: 1,
    runs: { local: 0, http: 0, s3: 1 },
    rounds: 1,
    endpointFaultRate: 0,
    only: ['s3-restart', 's3-throttle', 'kill-mid-upload'],
    log: (line) => lines.push(line),
  });
  const fig = figuresOf(result);
  const report = result.reports[0]!;
  expect(report.check.unlogged).toEqual([]);
  expect(report.config).toBe('s3');
  const injected = report.faults.filter((f) => f.injected);
  // Each of the three strikes the run for real: a held commit meets a dead server, requests get
  // 503 SlowDown, a worker dies with an upload in flight.
  expect(injected.map((f) => f.kind)).toEqual(
    expect.arrayContaining(['s3-restart', 's3-throttle', 's3-throttle:503', 'kill-mid-upload']),
  );
  expect(injected.find((f) => f.kind === 's3-restart')?.note).toMatch(/killed under the commit of runs\//);
  expect(injected.find((f) => f.kind === 'kill-mid-upload')?.note).toMatch(/\.onnx\.sha256-[0-9a-f]{64}$/);
  // Completed, nothing lost, duplicated, differing, committed twice or damaged, no upload left.
  expect(failures(fig)).toEqual([]);
  expect(fig).toMatchObject({ runs: 1, unlogged: 0, artifactsDiffering: 0 });
}, 180_000);
