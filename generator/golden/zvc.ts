/**
 * Zero-value compression (ZVC) of operand tensors, the format the DMA of
 * issue 9 will read and write: the golden model packs and unpacks it, and the
 * traffic model counts its bytes.
 *
 * A row of a tensor is cut into chunks of `chunk` elements (the last chunk of
 * a row may be shorter: cols mod chunk). A chunk is a bit string, least
 * significant bit first:
 *   bitmap   one bit per element of the chunk, element i at bit i: 1 = nonzero
 *   values   the nonzero elements in order, each opBits bits, two's complement
 *   padding  zeros up to the next byte boundary
 * so every chunk starts on a byte and the bytes of a row are its chunks back
 * to back. A tensor is its rows back to back, with an index of rows + 1 byte
 * offsets (row r is bytes index[r] .. index[r + 1] - 1), which lets a
 * descriptor start at any row.
 *
 * A stream that does not decode is an error, never a guess: too few bytes for
 * what the bitmaps announce, bytes left over, nonzero padding, or a zero in a
 * value slot (the bitmap said nonzero).
 */

/** The stream does not decode: what is wrong and where (row, chunk, byte). */
export class ZvcDecodeError extends Error {}

export interface ZvcTensor {
  /** rows + 1 byte offsets into data */
  index: number[];
  data: Uint8Array;
}

function checkFormat(opBits: number, chunk: number): void {
  if (!Number.isInteger(opBits) || opBits < 2 || opBits > 16) throw new RangeError(`zvc: operand bits must be 2..16, got ${opBits}`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`zvc: chunk must be a positive integer, got ${chunk}`);
}

/** Bytes of one chunk with `n` elements of which `nonzeros` are not zero. */
export function chunkBytes(n: number, nonzeros: number, opBits: number): number {
  return Math.ceil((n + nonzeros * opBits) / 8);
}

/** Bytes of a row in the compressed form, without packing it. */
export function zvcRowBytes(row: readonly number[], opBits: number, chunk: number): number {
  checkFormat(opBits, chunk);
  let bytes = 0;
  for (let start = 0; start < row.length; start += chunk) {
    const part = row.slice(start, start + chunk);
    bytes += chunkBytes(part.length, part.filter((v) => v !== 0).length, opBits);
  }
  return bytes;
}

/** Appends bits to a little-endian byte stream. */
class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private used = 0;

  put(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.used;
      if (++this.used === 8) this.flush();
    }
  }

  /** Pads with zeros to the next byte boundary. */
  align(): void {
    if (this.used > 0) this.flush();
  }

  private flush(): void {
    this.bytes.push(this.acc);
    this.acc = 0;
    this.used = 0;
  }

  result(): number[] {
    return this.bytes;
  }
}

/** Packs one row of signed opBits-bit integers. */
export function packZvcRow(row: readonly number[], opBits: number, chunk: number): Uint8Array {
  checkFormat(opBits, chunk);
  const min = -(2 ** (opBits - 1));
  const max = 2 ** (opBits - 1) - 1;
  const w = new BitWriter();
  for (let start = 0; start < row.length; start += chunk) {
    const part = row.slice(start, start + chunk);
    for (const v of part) {
      if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`zvc: ${v} is not a ${opBits}-bit signed integer`);
      w.put(v !== 0 ? 1 : 0, 1);
    }
    for (const v of part) if (v !== 0) w.put(v & (2 ** opBits - 1), opBits);
    w.align();
  }
  return Uint8Array.from(w.result());
}

/** Unpacks one row of `cols` elements; the bytes must hold exactly that row. */
export function unpackZvcRow(bytes: Uint8Array, cols: number, opBits: number, chunk: number, where = 'row'): number[] {
  checkFormat(opBits, chunk);
  let bit = 0;
  const take = (bits: number, what: string): number => {
    if (bit + bits > bytes.length * 8) {
      throw new ZvcDecodeError(`${where}: the stream ends inside ${what} (byte ${Math.floor(bit / 8)} of ${bytes.length})`);
    }
    let value = 0;
    for (let i = 0; i < bits; i++, bit++) value |= ((bytes[bit >>> 3] >>> (bit & 7)) & 1) << i;
    return value >>> 0;
  };
  const out: number[] = [];
  for (let start = 0, c = 0; start < cols; start += chunk, c++) {
    const n = Math.min(chunk, cols - start);
    const bitmap = Array.from({ length: n }, () => take(1, `the bitmap of chunk ${c}`));
    for (const nonzero of bitmap) {
      if (!nonzero) {
        out.push(0);
        continue;
      }
      const raw = take(opBits, `a value of chunk ${c}`);
      const value = raw >= 2 ** (opBits - 1) ? raw - 2 ** opBits : raw;
      if (value === 0) throw new ZvcDecodeError(`${where}: chunk ${c} has a zero where its bitmap announces a nonzero`);
      out.push(value);
    }
    const pad = (8 - (bit % 8)) % 8;
    if (take(pad, `the padding of chunk ${c}`) !== 0) throw new ZvcDecodeError(`${where}: chunk ${c} has nonzero padding bits`);
  }
  if (bit !== bytes.length * 8) {
    throw new ZvcDecodeError(`${where}: ${bytes.length - bit / 8} bytes are left over after ${cols} elements`);
  }
  return out;
}

/** Packs a tensor row by row, with its row index. */
export function packZvc(tensor: readonly (readonly number[])[], opBits: number, chunk: number): ZvcTensor {
  const rows = tensor.map((row) => packZvcRow(row, opBits, chunk));
  const index = [0];
  for (const r of rows) index.push(index[index.length - 1] + r.length);
  const data = new Uint8Array(index[index.length - 1]);
  rows.forEach((r, i) => data.set(r, index[i]));
  return { index, data };
}

/** Unpacks a tensor of `cols` columns; every row must decode exactly. */
export function unpackZvc(z: ZvcTensor, cols: number, opBits: number, chunk: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r + 1 < z.index.length; r++) {
    const [from, to] = [z.index[r], z.index[r + 1]];
    if (!(from <= to && to <= z.data.length))
      throw new ZvcDecodeError(`row ${r}: index ${from}..${to} is outside the ${z.data.length} data bytes`);
    out.push(unpackZvcRow(z.data.subarray(from, to), cols, opBits, chunk, `row ${r}`));
  }
  return out;
}
