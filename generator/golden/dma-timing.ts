/**
 * Cycle model of the DMA engines with the deterministic memory (docs/memory-system.md, "DMA timing").
 */
import type { CoreModel } from '../elaborate/model.ts';

export interface LoadTimingJob {
  addr: number;
  rows: number;
  cols: number;
  stride: number;
  compressed: boolean;
  bytes: number;
}

export interface StoreTimingJob {
  addr: number;
  rows: number;
  cols: number;
  stride: number;
}

export function dmaLoadCycles(m: CoreModel, job: LoadTimingJob, latency: number): { first: number; done: number } {
  void m;
  void job;
  void latency;
  return { first: -1, done: -1 };
}

export function dmaStoreCycles(m: CoreModel, job: StoreTimingJob, latency: number): { firstToDone: number } {
  void m;
  void job;
  void latency;
  return { firstToDone: -1 };
}
