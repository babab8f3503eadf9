/** Writes a GGUF v3 file (see format.ts) from metadata and F32/F16 tensors. */
import fs from 'node:fs';
import { toHalfBits } from './half';
import {
  DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  TensorType,
  ValueType,
  alignUp,
  elementBytes,
  elementCount,
  type ArrayValue,
  type MetaValue,
  type Scalar,
  type Tensor,
} from './format';

/** Collects byte chunks; `length` is the bytes so far. */
class Sink {
  readonly chunks: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(alignment: number): void {
    const n = alignUp(this.length, alignment) - this.length;
    if (n > 0) this.push(Buffer.alloc(n));
  }

  scalar(type: ValueType, v: Scalar['value'] | ArrayValue, key: string): void {
    const want = (t: string) => {
      if (typeof v !== t)
        throw new Error(`GGUF metadata "${key}": a ${ValueType[type]} needs a ${t}, got ${typeof v}`);
    };
    const b = (n: number) => Buffer.alloc(n);
    let out: Buffer;
    switch (type) {
      case ValueType.STRING:
        want('string');
        return this.str(v as string);
      case ValueType.BOOL:
        want('boolean');
        out = b(1);
        out.writeUInt8(v ? 1 : 0);
        break;
      case ValueType.UINT64:
      case ValueType.INT64:
        want('bigint');
        out = b(8);
        if (type === ValueType.UINT64) out.writeBigUInt64LE(v as bigint);
        else out.writeBigInt64LE(v as bigint);
        break;
      case ValueType.ARRAY:
        if (typeof v !== 'object')
          throw new Error(`GGUF metadata "${key}": an array element must be an array`);
        return this.array(v, key);
      default: {
        want('number');
        const n = v as number;
        const writers: Partial<Record<ValueType, [number, (buf: Buffer) => void]>> = {
          [ValueType.UINT8]: [1, (x) => x.writeUInt8(n)],
          [ValueType.INT8]: [1, (x) => x.writeInt8(n)],
          [ValueType.UINT16]: [2, (x) => x.writeUInt16LE(n)],
          [ValueType.INT16]: [2, (x) => x.writeInt16LE(n)],
          [ValueType.UINT32]: [4, (x) => x.writeUInt32LE(n)],
          [ValueType.INT32]: [4, (x) => x.writeInt32LE(n)],
          [ValueType.FLOAT32]: [4, (x) => x.writeFloatLE(n)],
          [ValueType.FLOAT64]: [8, (x) => x.writeDoubleLE(n)],
        };
        const w = writers[type];
        if (!w) throw new Error(`GGUF metadata "${key}": unknown value type ${String(type)}`);
        out = b(w[0]);
        w[1](out);
      }
    }
    this.push(out);
  }

  array(a: ArrayValue, key: string): void {
    this.u32(a.itemType);
    this.u64(a.items.length);
    for (const item of a.items) this.scalar(a.itemType, item, key);
  }

  value(v: MetaValue, key: string): void {
    this.u32(v.type);
    if (v.type === ValueType.ARRAY) this.array(v, key);
    else this.scalar(v.type, v.value, key);
  }
}

/** The bytes of a GGUF v3 file with this metadata (in map order) and these tensors. */
export function encodeGguf(metadata: Map<string, MetaValue>, tensors: readonly Tensor[]): Buffer {
  const align = metadata.get('general.alignment');
  const alignment = align && align.type === ValueType.UINT32 ? align.value : DEFAULT_ALIGNMENT;
  const out = new Sink();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, v] of metadata) {
    out.str(key);
    out.value(v, key);
  }
  let offset = 0;
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`GGUF tensor "${t.name}" appears twice`);
    names.add(t.name);
    if (t.data.length !== elementCount(t.dims))
      throw new Error(`GGUF tensor "${t.name}": ${t.data.length} values for dims [${t.dims.join(', ')}]`);
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offset);
    offset = alignUp(offset + t.data.length * elementBytes(t.type), alignment);
  }
  out.pad(alignment);
  for (const t of tensors) {
    const bytes = Buffer.alloc(t.data.length * elementBytes(t.type));
    if (t.type === TensorType.F32)
      for (let i = 0; i < t.data.length; i++) bytes.writeFloatLE(t.data[i] as number, 4 * i);
    else for (let i = 0; i < t.data.length; i++) bytes.writeUInt16LE(toHalfBits(t.data[i] as number), 2 * i);
    out.push(bytes);
    out.pad(alignment);
  }
  return Buffer.concat(out.chunks, out.length);
}

/** Writes a GGUF v3 file. */
export function writeGguf(file: string, metadata: Map<string, MetaValue>, tensors: readonly Tensor[]): void {
  fs.writeFileSync(file, encodeGguf(metadata, tensors));
}
