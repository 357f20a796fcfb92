/**
 * SCALE-Sim v2 reference cycle counts for one GEMM (M x K times K x N) on an
 * R x C systolic array, used to compare our cycle counts with the literature.
 *
 * These are the closed-form formulas. SCALE-Sim itself reports one cycle less
 * (e.g. 4,991 / 5,503 for M=N=K=64 on 8x8, and 26 / 53 for M=5, N=7, K=13),
 * because its cycle counter starts at 0 and it prints the index of the last
 * cycle, not the number of cycles. We export only the formula values; callers
 * comparing with SCALE-Sim's printed output must account for that off-by-one.
 */

function check(R: number, C: number, M: number, N: number, K: number): void {
  for (const [name, v] of [
    ['R', R],
    ['C', C],
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`scalesim: ${name} must be a positive integer, got ${v}`);
    }
  }
}

/**
 * Output stationary: each of the ceil(M/R) * ceil(N/C) output tiles streams K
 * operands through the array plus R + C - 2 cycles of skew fill and drain.
 */
export function scaleSimOs(R: number, C: number, M: number, N: number, K: number): number {
  check(R, C, M, N, K);
  return Math.ceil(M / R) * Math.ceil(N / C) * (K + R + C - 2);
}

/**
 * Weight stationary: each of the ceil(K/R) * ceil(N/C) weight tiles is loaded
 * (R cycles) and then M inputs stream through with R + C - 2 cycles of skew.
 */
export function scaleSimWs(R: number, C: number, M: number, N: number, K: number): number {
  check(R, C, M, N, K);
  return Math.ceil(K / R) * Math.ceil(N / C) * (2 * R + C + M - 2);
}
