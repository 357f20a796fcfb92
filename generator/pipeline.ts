/**
 * The generator pipeline: validate -> elaborate -> render -> write. Each stage
 * is its own module; this file only strings them together.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { elaborate, type CoreModel } from './elaborate/model.ts';
import { integrationFileNames, renderIntegration, RESULT_BITS_WIDTH, type IntegrationFileNames } from './render/integration.ts';
import { renderCore } from './render/render.ts';
import { manifestMemoryInterface } from './render/regmap-doc.ts';
import { canonicalJson, loadSpecFile } from './spec/load.ts';
import type { LoadedSpec } from './spec/types.ts';
import { writeTreeAtomic } from './write/atomic.ts';

const GENERATOR_VERSION = '0.1.0';

export interface Design {
  loaded: LoadedSpec;
  model: CoreModel;
  /**
   * relative path -> text: the Verilog files in compile order, the integration
   * files (NAME.f, NAME.core, NAME.h, tb_core.sv), then manifest.json
   */
  files: Map<string, string>;
}

export interface Manifest {
  generator: string;
  name: string;
  top: string;
  specHash: string;
  /** Verilog files in compile order, relative to the manifest's folder */
  files: string[];
  /** the filelist, FuseSoC core file, C header and testbench beside them */
  integration: IntegrationFileNames;
  spec: LoadedSpec['spec'];
  hostInterface: {
    countBits: number;
    operandBits: number;
    accumulatorBits: number;
    /** widths of cmd_op_i, cmd_shift_i and cmd_seed_i */
    opBits: number;
    shiftBits: number;
    seedBits: number;
    resultBitsWidth: number;
    opcodes: CoreModel['opcodes'];
  };
  /** the system top's AXI4 and AXI4-Lite side: bus, registers, descriptor, faults (generator/elaborate/regmap.ts) */
  memoryInterface: ReturnType<typeof manifestMemoryInterface>;
}

function buildManifest(model: CoreModel, verilogFiles: string[]): Manifest {
  return {
    generator: `trainforge ${GENERATOR_VERSION}`,
    name: model.name,
    top: model.top,
    specHash: model.specHash,
    files: verilogFiles,
    integration: integrationFileNames(model),
    // key order of the user's file must not change the output: sorted keys
    spec: JSON.parse(canonicalJson(model.spec)) as LoadedSpec['spec'],
    hostInterface: {
      countBits: model.countBits,
      operandBits: model.opBits,
      accumulatorBits: model.accBits,
      opBits: model.command.opBits,
      shiftBits: model.command.shiftBits,
      seedBits: model.command.seedBits,
      resultBitsWidth: RESULT_BITS_WIDTH,
      opcodes: model.opcodes,
    },
    memoryInterface: manifestMemoryInterface(model),
  };
}

export function designFromSpec(loaded: LoadedSpec): Design {
  const model = elaborate(loaded);
  const files = renderCore(model);
  const verilog = [...files.keys()];
  for (const [file, text] of renderIntegration(model, verilog, GENERATOR_VERSION)) files.set(file, text);
  const manifest = buildManifest(model, verilog);
  files.set('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  return { loaded, model, files };
}

export function designFromFile(specPath: string): Design {
  return designFromSpec(loadSpecFile(specPath));
}

/** Default output folder of a design: rtl-out/NAME under the current directory. */
export function defaultOutDir(model: CoreModel): string {
  return resolve('rtl-out', model.name);
}

export async function writeDesign(design: Design, outDir: string): Promise<void> {
  await writeTreeAtomic(outDir, design.files);
}

/** Writes the design to a scratch folder for a tool run, and removes it afterwards. */
export async function withDesignOnDisk<T>(design: Design, use: (dir: string, verilog: string[]) => Promise<T>): Promise<T> {
  const parent = mkdtempSync(join(tmpdir(), 'trainforge-'));
  const dir = join(parent, design.model.name);
  try {
    await writeTreeAtomic(dir, design.files);
    const verilog = [...design.files.keys()].filter((f) => f.endsWith('.v')).map((f) => join(dir, f));
    return await use(dir, verilog);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
