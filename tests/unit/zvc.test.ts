/**
 * The zero-value compression format (generator/golden/zvc.ts): exact bytes of
 * hand-worked rows, round trips of random tensors over every operand width,
 * sizes equal to the packed bytes, and every malformed stream refused.
 */
import { describe, expect, it } from 'vitest';
import { extremeMatrix, randomMatrix } from '../../generator/golden/operands.ts';
import { makeRng } from '../../generator/golden/rng.ts';
import { packZvc, packZvcRow, unpackZvc, unpackZvcRow, ZvcDecodeError, zvcRowBytes } from '../../generator/golden/zvc.ts';

describe('zero-value compression: bytes', () => {
  it('packs a hand-worked row: bitmap LSB first, nonzeros two’s complement, each chunk byte-aligned', () => {
    // chunk of 4: [0, 3, 0, -1] -> bitmap 0b1010, then 3 = 0b0011 and -1 = 0b1111 (4-bit)
    // bits, LSB first: 0101 1100 1111 -> byte 0 = 0b00111010 = 0x3a, byte 1 = 0b00001111 = 0x0f
    expect([...packZvcRow([0, 3, 0, -1], 4, 4)]).toEqual([0x3a, 0x0f]);
    // an all-zero chunk is its bitmap alone, padded to a byte
    expect([...packZvcRow([0, 0, 0, 0, 0], 4, 4)]).toEqual([0x00, 0x00]);
    // chunks of 2 over 5 elements: [7, 0] [0, 0] [-8]: 0b01 + 0111 -> 0x1d; 0b00 -> 0x00; 0b1 + 1000 -> 0x11
    expect([...packZvcRow([7, 0, 0, 0, -8], 4, 2)]).toEqual([0x1d, 0x00, 0x11]);
  });

  it('counts the bytes of a row without packing it, equal to the packed length', () => {
    const rng = makeRng(3);
    for (const opBits of [2, 4, 8, 16]) {
      for (const chunk of [1, 3, 8, 64]) {
        const row = randomMatrix(rng, 1, 50, opBits, 0.3)[0];
        expect(zvcRowBytes(row, opBits, chunk), `${opBits}/${chunk}`).toBe(packZvcRow(row, opBits, chunk).length);
      }
    }
    // a dense 8-bit row of 64 in chunks of 8: 8 x (1 + 8) bytes; an all-zero one: 8 bytes
    expect(zvcRowBytes(new Array<number>(64).fill(5), 8, 8)).toBe(72);
    expect(zvcRowBytes(new Array<number>(64).fill(0), 8, 8)).toBe(8);
  });
});

describe('zero-value compression: round trips', () => {
  it('unpacks what it packs, for every operand width, chunk size and density (seeded)', () => {
    const seed = 11;
    const rng = makeRng(seed);
    for (let opBits = 2; opBits <= 16; opBits++) {
      for (const chunk of [1, 2, 5, 8, 16, 33]) {
        for (const density of [0, 0.2, 1]) {
          const t = randomMatrix(rng, 4, 37, opBits, density);
          const z = packZvc(t, opBits, chunk);
          expect(unpackZvc(z, 37, opBits, chunk), `seed ${seed} ${opBits}/${chunk}/${density}`).toEqual(t);
          expect(z.index).toHaveLength(5);
          expect(z.index[4]).toBe(z.data.length);
        }
      }
    }
    for (const v of ['min', 'max'] as const) {
      const t = extremeMatrix(3, 9, 8, v);
      expect(unpackZvc(packZvc(t, 8, 4), 9, 8, 4)).toEqual(t);
    }
  });

  it('compresses a mostly zero tensor: 20% nonzeros of 8 bits in chunks of 8 take about 0.33 of the dense bytes', () => {
    const t = randomMatrix(makeRng(5), 64, 64, 8, 0.2);
    const bytes = packZvc(t, 8, 8).data.length;
    expect(bytes / (64 * 64)).toBeGreaterThan(0.3);
    expect(bytes / (64 * 64)).toBeLessThan(0.36);
  });
});

describe('zero-value compression: streams that do not decode', () => {
  const good = packZvcRow([0, 3, 0, -1], 4, 4); // [0x3a, 0x0f]

  it('refuses a stream that ends early, has bytes left over, nonzero padding or a zero value', () => {
    expect(() => unpackZvcRow(good.subarray(0, 1), 4, 4, 4)).toThrow(ZvcDecodeError);
    expect(() => unpackZvcRow(good.subarray(0, 1), 4, 4, 4)).toThrow(/ends inside a value of chunk 0/);
    expect(() => unpackZvcRow(Uint8Array.from([0x3a, 0x0f, 0x00]), 4, 4, 4)).toThrow(/1 bytes are left over/);
    expect(() => unpackZvcRow(Uint8Array.from([0x00, 0x00]), 5, 4, 4)).not.toThrow();
    expect(() => unpackZvcRow(Uint8Array.from([0x80, 0x00]), 5, 4, 4)).toThrow(/nonzero padding/);
    // bitmap 0b0001 with a value of 0
    expect(() => unpackZvcRow(Uint8Array.from([0x01]), 4, 4, 4)).toThrow(/zero where its bitmap announces a nonzero/);
  });

  it('refuses an index outside the data, and values outside the operand width', () => {
    const z = packZvc(
      [
        [1, 0],
        [0, 2],
      ],
      4,
      2,
    );
    expect(() => unpackZvc({ index: [0, 1, 9], data: z.data }, 2, 4, 2)).toThrow(/row 1: index 1..9 is outside/);
    expect(() => packZvcRow([8], 4, 2)).toThrow(/not a 4-bit signed integer/);
    expect(() => packZvcRow([1], 1, 2)).toThrow(/operand bits must be 2..16/);
  });
});
