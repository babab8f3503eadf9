/**
 * scripts/test-real.js where Ollama can be neither found nor built: it says why and what to
 * install, skips with exit 0, and fails with CI=1 so that a CI machine cannot pass by skipping.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPTS = path.join(__dirname, '..', '..', '..', 'scripts');

describe('scripts/test-real.js without Ollama', () => {
  let root: string;
  beforeAll(() => {
    // A checkout with no .tools and no ../shared folder beside it: no Ollama, no header folder.
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-test-real-')), 'repo');
    fs.mkdirSync(path.join(root, 'scripts'), { recursive: true });
    for (const f of ['setup.js', 'test-real.js'])
      fs.copyFileSync(path.join(SCRIPTS, f), path.join(root, 'scripts', f));
  });
  afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(root, 'scripts', 'test-real.js')], {
      cwd: root,
      encoding: 'utf8',
      // A PATH without any ollama: only the system's own folders.
      env: { HOME: os.tmpdir(), PATH: '/usr/bin:/bin', ...env },
    });
  const headers = () => path.join(path.dirname(root), 'shared', 'third_party', 'ollama-headers');

  it('skips, naming the missing header folder and what to install', () => {
    const r = run({});
    expect(r.status).toBe(0);
    const out = r.stdout.trim();
    expect(out.startsWith('[test:real] SKIPPED: ')).toBe(true);
    // Go is found (PATH or /usr/local/go); the message names either the headers or Go.
    expect(out).toMatch(
      new RegExp(
        `(needs the header folder ${headers().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}|Go is not installed)`,
      ),
    );
    expect(out).toContain('https://ollama.com/download');
  });

  it('fails in CI with the same reason', () => {
    const r = run({ CI: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^\[test:real\] FAILED: Ollama is not on PATH/);
  });
});
