/**
 * Cycles as wall-clock time at a given clock (the --clock-mhz option of demo,
 * bench and train): a cycle count is only worth what the clock is.
 */
import { UserError } from './errors.ts';

/** The --clock-mhz value: a positive decimal number of MHz, or undefined when the option is absent. */
export function parseClockMHz(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const mhz = /^(\d+(\.\d*)?|\.\d+)$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(mhz > 0 && Number.isFinite(mhz)))
    throw new UserError(`--clock-mhz: "${raw}" is not a positive number of MHz; give the clock frequency, e.g. --clock-mhz 48 or 62.5`);
  return mhz;
}

/** Microseconds that `cycles` take at `clockMHz`, to the nanosecond. */
export function microseconds(cycles: number, clockMHz: number): number {
  return Math.round((cycles / clockMHz) * 1000) / 1000;
}

/** Microseconds for a table or a line of text: thousands separated, at most three decimals. */
export function formatMicroseconds(us: number): string {
  return us.toLocaleString('en-US', { maximumFractionDigits: 3 });
}
