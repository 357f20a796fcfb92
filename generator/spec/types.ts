/** The accelerator spec after schema validation with defaults applied. */
export interface Spec {
  /** Verilog-safe identifier, prefix of every generated module. */
  name: string;
  array: { rows: number; cols: number; multiplyRegister: boolean };
  numeric: { operandBits: number; accumulatorBits: number };
  buffers: {
    /** capacity of the weight buffer (W), operand words */
    weightWords: number;
    /** capacity of the input-activation buffer (X), operand words */
    activationWords: number;
    /** capacity of the error buffer (dY), operand words */
    errorWords: number;
    /** capacity of the on-chip result buffer, accumulator words */
    resultWords: number;
    /** true: skewed multi-bank weight buffer that reads a row or a column per cycle */
    transposable: boolean;
  };
  /** external memory interface (docs/memory-system.md) */
  memory: {
    /** AXI4 data width */
    dataBits: number;
    /** AXI4 address width */
    addrBits: number;
    /** most beats per burst, a power of two */
    maxBurst: number;
    /** read bursts in flight */
    outstandingReads: number;
    /** descriptors in the command queue, a power of two */
    queueDepth: number;
    /** elements per zero-value-compressed chunk */
    zvcChunk: number;
  };
  sparsity: {
    skipZeros: boolean;
    /** zero-skipping core: elements per store word (default: smallest multiple of cols >= 8) */
    scanWidth?: number;
    /** zero-skipping core: B rows per pass (default: smallest multiple of scanWidth >= 64) */
    chunkDepth?: number;
  };
}

/** A validated spec with the hash that every generated file names. */
export interface LoadedSpec {
  spec: Spec;
  /** first 16 hex digits of sha256 over the canonical JSON of the normalised spec */
  hash: string;
  /** where it came from, for messages */
  source: string;
}
