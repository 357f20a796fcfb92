/**
 * The vocabulary every stage shares: the training steps, a layer's dimensions,
 * its tensors and where they sit in the buffers. Defined here once; the golden
 * model, the elaborated model, the simulator runners and the commands import it.
 */

/** The three steps of a fully connected layer. */
export type Step = 'fp' | 'bp' | 'wg';
export const STEPS: readonly Step[] = ['fp', 'bp', 'wg'];

/** Layer dimensions of one fully connected layer: X is batch x din, W dout x din, dY batch x dout. */
export interface LayerDims {
  batch: number;
  din: number;
  dout: number;
}

/** The operand tensors of a layer. */
export type TensorName = 'W' | 'X' | 'dY';

/** Operand values, row-major, as signed integers. */
export interface Operands {
  X: number[][];
  W: number[][];
  dY: number[][];
}

/**
 * Where each operand tensor starts in its buffer: addresses per bank of the W
 * buffer; in the zero-skipping core, words of the X and dY row stores.
 */
export interface TensorBases {
  w: number;
  x: number;
  dy: number;
}

/** The operands each step reads: the streamed one first. */
export const STEP_OPERANDS: Record<Step, readonly TensorName[]> = { fp: ['X', 'W'], bp: ['dY', 'W'], wg: ['dY', 'X'] };

/** The result tensor of each step, for messages. */
export const RESULT_TENSOR: Record<Step, string> = { fp: 'Y', bp: 'dX', wg: 'dW' };
