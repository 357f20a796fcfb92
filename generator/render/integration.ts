/**
 * Integration outputs of a design, from the same elaborated model as the RTL:
 * a filelist (NAME.f), a FuseSoC CAPI2 core file (NAME.core), a C header for
 * host software (NAME.h) and the testbench the core file's simulation targets
 * run (tb_core.sv). This module only derives the values the templates print
 * (names, C types, the buffer table); templates/*.{f,core,h}.hbs lay them out.
 */
import { OPCODES, type CoreModel, type OpName } from '../elaborate/model.ts';
import { ICARUS_OPTIONS, TESTBENCH_TOP, VERILATOR_LINT_OPTIONS, VERILATOR_SIM_OPTIONS, VERILATOR_TRACE_OPTIONS } from '../sim/flags.ts';
import { headerRegisterMap } from './regmap-doc.ts';
import { renderTemplate, renderTestbench } from './render.ts';

/** The file names of the integration outputs, relative to the output folder. */
export interface IntegrationFileNames {
  filelist: string;
  fusesoc: string;
  cHeader: string;
  testbench: string;
}

export function integrationFileNames(model: CoreModel): IntegrationFileNames {
  return { filelist: `${model.name}.f`, fusesoc: `${model.name}.core`, cHeader: `${model.name}.h`, testbench: `${TESTBENCH_TOP}.sv` };
}

/** What each command does, for the header's comments; one line each. */
const OP_DOC: Record<OpName, string> = {
  loadW: 'load W (dout x din) at w_base: dout * din words on the write port',
  loadX: 'load X (batch x din) at x_base: batch * din words on the write port',
  loadDy: 'load dY (batch x dout) at dy_base: batch * dout words on the write port',
  fp: 'FP: Y = X * W^T (batch x dout) into the result buffer',
  bp: 'BP: dX = dY * W (batch x din) into the result buffer',
  wg: 'WG: dW = dY^T * X (dout x din) into the result buffer',
  readResult: 'read the last FP/BP/WG result, row-major, on the read port',
  moveToX: 'result (batch x din) -> X at x_base: requantize by shift, ReLU if cmd_relu_i',
  moveToDy: 'result (batch x dout) -> dY at dy_base: requantize by shift, 0 where X at x_base is <= 0',
  updateW: 'W (dout x din) at w_base <- sat(W - round(result / 2^shift))',
  readW: 'read W (dout x din) at w_base, row-major, sign-extended, on the read port',
};

/** Upper snake case of an opcode's name: loadDy -> LOAD_DY. */
function macroName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The narrowest C99 exact-width integer type that holds `bits` bits. */
function cType(bits: number, signed: boolean): string {
  const width = [8, 16, 32, 64].find((w) => bits <= w);
  if (width === undefined) throw new Error(`no C integer type holds ${bits} bits`);
  return `${signed ? '' : 'u'}int${width}_t`;
}

/**
 * One memory as the host sees it: banks x depth addresses of elementsPerWord
 * elements each (an operand, or an accumulator in the result buffer).
 */
export interface HeaderBuffer {
  /** macro stem: WEIGHT, ACTIVATION, ERROR, RESULT */
  key: string;
  what: string;
  words: number;
  banks: number;
  depth: number;
  addrBits: number;
  elementsPerWord: number;
}

export function headerBuffers(model: CoreModel): HeaderBuffer[] {
  const w = model.weight;
  const weight: HeaderBuffer = {
    key: 'WEIGHT',
    what: `W: ${w.skewed ? 'transposable (skewed)' : 'plain (row-only)'} weight buffer, element (i, j) of a block in bank ${w.skewed ? '(i + j) mod banks' : 'j'}`,
    words: w.capacity,
    banks: w.banks,
    depth: w.depth,
    addrBits: w.addrBits,
    elementsPerWord: 1,
  };
  const s = model.sparse;
  if (!s) {
    const a = model.activation;
    const e = model.error;
    return [
      weight,
      {
        key: 'ACTIVATION',
        what: 'X: transposable activation buffer',
        words: a.capacity,
        banks: a.banks,
        depth: a.depth,
        addrBits: a.addrBits,
        elementsPerWord: 1,
      },
      {
        key: 'ERROR',
        what: 'dY: transposable error buffer',
        words: e.capacity,
        banks: e.banks,
        depth: e.depth,
        addrBits: e.addrBits,
        elementsPerWord: 1,
      },
      {
        key: 'RESULT',
        what: 'result buffer: one lane per array column, accumulators at full width',
        words: model.result.words,
        banks: model.cols,
        depth: model.result.depth,
        addrBits: model.result.addrBits,
        elementsPerWord: 1,
      },
    ];
  }
  const store = (key: string, what: string, st: typeof s.activationStore): HeaderBuffer => ({
    key,
    what,
    words: st.words,
    banks: model.rows,
    depth: st.depth,
    addrBits: st.addrBits,
    elementsPerWord: s.scanWidth,
  });
  return [
    weight,
    store('ACTIVATION', 'X: activation store, one bank per row engine, SCAN_WIDTH elements a word', s.activationStore),
    store('ERROR', 'dY: error stores (by rows and by columns), each of this geometry', s.errorStore),
    {
      key: 'RESULT',
      what: 'result banks: one per PE, accumulators at full width',
      words: s.resultBankWords,
      banks: model.rows * model.cols,
      depth: s.resultBankDepth,
      addrBits: s.resultBankAddrBits,
      elementsPerWord: 1,
    },
  ];
}

/** The width of result_bits_o (a bit count of up to 64). */
export const RESULT_BITS_WIDTH = 8;

function templateContext(model: CoreModel, verilog: string[], version: string): Record<string, unknown> {
  const names = integrationFileNames(model);
  const prefix = model.name.toUpperCase();
  return {
    files: verilog,
    names,
    version,
    vlnv: `trainforge:generated:${model.name}:${version}`,
    tbTop: TESTBENCH_TOP,
    icarusOptions: ICARUS_OPTIONS,
    verilatorSimOptions: [...VERILATOR_SIM_OPTIONS, ...VERILATOR_TRACE_OPTIONS],
    verilatorLintOptions: VERILATOR_LINT_OPTIONS,
    p: prefix,
    lp: model.name,
    guard: `${prefix}_H`,
    ops: (Object.keys(OPCODES) as OpName[]).map((name) => ({ macro: macroName(name), value: OPCODES[name], doc: OP_DOC[name] })),
    maxDim: 2 ** model.dimBits - 1,
    resultBitsWidth: RESULT_BITS_WIDTH,
    zeroSkipping: model.sparse ? 1 : 0,
    transposable: model.transposable ? 1 : 0,
    multiplyRegister: model.multiplyRegister ? 1 : 0,
    buffers: headerBuffers(model),
    operandType: cType(model.opBits, true),
    accumulatorType: cType(model.accBits, true),
    countType: cType(model.countBits, false),
    regmap: headerRegisterMap(prefix),
  };
}

/** NAME.f, NAME.core, NAME.h and tb_core.sv: relative path -> text. */
export function renderIntegration(model: CoreModel, verilog: string[], version: string): Map<string, string> {
  const names = integrationFileNames(model);
  const context = templateContext(model, verilog, version);
  const render = (template: string, file: string) => renderTemplate(template, model, { module: file, ...context });
  return new Map([
    [names.filelist, render('filelist.f', names.filelist)],
    [names.fusesoc, render('fusesoc.core', names.fusesoc)],
    [names.cHeader, render('c_header.h', names.cHeader)],
    [names.testbench, renderTestbench(model)],
  ]);
}
