/**
 * The memory traffic model and the memory images (generator/golden/traffic.ts):
 * hand-worked beats and bursts (unaligned rows, 4 KB boundaries, maxBurst),
 * burst lists checked against the contract's rules on random requests,
 * descriptor and program traffic, and image round trips (seeded).
 */
import { describe, expect, it } from 'vitest';
import { DESCRIPTOR_CONTROL_FIELDS, DESCRIPTOR_LAYOUT } from '../../generator/elaborate/regmap.ts';
import { randomMatrix } from '../../generator/golden/operands.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import {
  BOUNDARY_BYTES,
  denseTraffic,
  descriptorTraffic,
  fetchTraffic,
  MemoryImage,
  programBytes,
  programTraffic,
  readDense,
  readOperands,
  readResults,
  requestBeats,
  requestBursts,
  writeCompressed,
  writeDense,
  writeProgram,
  type BusShape,
  type Descriptor,
} from '../../generator/golden/traffic.ts';
import { unpackZvc } from '../../generator/golden/zvc.ts';

const BUS: BusShape = { dataBytes: 8, maxBurst: 16, elementBytes: 1, resultBytes: 4 };

describe('requests: beats', () => {
  it('counts the beats that cover a request, aligned or not', () => {
    expect(requestBeats(0, 8, 8)).toBe(1);
    expect(requestBeats(4, 8, 8)).toBe(2); // bytes 4..11: beats 0 and 1
    expect(requestBeats(7, 1, 8)).toBe(1);
    expect(requestBeats(8, 16, 8)).toBe(2);
    expect(requestBeats(3, 13, 8)).toBe(2); // 3..15
    expect(requestBeats(3, 14, 8)).toBe(3); // 3..16 reaches beat 2
    expect(requestBeats(60, 8, 64)).toBe(2);
  });

  it('equals the number of distinct beats its bytes fall in (brute force, seed 5)', () => {
    const seed = 5;
    const rng = makeRng(seed);
    for (let i = 0; i < 300; i++) {
      const D = 2 ** rng.nextInt(2, 6);
      const addr = rng.nextInt(0, 10_000);
      const bytes = rng.nextInt(1, 300);
      const beats = new Set(Array.from({ length: bytes }, (_, b) => Math.floor((addr + b) / D))).size;
      expect(requestBeats(addr, bytes, D), `seed ${seed}: (${addr}, ${bytes}) D ${D}`).toBe(beats);
    }
  });

  it('refuses empty requests and unsafe addresses', () => {
    expect(() => requestBeats(0, 0, 8)).toThrow(/positive/);
    expect(() => requestBeats(-8, 8, 8)).toThrow(/non-negative/);
    expect(() => requestBeats(2 ** 53, 8, 8)).toThrow(/safe integer/);
  });
});

