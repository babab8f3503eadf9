/**
 * The store under the chaos suite's faults: a corrupt object is taken out on read and only the
 * same bytes may take its place; the commit-kill hook dies between temp file and rename; a disk
 * that refuses writes gives a message a person can act on and damages nothing committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from '../../src/store/local-store';

let root: string;
let store: LocalArtifactStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-chaos-store-'));
  store = new LocalArtifactStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('a corrupt object is quarantined on read; recomputing the same bytes restores it, other bytes are refused', async () => {
  const key = 'runs/r/round-0001/generate/batch-0000-of-0002.jsonl';
  const ref = await store.commitJsonl(key, [{ id: 'a' }, { id: 'b' }]);
  const file = store.pathOf(key);
  const bytes = fs.readFileSync(file);
  bytes[3] = (bytes[3] as number) ^ 1;
  fs.writeFileSync(file, bytes);

  await expect(store.readJsonl(ref)).rejects.toThrow(/is corrupt: .*moved aside .*producer recomputes it/);
  expect(await store.get(key)).toBeUndefined();
  expect((await store.quarantineLog()).map((q) => q.key)).toEqual([key]);
  expect(fs.readdirSync(path.dirname(file)).some((n) => n.includes('.corrupt-'))).toBe(true);

  await expect(store.commitJsonl(key, [{ id: 'a' }, { id: 'X' }])).rejects.toThrow(
    /recomputing it gave other bytes/,
  );
  expect(await store.get(key)).toBeUndefined();
  const again = await store.commitJsonl(key, [{ id: 'a' }, { id: 'b' }]);
  expect(again).toEqual(ref);
  expect(await store.readJsonl(ref)).toEqual([{ id: 'a' }, { id: 'b' }]);
  expect((await store.commitLog()).filter((c) => c.key === key).map((c) => c.sha256)).toEqual([
    ref.sha256,
    ref.sha256,
  ]);
});

test('an object whose file vanished under its manifest is quarantined like a corrupt one', async () => {
  const key = 'runs/r/round-0001/judge/batch-0000-of-0001.jsonl';
  const ref = await store.commitJsonl(key, [{ id: 'a' }]);
  fs.rmSync(store.pathOf(key));
  await expect(store.readBytes(ref)).rejects.toMatchObject({ name: 'ArtifactCorruptError' });
  expect(await store.get(key)).toBeUndefined();
  expect(await store.commitJsonl(key, [{ id: 'a' }])).toEqual(ref);
});

test('RLAIF_CHAOS_KILL_ON_COMMIT=2 kills the process at its second commit, before the link; the key commits later', async () => {
  const storeModule = path.resolve(__dirname, '..', '..', 'src', 'store', 'local-store.js');
  const script = `
    const { LocalArtifactStore } = require(${JSON.stringify(storeModule)});
    const s = new LocalArtifactStore(${JSON.stringify(root)});
    (async () => {
      await s.commitJsonl('runs/r/one.jsonl', [{ n: 1 }]);
      await s.commitJsonl('runs/r/two.jsonl', [{ n: 2 }]);
      await s.commitJsonl('runs/r/three.jsonl', [{ n: 3 }]);
    })();`;
  const out = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, RLAIF_CHAOS_KILL_ON_COMMIT: '2' },
  });
  expect(out.signal).toBe('SIGKILL');
  const files = fs.readdirSync(path.join(root, 'runs/r')).sort();
  expect(files.filter((f) => f.endsWith('.manifest.json'))).toEqual(['one.jsonl.manifest.json']);
  expect(files.some((f) => /^two\.jsonl\.tmp-\d+-[0-9a-f]+$/.test(f))).toBe(true);
  expect(files).not.toContain('two.jsonl');
  // The orphan temporary file blocks nothing: the retry commits the key once.
  const ref = await store.commitJsonl('runs/r/two.jsonl', [{ n: 2 }]);
  expect(await store.readJsonl(ref)).toEqual([{ n: 2 }]);
  expect((await store.commitLog()).map((c) => c.key)).toEqual(['runs/r/one.jsonl', 'runs/r/two.jsonl']);
});

function canMount(): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(canMount() ? test : test.skip)(
  'a full or read-only disk gives an actionable error and damages nothing',
  async () => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-chaos-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    try {
      const s = new LocalArtifactStore(mnt);
      const ref = await s.commitJsonl('runs/r/a.jsonl', [{ n: 1 }]);
      const big = Array.from({ length: 4000 }, (_, i) => ({ i, pad: 'x'.repeat(400) }));
      await expect(s.commitJsonl('runs/r/big.jsonl', big)).rejects.toMatchObject({
        name: 'ArtifactStoreUnwritableError',
        message: expect.stringMatching(
          /cannot be written \(ENOSPC: the disk is full\) while writing runs\/r\/big\.jsonl\. Free space/,
        ),
      });
      expect(await s.get('runs/r/big.jsonl')).toBeUndefined();
      // No temporary file is left to fill the disk further.
      expect(fs.readdirSync(path.join(mnt, 'runs/r')).filter((f) => f.includes('.tmp-'))).toEqual([]);

      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      await expect(s.appendPartial('runs/r/b.jsonl', [{ n: 2 }])).rejects.toThrow(
        /EROFS: the file system is read-only/,
      );
      // A folder that does not exist yet: the reason is still EROFS, not the ENOENT Node reports.
      await expect(s.commitJsonl('runs/new/round-0002/x.jsonl', [{ n: 3 }])).rejects.toThrow(
        /EROFS: the file system is read-only\) while writing runs\/new\/round-0002\/x\.jsonl/,
      );
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
      expect(await s.readJsonl(ref)).toEqual([{ n: 1 }]);
      await s.commitJsonl('runs/r/b.jsonl', [{ n: 2 }]);
      expect((await s.commitLog()).map((c) => c.key)).toEqual(['runs/r/a.jsonl', 'runs/r/b.jsonl']);
    } finally {
      execFileSync('umount', ['-l', mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  },
);
