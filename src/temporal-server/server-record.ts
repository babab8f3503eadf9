/**
 * What `rlaif demo` and `rlaif server` record about the dev server they start (state folder,
 * temporal-server.json): its gRPC address and its UI's, so that every later command prints links
 * to the UI where it really is instead of guessing it from the gRPC port.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../paths';

export interface ServerRecord {
  pid: number;
  /** gRPC `host:port`. */
  address: string;
  /** The Web UI's base URL, when the server has one. */
  uiUrl?: string;
}

const recordFile = (dir: string) => path.join(dir, 'temporal-server.json');

/** Records a dev server this process started. */
export function recordServer(record: ServerRecord, dir = stateDir()): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(recordFile(dir), `${JSON.stringify(record)}\n`);
}

/** Forgets the recorded server if it is the one with `pid`. */
export function forgetServer(pid: number, dir = stateDir()): void {
  if (readRecord(dir)?.pid === pid) fs.rmSync(recordFile(dir), { force: true });
}

function readRecord(dir: string): ServerRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(recordFile(dir), 'utf8')) as Partial<ServerRecord>;
    return typeof r.pid === 'number' && typeof r.address === 'string' ? (r as ServerRecord) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

/** `host:port` with every loopback spelling made one, so localhost:7233 matches 127.0.0.1:7233. */
function sameAddress(a: string, b: string): boolean {
  const norm = (x: string) => {
    const i = x.lastIndexOf(':');
    const host = x.slice(0, i).toLowerCase();
    return `${LOOPBACK.has(host) ? 'loopback' : host}:${x.slice(i + 1)}`;
  };
  return norm(a) === norm(b);
}

/** The UI of the recorded dev server when it still runs at `address`. */
export function recordedUiUrl(address: string, dir = stateDir()): string | undefined {
  const r = readRecord(dir);
  if (!r?.uiUrl || !sameAddress(r.address, address) || !alive(r.pid)) return undefined;
  return r.uiUrl;
}
