/**
 * The register map, the descriptor layout and the fault codes as the host sees
 * them, from generator/elaborate/regmap.ts (the one description): a markdown
 * page (docs/register-map.md, checked against this by a test), the C header's
 * defines, and the manifest's memoryInterface section.
 */
import type { CoreModel } from '../elaborate/model.ts';
import {
  DESCRIPTOR_BYTES,
  DESCRIPTOR_CONTROL_FIELDS,
  DESCRIPTOR_LAYOUT,
  FAULTS,
  REGISTERS,
  type RegisterField,
} from '../elaborate/regmap.ts';

const hex = (value: number, digits: number) => `0x${value.toString(16).padStart(digits, '0')}`;

function mask(f: RegisterField): number {
  return (2 ** f.bits - 1) * 2 ** f.lsb;
}

function fieldText(fields: RegisterField[] | undefined): string {
  return (fields ?? []).map((f) => `${f.name} [${f.bits > 1 ? `${f.lsb + f.bits - 1}:` : ''}${f.lsb}]: ${f.doc}`).join('; ');
}

/** docs/register-map.md */
export function registerMapMarkdown(): string {
  const lines = [
    '# Register map, descriptors and faults',
    '',
    'Generated from `generator/elaborate/regmap.ts` by `npx tsx scripts/update-golden.ts`; do not edit.',
    "The same table is in every design's `manifest.json` (`memoryInterface`) and C header (`NAME_REG_*`, `NAME_DESC_*`, `NAME_FAULT_*`).",
    'See docs/memory-system.md for how the system uses them.',
    '',
    '## Registers (AXI4-Lite, 32-bit, 4 KB)',
    '',
    '| offset | name | access | meaning | fields |',
    '|---|---|---|---|---|',
    ...REGISTERS.map((r) => `| ${hex(r.offset, 3)} | ${r.name} | ${r.access} | ${r.doc} | ${fieldText(r.fields)} |`),
    '',
    'Access: ro read-only (a write answers SLVERR), rw read-write, wo write-only (reads 0), w1c write 1 to clear. An offset that names no register answers SLVERR.',
    '',
    `## Descriptor (${DESCRIPTOR_BYTES} bytes, sixteen 32-bit little-endian words)`,
    '',
    '| word | name | meaning |',
    '|---|---|---|',
    ...DESCRIPTOR_LAYOUT.map((w, i) => `| ${i} | ${w.name} | ${w.doc} |`),
    '',
    'CONTROL (word 0):',
    '',
    '| bits | field | meaning |',
    '|---|---|---|',
    ...DESCRIPTOR_CONTROL_FIELDS.map((f) => `| ${f.bits > 1 ? `${f.lsb + f.bits - 1}:` : ''}${f.lsb} | ${f.name} | ${f.doc} |`),
    '',
    'Any other CONTROL bit set, or a reserved word not 0, is the fault BAD_SHAPE.',
    '',
    '## Fault codes (FAULT_CODE)',
    '',
    '| code | name | raised when |',
    '|---|---|---|',
    ...FAULTS.map((f) => `| ${f.code} | ${f.name} | ${f.doc} |`),
    '',
  ];
  return lines.join('\n');
}

/** What the C header prints: one define per register, field, descriptor word and fault. */
export function headerRegisterMap(prefix: string) {
  return {
    registers: REGISTERS.map((r) => ({
      macro: `${prefix}_REG_${r.name}`,
      offset: hex(r.offset, 3),
      doc: `${r.access}: ${r.doc}`,
      fields: (r.fields ?? []).map((f) => ({ macro: `${prefix}_REG_${r.name}_${f.name}`, lsb: f.lsb, mask: hex(mask(f), 8), doc: f.doc })),
    })),
    descriptorWords: DESCRIPTOR_LAYOUT.map((w, i) => ({ macro: `${prefix}_DESC_${w.name}`, index: i, doc: w.doc })),
    controlFields: DESCRIPTOR_CONTROL_FIELDS.map((f) => ({
      macro: `${prefix}_DESC_CONTROL_${f.name}`,
      lsb: f.lsb,
      mask: hex(mask(f), 8),
      doc: f.doc,
    })),
    faults: FAULTS.map((f) => ({ macro: `${prefix}_FAULT_${f.name}`, code: f.code, doc: f.doc })),
  };
}

/** The manifest's memoryInterface section. */
export function manifestMemoryInterface(model: CoreModel) {
  const m = model.memory;
  return {
    top: model.systemTop,
    dataBits: m.dataBits,
    addrBits: m.addrBits,
    maxBurst: m.maxBurst,
    outstandingReads: m.outstandingReads,
    queueDepth: m.queueDepth,
    zvcChunk: m.zvcChunk,
    elementBytes: m.elementBytes,
    resultBytes: m.resultBytes,
    registers: REGISTERS.map((r) => ({ name: r.name, offset: r.offset, access: r.access, doc: r.doc, fields: r.fields ?? [] })),
    descriptor: { bytes: DESCRIPTOR_BYTES, words: DESCRIPTOR_LAYOUT, control: DESCRIPTOR_CONTROL_FIELDS },
    faults: FAULTS,
  };
}
