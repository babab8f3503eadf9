/** Reading a request body with a size cap, for the project's HTTP test servers. */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error';

/** The whole body; past `maxBytes` it fails with OpenAI's 413 error shape and drains the rest. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(
          new ApiError(413, `The request body is larger than ${maxBytes} bytes.`, 'invalid_request_error'),
        );
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
