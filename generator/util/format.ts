/** Small text helpers for the CLI's tables and JSON files. */

/** A plain text table with right-aligned numeric columns. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  const line = (r: (string | number)[]) =>
    r
      .map((c, i) => (numeric[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function percent(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** JSON text in which bigints are written as exact integer literals. */
export function jsonWithBigInts(value: unknown): string {
  const marker = '__trainforge_bigint__:';
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${marker}${v}` : v));
  return text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1');
}

/** A single-line progress indicator on a terminal; silent otherwise. */
export function progress(label: string, total: number): { note(text: string): void; tick(note?: string): void; done(): void } {
  const tty = process.stderr.isTTY;
  let count = 0;
  const draw = (note = '') => {
    if (!tty) return;
    const width = 24;
    const filled = Math.round((count / total) * width);
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total} ${note}`.padEnd(79).slice(0, 79),
    );
  };
  draw();
  return {
    note(text) {
      draw(text);
    },
    tick(note) {
      count++;
      draw(note);
    },
    done() {
      if (tty) process.stderr.write('\r' + ' '.repeat(79) + '\r');
    },
  };
}
