/** Reads a GGUF v3 file (see format.ts): for tests, and to copy a tokenizer out of a vocab-only file. */
import fs from 'node:fs';
import { fromHalfBits } from './half';
import {
  DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  TensorType,
  ValueType,
  alignUp,
  elementBytes,
  elementCount,
  type ArrayValue,
  type GgufFile,
  type MetaValue,
  type Scalar,
  type Tensor,
} from './format';

/** Thrown for a file that is not a GGUF v3 file this reader understands; names the file and offset. */
export class GgufFormatError extends Error {}

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly file: string,
  ) {}

  fail(what: string): never {
    throw new GgufFormatError(`${this.file}: ${what} (at byte ${this.pos})`);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) this.fail(`the file ends early: ${n} more bytes needed`);
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A uint64 that must fit a JS number (counts, lengths, offsets). */
  size(what: string): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} is too large`);
    return Number(v);
  }
  str(): string {
    const n = this.size('a string length');
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  scalar(type: ValueType): Scalar['value'] {
    const b = this.buf;
    const at = (n: number) => {
      this.need(n);
      const p = this.pos;
      this.pos += n;
      return p;
    };
    switch (type) {
      case ValueType.UINT8:
        return b.readUInt8(at(1));
      case ValueType.INT8:
        return b.readInt8(at(1));
      case ValueType.UINT16:
        return b.readUInt16LE(at(2));
      case ValueType.INT16:
        return b.readInt16LE(at(2));
      case ValueType.UINT32:
        return b.readUInt32LE(at(4));
      case ValueType.INT32:
        return b.readInt32LE(at(4));
      case ValueType.FLOAT32:
        return b.readFloatLE(at(4));
      case ValueType.FLOAT64:
        return b.readDoubleLE(at(8));
      case ValueType.UINT64:
        return b.readBigUInt64LE(at(8));
      case ValueType.INT64:
        return b.readBigInt64LE(at(8));
      case ValueType.BOOL:
        return b.readUInt8(at(1)) !== 0;
      case ValueType.STRING:
        return this.str();
      default:
        return this.fail(`unknown metadata value type ${String(type)}`);
    }
  }

  value(): MetaValue {
    const type = this.u32() as ValueType;
    if (type === ValueType.ARRAY) return this.array();
    return { type, value: this.scalar(type) } as MetaValue;
  }

  /** An array's body: element type, count, elements (an inner array is again a body). */
  array(): ArrayValue {
    const itemType = this.u32() as ValueType;
    const n = this.size('an array length');
    const items: ArrayValue['items'] = [];
    for (let i = 0; i < n; i++)
      items.push(itemType === ValueType.ARRAY ? this.array() : this.scalar(itemType));
    return { type: ValueType.ARRAY, itemType, items };
  }
}

/** Parses GGUF bytes; `file` names the source in errors. */
export function parseGguf(buf: Buffer, file = '<buffer>'): GgufFile {
  const c = new Cursor(buf, file);
  if (c.u32() !== GGUF_MAGIC) c.fail('not a GGUF file (bad magic)');
  const version = c.u32();
  if (version !== 3) c.fail(`GGUF version ${version}; only version 3 is supported`);
  const tensorCount = c.size('the tensor count');
  const kvCount = c.size('the metadata count');
  const metadata = new Map<string, MetaValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.str();
    if (metadata.has(key)) c.fail(`metadata key "${key}" appears twice`);
    metadata.set(key, c.value());
  }
  const infos: Array<{ name: string; dims: number[]; type: TensorType; offset: number }> = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.str();
    const nDims = c.u32();
    if (nDims < 1 || nDims > 4) c.fail(`tensor "${name}" has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.size(`a dimension of tensor "${name}"`));
    const type = c.u32() as TensorType;
    elementBytes(type);
    infos.push({ name, dims, type, offset: c.size(`the offset of tensor "${name}"`) });
  }
  const align = metadata.get('general.alignment');
  const alignment = align && align.type === ValueType.UINT32 ? align.value : DEFAULT_ALIGNMENT;
  const dataStart = alignUp(c.pos, alignment);
  const tensors: Tensor[] = infos.map((t) => {
    if (t.offset % alignment !== 0) c.fail(`tensor "${t.name}" is not aligned to ${alignment} bytes`);
    const n = elementCount(t.dims);
    const start = dataStart + t.offset;
    const end = start + n * elementBytes(t.type);
    if (end > buf.length) c.fail(`tensor "${t.name}" runs past the end of the file`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      data[i] =
        t.type === TensorType.F32
          ? buf.readFloatLE(start + 4 * i)
          : fromHalfBits(buf.readUInt16LE(start + 2 * i));
    }
    return { name: t.name, dims: t.dims, type: t.type, data };
  });
  return { version, metadata, tensors };
}

/** Reads and parses a GGUF file. */
export function readGguf(file: string): GgufFile {
  return parseGguf(fs.readFileSync(file), file);
}
