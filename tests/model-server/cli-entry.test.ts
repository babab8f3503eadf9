/** runServeLocal in a child process: prints its URL and models, serves, and exits cleanly on SIGTERM; --api-key-env guards it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { join } from 'path';
import OpenAI from 'openai';
import { apiKeyFromEnv, runServeLocal } from '../../src/model-server/cli-entry';

/** Starts runServeLocal(opts) in a child process; resolves with the child and its base URL once it listens. */
async function serveInChild(
  opts: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const entry = join(__dirname, '../../src/model-server/cli-entry.js');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(entry)}).runServeLocal(${JSON.stringify(opts)}).then(() => process.exit(0))`,
    ],
    { env },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /local model server: (http:\/\/\S+\/v1)/.exec(stderr);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

describe('runServeLocal', () => {
  it('serves until SIGTERM, then exits 0', async () => {
    const { child, url, stderr } = await serveInChild({ port: 0 });
    expect(stderr()).toContain('local-policy, local-judge, local-embed');
    const client = new OpenAI({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    expect((await client.models.list()).data).toHaveLength(3);
    expect(await stop(child)).toBe(0);
    expect(stderr()).toContain('SIGTERM, stopping');
  });

  it('with apiKeyEnv, requires that key on every request', async () => {
    const key = 'serve-local-test-key-0123456789';
    const { child, url, stderr } = await serveInChild(
      { port: 0, apiKeyEnv: 'RLAIF_TEST_SERVE_KEY' },
      { ...process.env, RLAIF_TEST_SERVE_KEY: key },
    );
    try {
      expect(stderr()).toContain('the API key in $RLAIF_TEST_SERVE_KEY');
      expect(stderr()).not.toContain(key);
      const right = new OpenAI({ baseURL: url, apiKey: key, maxRetries: 0 });
      expect((await right.models.list()).data).toHaveLength(3);
      const wrong = new OpenAI({ baseURL: url, apiKey: `${key.slice(0, -1)}X`, maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
      expect((await fetch(`${url}/models`)).status).toBe(401);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('refuses to start when the key variable is unset or empty', async () => {
    expect(() => apiKeyFromEnv('RLAIF_TEST_SERVE_KEY', {})).toThrow(/RLAIF_TEST_SERVE_KEY is not set/);
    expect(() => apiKeyFromEnv('RLAIF_TEST_SERVE_KEY', { RLAIF_TEST_SERVE_KEY: '  ' })).toThrow(
      /RLAIF_TEST_SERVE_KEY is empty/,
    );
    delete process.env.RLAIF_TEST_SERVE_KEY_UNSET;
    await expect(runServeLocal({ port: 0, apiKeyEnv: 'RLAIF_TEST_SERVE_KEY_UNSET' })).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('--api-key-env RLAIF_TEST_SERVE_KEY_UNSET'),
    });
    await expect(runServeLocal({ port: 0, limits: { maxConcurrent: 0 } })).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('maxConcurrent'),
    });
  });
});
