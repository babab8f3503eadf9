/** The Files resource of the jobs server: multipart uploads, file objects and their bytes, in memory. */
import type { IncomingMessage } from 'http';
import { ApiError, invalidParam, missingParam } from '../../src/model-server/api-error';
import { newId, now, page, type Json, type OpenAIJobsServerStats } from './common';
import { multipartBoundary, parseMultipart } from './multipart';

/** A stored file: its object as the API shows it, and its bytes. */
export interface StoredFile {
  meta: {
    id: string;
    object: 'file';
    bytes: number;
    created_at: number;
    filename: string;
    purpose: string;
    status: 'processed';
    expires_at: number | null;
    status_details: null;
  };
  data: Buffer;
}

/** Purposes OpenAI accepts on upload. */
const PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];

/** The server's files: uploaded ones, and those batches and jobs write (outputs, results). */
export class Files {
  private readonly files = new Map<string, StoredFile>();

  constructor(private readonly stats: OpenAIJobsServerStats) {}

  /** Stores `data` as a new file and returns its object. */
  store(filename: string, purpose: string, data: Buffer): StoredFile['meta'] {
    const meta: StoredFile['meta'] = {
      id: newId('file-', 12),
      object: 'file',
      bytes: data.length,
      created_at: now(),
      filename,
      purpose,
      status: 'processed',
      expires_at: null,
      status_details: null,
    };
    this.files.set(meta.id, { meta, data });
    return meta;
  }

  /** The file, or undefined. */
  find(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  /** The file, or a 404 in OpenAI's words. */
  get(id: string): StoredFile {
    const f = this.files.get(id);
    if (!f) throw new ApiError(404, `No such File object: ${id}`, 'invalid_request_error', 'id', null);
    return f;
  }

  /** `POST /v1/files`: a multipart upload as the SDK sends it (`purpose`, `file`). */
  create(req: IncomingMessage, raw: Buffer): Json {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary)
      throw new ApiError(
        400,
        'Invalid Content-Type header: expected multipart/form-data with a boundary.',
        'invalid_request_error',
      );
    const parts = parseMultipart(raw, boundary);
    const purposePart = parts.find((p) => p.name === 'purpose');
    const filePart = parts.find((p) => p.name === 'file');
    if (!purposePart) throw missingParam('purpose');
    if (!filePart || filePart.filename === undefined) throw missingParam('file');
    const purpose = purposePart.data.toString('utf8');
    if (!PURPOSES.includes(purpose))
      throw invalidParam(
        'purpose',
        `Invalid 'purpose': expected one of ${PURPOSES.join(', ')}, got '${purpose}'.`,
      );
    if ((purpose === 'batch' || purpose === 'fine-tune') && !/\.jsonl$/i.test(filePart.filename))
      throw invalidParam(
        'file',
        `Invalid file '${filePart.filename}': purpose '${purpose}' needs a .jsonl file.`,
      );
    this.stats.filesCreated++;
    return this.store(filePart.filename, purpose, filePart.data);
  }

  /** `GET /v1/files`: newest first, optionally of one purpose. */
  list(query: URLSearchParams): Json {
    const purpose = query.get('purpose');
    const all: Json[] = [...this.files.values()].map((f) => f.meta).reverse();
    return page(purpose ? all.filter((f) => f.purpose === purpose) : all, query);
  }
}
