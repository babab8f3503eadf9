/**
 * A multipart/form-data parser (RFC 7578) for the protocol test servers: enough for the uploads the
 * `openai` SDK sends (`files.create` posts a FormData body with a `purpose` field and a `file`
 * part). Binary-safe: parts are sliced from the raw body buffer, never decoded as a whole.
 */
import { ApiError } from '../../src/model-server/api-error';

/** One part of a multipart body. */
export interface FormPart {
  /** The field name from `Content-Disposition: form-data; name="…"`. */
  name: string;
  /** The file name, for file parts. */
  filename?: string;
  /** The part's own Content-Type, if it names one. */
  contentType?: string;
  data: Buffer;
}

/** The boundary named by a multipart Content-Type header, or undefined when it is not multipart. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function headerParam(header: string, param: string): string | undefined {
  const re = new RegExp(`;\\s*${param}\\*?=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const m = re.exec(header);
  if (!m) return undefined;
  if (m[1] !== undefined) return m[1].replace(/\\(.)/g, '$1');
  const v = m[2] as string;
  // RFC 5987 extended value: charset''percent-encoded
  const ext = /^[^']*'[^']*'(.*)$/.exec(v);
  return ext ? decodeURIComponent(ext[1] as string) : v;
}

const malformed = (what: string): ApiError =>
  new ApiError(400, `Malformed multipart/form-data body: ${what}.`, 'invalid_request_error');

/** Splits a multipart/form-data body into its parts; throws a 400 ApiError when it is malformed. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw malformed('no boundary found');
  for (;;) {
    pos += delim.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing "--boundary--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else throw malformed('boundary not followed by CRLF');
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw malformed('part headers not terminated');
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw malformed('missing closing boundary');
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (!/^form-data\b/i.test(disposition) || name === undefined)
      throw malformed('a part lacks Content-Disposition: form-data; name=…');
    parts.push({
      name,
      filename: headerParam(disposition, 'filename'),
      contentType: headers.get('content-type'),
      data: Buffer.from(body.subarray(headEnd + 4, next)),
    });
    pos = next + 2;
  }
}
