/**
 * Exhaustive-edge check of the generated requantization unit (NAME_requant.v)
 * alone against the golden model (generator/golden/quant.ts): every shift
 * 0..63, both roundings, edge accumulators (both ends of the range, 0, +/-1,
 * ties), several LFSR states, plain requantization and the weight update.
 * Runs the module (pipelined: the settings a cycle ahead of the element, the
 * value model.requantStages cycles after it) on Icarus with a small testbench,
 * one case at a time; prints the first
 * disagreements and a count per (mode, shift), and exits 1 on any.
 *
 *   npx tsx scripts/requant-rtl-check.ts [SPEC]      (default specs/small.json)
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandShift, roundShift, Lfsr, saturate } from '../generator/golden/quant.ts';
import { designFromFile } from '../generator/pipeline.ts';

const specPath = process.argv[2] ?? 'specs/small.json';
const design = designFromFile(specPath);
const m = design.model;
const A = m.accBits;
const B = m.opBits;
const module = `${m.name}_requant`;

const lo = -(1n << BigInt(A - 1));
const hi = (1n << BigInt(A - 1)) - 1n;
const accs = [...new Set([lo, lo + 1n, -1000n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 1000n, hi - 1n, hi])].filter((v) => v >= lo && v <= hi);
const lfsrs = [1, 0xffffffff, 0x80000000, 0x12345678];
const auxes = [-(2 ** (B - 1)), -1, 0, 1, 2 ** (B - 1) - 1];

interface Case {
  acc: bigint;
  shift: number;
  stochastic: boolean;
  lfsr: number;
  update: boolean;
  aux: number;
}
const cases: Case[] = [];
for (const acc of accs) {
  for (let shift = 0; shift < 64; shift++) {
    for (const stochastic of [false, true]) {
      for (const lfsr of stochastic ? lfsrs : [1]) {
        cases.push({ acc, shift, stochastic, lfsr, update: false, aux: 0 });
        for (const aux of auxes) cases.push({ acc, shift, stochastic, lfsr, update: true, aux });
      }
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'trainforge-requant-'));
try {
  const hex = (v: bigint, bits: number) => BigInt.asUintN(bits, v).toString(16);
  writeFileSync(
    join(dir, 'in.txt'),
    cases
      .map((c) => `${hex(c.acc, A)} ${c.shift} ${c.stochastic ? 1 : 0} ${c.lfsr.toString(16)} ${c.update ? 1 : 0} ${hex(BigInt(c.aux), B)}`)
      .join('\n') + '\n',
  );
  writeFileSync(join(dir, 'requant.v'), design.files.get(`${module}.v`)!);
  writeFileSync(
    join(dir, 'tb.v'),
    `module tb;
  reg clk = 1'b0;
  reg [${A - 1}:0] acc; reg [${B - 1}:0] aux; reg [5:0] shift; reg st, upd; reg [31:0] lfsr;
  wire [${B - 1}:0] v;
  ${module} #(.OpBits(${B}), .AccBits(${A})) dut(.clk_i(clk), .shift_i(shift), .stochastic_i(st), .relu_i(1'b0), .mask_i(1'b0),
    .update_i(upd), .acc_i(acc), .aux_i(aux), .lfsr_i(lfsr), .value_o(v));
  integer fd, r, s_in, st_in, u_in, k;
  reg [63:0] a_in; reg [31:0] l_in; reg [15:0] x_in;
  initial begin
    fd = $fopen("${join(dir, 'in.txt')}", "r");
    while (!$feof(fd)) begin
      r = $fscanf(fd, "%h %d %d %h %d %h\\n", a_in, s_in, st_in, l_in, u_in, x_in);
      if (r == 6) begin
        // the settings one cycle ahead of the element, then the ${m.requantStages} stages
        acc = a_in; shift = s_in; st = st_in; lfsr = l_in; upd = u_in; aux = x_in;
        for (k = 0; k < ${m.requantStages + 1}; k = k + 1) begin
          #1 clk = 1'b1;
          #1 clk = 1'b0;
        end
        #1 $display("%0d", $signed(v));
      end
    end
    $finish;
  end
endmodule
`,
  );
  await execa('iverilog', ['-g2012', '-o', join(dir, 'sim'), join(dir, 'tb.v'), join(dir, 'requant.v')]);
  const { stdout } = await execa('vvp', ['-n', join(dir, 'sim')]);
  const got = stdout
    .trim()
    .split('\n')
    .filter((l) => /^-?\d+$/.test(l))
    .map(BigInt);
  if (got.length !== cases.length) throw new Error(`expected ${cases.length} results, got ${got.length}`);
  let bad = 0;
  const byKind = new Map<string, number>();
  cases.forEach((c, i) => {
    const rounded = roundShift(c.acc, commandShift(c.shift, A), c.stochastic ? 'stochastic' : 'nearest-even', new Lfsr(c.lfsr));
    const want = saturate(c.update ? BigInt(c.aux) - rounded : rounded, B);
    if (got[i] !== want) {
      bad++;
      const kind = `${c.update ? 'update' : 'requant'} ${c.stochastic ? 'stochastic' : 'nearest'} shift ${c.shift}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      if (bad <= 10) {
        console.log(
          `acc ${c.acc} shift ${c.shift} ${c.stochastic ? `stochastic (LFSR ${c.lfsr.toString(16)})` : 'nearest'}` +
            `${c.update ? ` update W=${c.aux}` : ''}: RTL ${got[i]}, golden ${want}`,
        );
      }
    }
  });
  const shifts = (mode: string) =>
    [...byKind.keys()]
      .filter((k) => k.includes(mode))
      .map((k) => Number(k.split(' ').at(-1)))
      .sort((a, b) => a - b);
  console.log(`${m.name} (${B}-bit operands, ${A}-bit accumulators): ${bad} of ${cases.length} cases differ`);
  if (bad) {
    const near = shifts('nearest');
    const stoch = shifts('stochastic');
    if (near.length) console.log(`  nearest-even differs at shifts ${near[0]}..${near.at(-1)}`);
    if (stoch.length) console.log(`  stochastic differs at shifts ${stoch[0]}..${stoch.at(-1)}`);
  }
  process.exitCode = bad ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
