/**
 * scripts/setup.js: its options, the rule that a project-local tool build is used only when it
 * was built from the pinned version, and the progress lines it prints during long steps.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface SetupModule {
  GO_TOOLS: Record<string, { module: string; version: string; ldflags: string }>;
  parseArgs(argv: string[]): { quiet: boolean; extra: string[] } | string;
  findTool(name: string, root: string): string | null;
  runWithProgress(
    command: string,
    args: string[],
    what: string,
    options: object,
    everyMs: number,
  ): Promise<{ ok: boolean; elapsedMs: number; cpuMs: number | null }>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const setup = require(path.join(__dirname, '..', '..', '..', 'scripts', 'setup.js')) as SetupModule;

describe('scripts/setup.js', () => {
  it('takes --quiet and --with for the optional tools, and names anything else', () => {
    expect(setup.parseArgs(['--quiet', '--with', 'ollama'])).toEqual({ quiet: true, extra: ['ollama'] });
    expect(setup.parseArgs(['--with', 'redis'])).toMatch(/unknown option --with redis; usage:/);
    expect(setup.parseArgs(['--fast'])).toMatch(/unknown option --fast/);
  });

  it('sets each built tool’s version string from its pin', () => {
    for (const [name, tool] of Object.entries(setup.GO_TOOLS)) {
      expect({ name, ldflags: tool.ldflags }).toEqual({
        name,
        ldflags: expect.stringContaining(`Version=${tool.version.replace(/^v/, '')}`),
      });
    }
  });

  it('uses a project-local build only when it was built from the pinned version', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlaif-setup-'));
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const bin = path.join(root, '.tools', 'bin');
      fs.mkdirSync(bin, { recursive: true });
      const exe = path.join(bin, 'versitygw');
      fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
      expect(setup.findTool('versitygw', root)).toBeNull();
      const tool = setup.GO_TOOLS.versitygw;
      fs.writeFileSync(
        path.join(bin, 'versitygw.built-from'),
        `${tool.module}@v0.0.1 -ldflags ${tool.ldflags}\n`,
      );
      expect(setup.findTool('versitygw', root)).toBeNull();
      fs.writeFileSync(
        path.join(bin, 'versitygw.built-from'),
        `${tool.module}@${tool.version} -ldflags ${tool.ldflags}\n`,
      );
      expect(setup.findTool('versitygw', root)).toBe(exe);
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('prints the elapsed time while a long step runs, and reports how it ended', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    try {
      const sleep = ['-e', 'setTimeout(() => process.exit(3), 700)'];
      const result = await setup.runWithProgress(process.execPath, sleep, 'building x', {}, 200);
      expect(result.ok).toBe(false);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(600);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatch(/^\[setup\] still building x: \d+s elapsed$/);
    } finally {
      spy.mockRestore();
    }
  });

  it("reports the CPU time a step's processes used, which an idle machine's wall time follows", async () => {
    if (process.platform !== 'linux') return;
    // About 0.5 s of CPU in a child, whatever else the machine does; a sleep uses none.
    const spin = [
      '-e',
      'const end = process.cpuUsage().user + 500000; while (process.cpuUsage().user < end);',
    ];
    const busy = await setup.runWithProgress(process.execPath, spin, 'spinning', {}, 60_000);
    expect(busy.cpuMs).toBeGreaterThanOrEqual(450);
    const idle = await setup.runWithProgress(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 500)'],
      'idling',
      {},
      60_000,
    );
    expect(idle.cpuMs).toBeLessThan(400);
  });
});