describe('requests: bursts', () => {
  it('splits at a 4 KB boundary', () => {
    // 4072..4119: 6 beats of 8 from 4072; 3 reach 4096
    expect(requestBursts(4072, 48, BUS)).toEqual([
      { addr: 4072, beats: 3 },
      { addr: 4096, beats: 3 },
    ]);
    // unaligned: 4090..4099 starts at the beat 4088
    expect(requestBursts(4090, 10, BUS)).toEqual([
      { addr: 4088, beats: 1 },
      { addr: 4096, beats: 1 },
    ]);
  });

  it('splits at maxBurst beats', () => {
    expect(requestBursts(0, 320, BUS)).toEqual([
      { addr: 0, beats: 16 },
      { addr: 128, beats: 16 },
      { addr: 256, beats: 8 },
    ]);
    expect(requestBursts(3, 8, { dataBytes: 8, maxBurst: 1 })).toEqual([
      { addr: 0, beats: 1 },
      { addr: 8, beats: 1 },
    ]);
  });

  it('splits at both: a short burst up to the boundary, then full ones', () => {
    expect(requestBursts(3968, 512, { dataBytes: 16, maxBurst: 16 })).toEqual([
      { addr: 3968, beats: 8 },
      { addr: 4096, beats: 16 },
      { addr: 4352, beats: 8 },
    ]);
    // 512-bit bus, 256-beat bursts: the boundary allows 64 beats
    expect(requestBursts(0, 8192, { dataBytes: 64, maxBurst: 256 })).toEqual([
      { addr: 0, beats: 64 },
      { addr: 4096, beats: 64 },
    ]);
  });

  it('follows the rules on random requests (seed 9): contiguous, beat-aligned, no 4 KB crossing, each as long as allowed', () => {
    const seed = 9;
    const rng = makeRng(seed);
    for (let i = 0; i < 500; i++) {
      const bus = { dataBytes: 2 ** rng.nextInt(2, 6), maxBurst: 2 ** rng.nextInt(0, 8) };
      const addr = rng.nextInt(0, 3 * BOUNDARY_BYTES);
      const bytes = rng.nextInt(1, 5000);
      const where = `seed ${seed}: (${addr}, ${bytes}) D ${bus.dataBytes} maxBurst ${bus.maxBurst}`;
      const bursts = requestBursts(addr, bytes, bus);
      expect(bursts[0].addr, where).toBe(addr - (addr % bus.dataBytes));
      expect(
        bursts.reduce((s, b) => s + b.beats, 0),
        where,
      ).toBe(requestBeats(addr, bytes, bus.dataBytes));
      bursts.forEach((b, k) => {
        const end = b.addr + b.beats * bus.dataBytes;
        expect(b.beats >= 1 && b.beats <= bus.maxBurst, where).toBe(true);
        expect(Math.floor(b.addr / BOUNDARY_BYTES), `${where}: burst ${k} crosses 4 KB`).toBe(Math.floor((end - 1) / BOUNDARY_BYTES));
        if (k + 1 < bursts.length) {
          expect(bursts[k + 1].addr, where).toBe(end);
          // a burst that is not the last is cut only by maxBurst or by a boundary
          expect(b.beats === bus.maxBurst || end % BOUNDARY_BYTES === 0, `${where}: burst ${k} is short`).toBe(true);
        }
      });
    }
  });
});

describe('descriptor and program traffic', () => {
  it('reads one request per row of a dense tensor (unaligned rows share beats)', () => {
    // 3 rows of 5 bytes at 6, stride 16: bytes 6..10, 22..26, 38..42 -> 2 beats each
    const t = denseTraffic('read', { addr: 6, stride: 16, elementBytes: 1 }, 3, 5, BUS);
    expect(t).toMatchObject({ readBeats: 6, bytesRead: 48, readBursts: 3, bytesWritten: 0, writeBeats: 0 });
    // packed rows of 5 (stride 5) from 0: rows 0..4, 5..9, 10..14 -> 1 + 2 + 1 beats
    expect(denseTraffic('read', { addr: 0, stride: 5, elementBytes: 1 }, 3, 5, BUS).readBeats).toBe(4);
  });

  it('counts a store’s strobed bytes and its beats apart', () => {
    const t = denseTraffic('write', { addr: 6, stride: 16, elementBytes: 1 }, 3, 5, BUS);
    expect(t).toMatchObject({ bytesWritten: 15, writeBeats: 6, writeBursts: 3, bytesRead: 0 });
  });

  it('sizes each descriptor by its command: W dout x din, X batch x din, dY batch x dout, stores at resultBytes', () => {
    const dims = { batch: 4, din: 16, dout: 8 };
    expect(descriptorTraffic({ op: 'loadW', dims, addr: 0 }, BUS).bytesRead).toBe(128);
    expect(descriptorTraffic({ op: 'loadX', dims, addr: 0 }, BUS).bytesRead).toBe(64);
    expect(descriptorTraffic({ op: 'loadDy', dims, addr: 0 }, BUS).bytesRead).toBe(32);
    expect(descriptorTraffic({ op: 'readW', dims, addr: 0 }, BUS).bytesWritten).toBe(8 * 16 * 4); // W goes out at the read port's width
    expect(descriptorTraffic({ op: 'readResult', dims, addr: 0 }, BUS, { rows: 4, cols: 8 }).bytesWritten).toBe(128);
    for (const op of ['fp', 'bp', 'wg', 'moveToX', 'moveToDy', 'updateW'] as const)
      expect(descriptorTraffic({ op, dims }, BUS), op).toMatchObject({ bytesRead: 0, bytesWritten: 0 });
    expect(() => descriptorTraffic({ op: 'readResult', dims }, BUS)).toThrow(/no FP, BP or WG/);
  });

  it('reads a compressed load as one request and counts its uncompressed size', () => {
    const d: Descriptor = { op: 'loadX', dims: { batch: 2, din: 64, dout: 1 }, addr: 4092, compressed: true, bytes: 21 };
    // 4092..4112: beats 511..514 (4 beats), split at 4096
    expect(descriptorTraffic(d, BUS)).toMatchObject({
      readBeats: 4,
      bytesRead: 32,
      readBursts: 2,
      inputBytesRead: 32,
      inputBytesUncompressed: 128,
    });
    expect(() => descriptorTraffic({ ...d, op: 'loadW' }, BUS)).toThrow(/BAD_SHAPE/);
    expect(() => descriptorTraffic({ ...d, bytes: 0 }, BUS)).toThrow(/positive/);
  });

  it('refuses what the contract calls BAD_STRIDE', () => {
    const bus = { ...BUS, elementBytes: 2 };
    const dims = { batch: 2, din: 4, dout: 1 };
    expect(() => descriptorTraffic({ op: 'loadX', dims, addr: 1, stride: 8 }, bus)).toThrow(/BAD_STRIDE/);
    expect(() => descriptorTraffic({ op: 'loadX', dims, addr: 0, stride: 7 }, bus)).toThrow(/BAD_STRIDE/);
    expect(() => descriptorTraffic({ op: 'loadX', dims, addr: 0, stride: 6 }, bus)).toThrow(/less than a row/);
    // one row: any stride will do
    expect(descriptorTraffic({ op: 'loadX', dims: { ...dims, batch: 1 }, addr: 0, stride: 0 }, bus).bytesRead).toBe(8);
  });

  it('adds the fetch and follows the last compute’s shape for READ_RESULT', () => {
    const dims = { batch: 4, din: 16, dout: 8 };
    const program: Descriptor[] = [
      { op: 'loadX', dims, addr: 0 },
      { op: 'loadW', dims, addr: 4096 },
      { op: 'fp', dims },
      { op: 'readResult', dims, addr: 8192 }, // Y: 4 x 8 x 4 bytes
      { op: 'loadDy', dims, addr: 12288 },
      { op: 'bp', dims },
      { op: 'readResult', dims, addr: 16384 }, // dX: 4 x 16 x 4 bytes
    ];
    expect(fetchTraffic(0x1000, 7, BUS)).toMatchObject({ bytesRead: 448, readBeats: 56, readBursts: 4 });
    const t = programTraffic(program, BUS, 0x1000);
    expect(t.bytesRead).toBe(448 + 64 + 128 + 32);
    expect(t.bytesWritten).toBe(128 + 256);
    expect(t.writeBeats).toBe(16 + 32);
    expect(programTraffic(program, BUS).bytesRead).toBe(64 + 128 + 32);
  });
});

