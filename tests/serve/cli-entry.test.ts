/** runServeLocal in a child process: prints its URL and models, serves, and exits cleanly on SIGTERM. */
import { spawn } from 'child_process';
import { join } from 'path';
import OpenAI from 'openai';

describe('runServeLocal', () => {
  it('serves until SIGTERM, then exits 0', async () => {
    const entry = join(__dirname, '../../src/serve/cli-entry.js');
    const child = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(entry)}).runServeLocal({ port: 0 }).then(() => process.exit(0))`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
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
    expect(stderr).toContain('local-policy, local-judge, local-embed');
    const client = new OpenAI({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    expect((await client.models.list()).data).toHaveLength(3);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM, stopping');
  });
});
