/**
 * What trainforge bench reports: one row per step and density, and the run's
 * settings. Shared by the bench command and its plot.
 */
import type { SimulatorName } from '../sim/simulators.ts';
import type { LayerDims, Step } from '../types.ts';

export interface BenchRow {
  step: Step;
  density: number;
  /** nonzero fraction of the step's sparse operand as generated */
  denseCycles: number;
  /** denseCycles at the --clock-mhz clock, to the nanosecond (only with --clock-mhz) */
  denseMicroseconds?: number;
  denseModelCycles: number;
  cycles: number;
  /** cycles (the zero-skipping core's) at the --clock-mhz clock (only with --clock-mhz) */
  microseconds?: number;
  modelCycles: number;
  /** cycles if every PE did one product with a nonzero sparse operand per cycle */
  idealNnzCycles: number;
  ratioToDense: number;
  effectualMacs: number;
  /** effectual products per PE per cycle */
  effectualUtilization: number;
  scaleSimOs: number;
  scaleSimWs: number;
  bitExact: boolean;
}

export interface BenchReport {
  spec: string;
  sparseDesign: string;
  denseDesign: string;
  array: { rows: number; cols: number };
  layer: LayerDims;
  seed: number;
  simulator: SimulatorName;
  /** the --clock-mhz clock the microseconds of the rows are at (absent without the option) */
  clockMHz?: number;
  area?: { denseCells: number; sparseCells: number; ratio: number; denseMemoryBits: number; sparseMemoryBits: number };
  rows: BenchRow[];
  problems: string[];
}
