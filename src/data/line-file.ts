/**
 * Reading a user's line-based file (JSON Lines) without trusting it: its size is checked with
 * stat before a byte is read (and again while streaming, since a device or a growing file can
 * outgrow its stat), bytes must be UTF-8, and lines are handed over in short slices that yield to
 * the event loop, so a huge file neither stops the activity's heartbeats nor delays cancellation.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { decodeUtf8Lines } from './utf8';

/** Largest prompt or label file read (256 MiB): far above a prompt set, well below memory trouble. */
export const MAX_LINE_FILE_BYTES = 256 * 1024 * 1024;
/** Most lines read from one file (1,000,000, blank ones included). */
export const MAX_LINE_FILE_LINES = 1_000_000;
/** Longest line read (16 MiB), so that parsing one line never holds the event loop for long. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Limits and cancellation of one read; the limits default to the constants above. */
export interface LineFileOptions {
  maxBytes?: number;
  maxLines?: number;
  /** Stops the read (it rejects with the signal's reason) at the next slice. */
  signal?: AbortSignal;
}

/** The file cannot be read, is over a limit, or is not UTF-8; the message names the file. */
export class LineFileError extends Error {
  override readonly name = 'LineFileError';
}

/** How long lines are handed over before yielding to the event loop. */
const SLICE_MS = 10;
/** Bytes read at a time; at most MAX_LINE_BYTES, so a line within one chunk is never too long. */
const CHUNK_BYTES = 1024 * 1024;

const MiB = 1024 * 1024;
/** A size as people read it: "256 MiB", "1.5 MiB", "1000 bytes". */
export function formatBytes(bytes: number): string {
  return bytes >= MiB ? `${Number((bytes / MiB).toFixed(1))} MiB` : `${bytes} bytes`;
}

/**
 * Calls `each` with every line of `file` (without its "\n" or "\r\n") and its 1-based number.
 * `what` names the file in errors ("prompt file"). Throws LineFileError, or the signal's reason.
 */
export async function forEachLine(
  file: string,
  what: string,
  each: (line: string, lineNumber: number) => void,
  options: LineFileOptions = {},
): Promise<void> {
  const { maxBytes = MAX_LINE_FILE_BYTES, maxLines = MAX_LINE_FILE_LINES, signal } = options;
  signal?.throwIfAborted();
  const unreadable = (err: unknown) =>
    new LineFileError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  const tooBig = (size?: number) =>
    new LineFileError(
      `${file}: the ${what} is ${size === undefined ? 'larger than' : `${formatBytes(size)}, over`} the limit of ${formatBytes(maxBytes)}`,
    );
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch (err) {
    throw unreadable(err);
  }
  if (size > maxBytes) throw tooBig(size);

  let lineNumber = 0;
  let sliceStart = performance.now();
  const handOver = async (block: Buffer): Promise<void> => {
    const decoded = decodeUtf8Lines(block);
    if ('badLine' in decoded)
      throw new LineFileError(`${file}:${lineNumber + decoded.badLine}: invalid UTF-8`);
    for (const line of decoded.text.split('\n')) {
      if (++lineNumber > maxLines) {
        throw new LineFileError(`${file}: the ${what} has more than ${maxLines} lines, the limit`);
      }
      each(line.endsWith('\r') ? line.slice(0, -1) : line, lineNumber);
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise(setImmediate);
        signal?.throwIfAborted();
        sliceStart = performance.now();
      }
    }
  };

  // The bytes of a line not yet ended by "\n", kept as chunks (concatenating as they come
  // would copy a long line over and over).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let read = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES, signal })) {
      const bytes = chunk as Buffer;
      read += bytes.length;
      if (read > maxBytes) throw tooBig();
      // The line under way is what is pending plus this chunk up to its first newline (a line
      // wholly inside one chunk is within the limit, since a chunk is).
      const firstNewline = bytes.indexOf(0x0a);
      if (pendingBytes + (firstNewline < 0 ? bytes.length : firstNewline) > MAX_LINE_BYTES) {
        throw new LineFileError(
          `${file}:${lineNumber + 1}: the line is longer than the limit of ${formatBytes(MAX_LINE_BYTES)}`,
        );
      }
      if (firstNewline < 0) {
        pending.push(bytes);
        pendingBytes += bytes.length;
        continue;
      }
      const lastNewline = bytes.lastIndexOf(0x0a);
      const block = Buffer.concat([...pending, bytes.subarray(0, lastNewline)]);
      pending = [bytes.subarray(lastNewline + 1)];
      pendingBytes = bytes.length - lastNewline - 1;
      await handOver(block);
    }
    if (pendingBytes > 0) await handOver(Buffer.concat(pending));
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    // System errors (ENOENT, EISDIR, …) are the file's; anything else passes through as it is.
    if (err instanceof LineFileError || (err as NodeJS.ErrnoException).code === undefined) throw err;
    throw unreadable(err);
  }
}
