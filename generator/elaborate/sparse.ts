/** Geometry of the zero-skipping core that the loader and the elaborator share. */

/** Elements per row-store word: the given value, or the smallest multiple of cols that is at least 8. */
export function effectiveScanWidth(cols: number, scanWidth?: number): number {
  return scanWidth ?? cols * Math.ceil(8 / cols);
}

/** B rows per pass: the given value, or the smallest multiple of the scan width that is at least 64. */
export function effectiveChunkDepth(scanWidth: number, chunkDepth?: number): number {
  return chunkDepth ?? scanWidth * Math.ceil(64 / scanWidth);
}
