/** Jest helpers that give a test file its own Versity S3 gateway on a free loopback port. */
import { startS3Server, type S3Server } from '../../devtools/s3-server';

/**
 * Registers `beforeAll`/`afterAll` hooks that start a gateway with `buckets` for the enclosing
 * `describe` (or file) and stop it, and sets the process's AWS_* variables to it meanwhile, as a
 * worker's environment would; call the returned function inside tests to get the server.
 */
export function useS3Server(buckets: string[] = ['rlaif']): () => S3Server {
  let server: S3Server | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    server = await startS3Server({ buckets });
    for (const [k, v] of Object.entries(server.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the S3 server is not running (call useS3Server() in a describe block)');
    return server;
  };
}