describe('memory images', () => {
  it('writes dense operands little-endian, sign-extended to E bytes, and leaves gaps alone', () => {
    const image = new MemoryImage();
    image.write(0, new Uint8Array(12).fill(0xaa));
    writeDense(image, { addr: 0, stride: 6, elementBytes: 2 }, [
      [-2, 1],
      [300, -32768],
    ]);
    expect([...image.read(0, 12)]).toEqual([0xfe, 0xff, 0x01, 0x00, 0xaa, 0xaa, 0x2c, 0x01, 0x00, 0x80, 0xaa, 0xaa]);
    expect(readOperands(image, { addr: 0, stride: 6, elementBytes: 2 }, 2, 2, 16)).toEqual([
      [-2, 1],
      [300, -32768],
    ]);
    expect(() => writeDense(image, { addr: 0, stride: 2, elementBytes: 1 }, [[128]])).toThrow(/does not fit 1 signed bytes/);
  });

  it('reads results as accBits values sign-extended in resultBytes, and refuses bytes that are not a sign extension', () => {
    const image = new MemoryImage();
    // -1 and 2^19 - 1 as 20-bit values in 4 bytes
    image.write(64, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00]));
    const mem = { resultBytes: 4, accBits: 20 };
    expect(readResults(image, { addr: 64, stride: 8 }, 1, 2, mem)).toEqual([[-1n, 524287n]]);
    // 0x00080000: bit 19 set but the bytes above zero: not a 20-bit value sign-extended
    image.write(72, Uint8Array.from([0x00, 0x00, 0x08, 0x00]));
    expect(() => readResults(image, { addr: 72, stride: 4 }, 1, 1, mem)).toThrow(
      /element \(0, 0\) at address 72: 0x80000 is not a 20-bit value/,
    );
  });

  it('round-trips random operands and results at every width (seed 21)', () => {
    const seed = 21;
    const rng = makeRng(seed);
    for (let i = 0; i < 40; i++) {
      const opBits = rng.nextInt(2, 16);
      const E = opBits <= 8 ? 1 : 2;
      const rows = rng.nextInt(1, 6);
      const cols = rng.nextInt(1, 12);
      const layout = { addr: E * rng.nextInt(0, 5000), stride: E * (cols + rng.nextInt(0, 5)), elementBytes: E };
      const X = randomMatrix(rng, rows, cols, opBits, 0.7);
      const image = new MemoryImage();
      writeDense(image, layout, X);
      expect(readOperands(image, layout, rows, cols, opBits), `seed ${seed} case ${i}`).toEqual(X);

      const accBits = rng.nextInt(2 * opBits, 64);
      const resultBytes = 2 ** Math.ceil(Math.log2(Math.ceil(accBits / 8)));
      const results = randomMatrix(rng, rows, cols, Math.min(accBits, 32), 0.9).map((row) =>
        row.map((v) => BigInt.asIntN(accBits, BigInt(v) * BigInt(rng.nextU32()) * (accBits > 40 ? 4096n : 1n))),
      );
      const at = { addr: resultBytes * rng.nextInt(0, 5000), stride: resultBytes * cols };
      writeDense(image, { ...at, elementBytes: resultBytes }, results);
      expect(readResults(image, at, rows, cols, { resultBytes, accBits }), `seed ${seed} case ${i}`).toEqual(results);
    }
  });

  it('packs a compressed tensor that unpacks to itself from the image (seed 4)', () => {
    const seed = 4;
    const rng = makeRng(seed);
    const X = randomMatrix(rng, 5, 37, 8, 0.2);
    const image = new MemoryImage();
    const { bytes, index } = writeCompressed(image, 4000, X, 8, 8);
    expect(bytes).toBe(index[5]);
    expect(unpackZvc({ index, data: image.read(4000, bytes) }, 37, 8, 8), `seed ${seed}`).toEqual(X);
  });

  it('keeps pages apart and reads unwritten bytes as 0', () => {
    const image = new MemoryImage();
    image.write(4094, Uint8Array.from([1, 2, 3, 4]));
    expect([...image.read(4092, 8)]).toEqual([0, 0, 1, 2, 3, 4, 0, 0]);
    expect(image.segments().map((s) => [s.addr, s.data.length])).toEqual([
      [0, 4096],
      [4096, 4096],
    ]);
    expect(readDense(image, { addr: 4096, stride: 1, elementBytes: 1 }, 2, 1, 8)).toEqual([[3n], [4n]]);
  });

  it('builds a program image: 64 bytes per descriptor, words little-endian, fields where the layout puts them', () => {
    const d: Descriptor = {
      op: 'loadDy',
      dims: { batch: 3, din: 5, dout: 7 },
      addr: 2 ** 32 + 0x40,
      stride: 24,
      compressed: true,
      bytes: 99,
      irq: true,
      shift: 9,
    };
    const bytes = programBytes([{ op: 'fp', dims: { batch: 1, din: 2, dout: 3 } }, d]);
    expect(bytes.length).toBe(128);
    const word = (i: number, name: string) => {
      const j = DESCRIPTOR_LAYOUT.findIndex((w) => w.name === name);
      const at = 64 * i + 4 * j;
      return bytes[at] + bytes[at + 1] * 2 ** 8 + bytes[at + 2] * 2 ** 16 + bytes[at + 3] * 2 ** 24;
    };
    const field = (name: string) => DESCRIPTOR_CONTROL_FIELDS.find((f) => f.name === name)!.lsb;
    expect(word(0, 'CONTROL')).toBe(4);
    expect(word(1, 'CONTROL')).toBe(3 + 2 ** field('COMPRESSED') + 2 ** field('IRQ') + 9 * 2 ** field('SHIFT'));
    expect([word(1, 'BATCH'), word(1, 'DIN'), word(1, 'DOUT')]).toEqual([3, 5, 7]);
    expect([word(1, 'ADDR_LO'), word(1, 'ADDR_HI'), word(1, 'STRIDE'), word(1, 'BYTES')]).toEqual([0x40, 1, 24, 99]);
    const image = new MemoryImage();
    writeProgram(image, 128, [d]);
    expect([...image.read(128, 64)]).toEqual([...bytes.subarray(64)]);
    expect(() => writeProgram(image, 100, [d])).toThrow(/multiple of 64/);
  });
});
