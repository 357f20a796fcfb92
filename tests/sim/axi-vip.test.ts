/**
 * The AXI verification IP (testbench/axi_memory_model.sv, axi_protocol_checker.sv,
 * axil_protocol_checker.sv) tested through its own bench (testbench/vip/): one
 * build per simulator, many runs per build, chosen by plusargs.
 *   - data: random bursts written and read back against the master's shadow, in
 *     the deterministic and the random memory mode, on a 64-bit and a 128-bit bus;
 *   - timing: every handshake cycle of the deterministic mode equals the formulas
 *     of the model's header (tests/sim/axi-memory-timing.ts);
 *   - the random mode is reproducible: the same seed gives the same handshakes on
 *     both simulators;
 *   - error injection, image preload and dump, configuration through tasks;
 *   - every checker rule: a bench that breaks it must stop the simulation with a
 *     non-zero status and one line naming the rule.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../generator/golden/rng.ts';
import { TESTBENCH_DIR } from '../../generator/render/render.ts';
import { ICARUS_OPTIONS, VERILATOR_SIM_OPTIONS } from '../../generator/sim/flags.ts';
import { buildLimitMs, commandLine, howItEnded, runLimited, runLimitMs, type LimitedRun } from '../../generator/sim/limits.ts';
import { requireTool, SIM_CACHE_DIR, type SimulatorName } from '../../generator/sim/simulators.ts';
import { predictHandshakes, type Handshakes, type MemoryTiming } from './axi-memory-timing.ts';
import { SIM_NAMES, SIM_TEST_TIMEOUT } from './helpers.ts';

const TOP = 'tb_axi_vip';
const SOURCES = [
  'axi_memory_model.sv',
  'axi_protocol_checker.sv',
  'axil_protocol_checker.sv',
  'vip/axi_vip_master.sv',
  'vip/axi_vip_bench.sv',
  'vip/axil_vip_bench.sv',
  'vip/tb_axi_vip.sv',
].map((f) => join(TESTBENCH_DIR, f));

/** The two AXI4 buses of tb_axi_vip. */
const BUSES = {
  64: { dataBytes: 8, maxBurst: 16, memBytes: 1 << 16 },
  128: { dataBytes: 16, maxBurst: 256, memBytes: 1 << 16 },
} as const;
type Bus = keyof typeof BUSES;

/** The most cycles any case simulates (the top's +max_cycles default): sets the wall-clock limit. */
const MAX_CYCLES = 200_000;

interface VipBuild {
  run(what: string, plusargs: string[]): Promise<LimitedRun>;
}

/** Builds tb_axi_vip once per simulator and source content (cached under .cache/sim like the designs). */
async function buildVip(simulator: SimulatorName): Promise<VipBuild> {
  for (const tool of simulator === 'icarus' ? ['iverilog', 'vvp'] : ['verilator']) requireTool(tool);
  const h = createHash('sha256').update(`trainforge-vip-v1\0${simulator}\0`);
  h.update(simulator === 'icarus' ? ICARUS_OPTIONS.join(' ') : VERILATOR_SIM_OPTIONS.join(' '));
  for (const f of SOURCES) h.update(`${f}\0${readFileSync(f, 'utf8')}\0`);
  const dir = join(SIM_CACHE_DIR, `${simulator}-axi-vip-${h.digest('hex').slice(0, 20)}`);
  const binary = simulator === 'icarus' ? join(dir, 'sim.vvp') : join(dir, 'obj', 'simv');
  if (!existsSync(binary)) {
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(tmp, { recursive: true });
    const [file, args] =
      simulator === 'icarus'
        ? ['iverilog', [...ICARUS_OPTIONS, '-s', TOP, '-o', join(tmp, 'sim.vvp'), ...SOURCES]]
        : [
            'verilator',
            ['--binary', ...VERILATOR_SIM_OPTIONS, '-j', '1', '--top-module', TOP, '--Mdir', join(tmp, 'obj'), '-o', 'simv', ...SOURCES],
          ];
    try {
      const result = await runLimited(`build of ${TOP} on ${simulator}`, file, args, { cwd: tmp, limitMs: buildLimitMs(simulator, 16) });
      if (result.exitCode !== 0) {
        throw new Error(
          `build of ${TOP} on ${simulator} failed (${howItEnded(result)}, ${commandLine(file, args)}):\n${result.stderr || result.stdout}`,
        );
      }
      try {
        renameSync(tmp, dir);
      } catch {
        // another process finished first
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return {
    run(what, plusargs) {
      const [file, args] = simulator === 'icarus' ? ['vvp', ['-n', binary, ...plusargs]] : [binary, plusargs];
      // in the scratch folder: a $fatal on Verilator aborts, and may leave a core file where it ran
      return runLimited(`${what} on ${simulator}`, file, args, {
        cwd: work,
        limitMs: runLimitMs(simulator, { cycles: MAX_CYCLES, pes: 0 }),
      });
    },
  };
}

// ---------------------------------------------------------------- output of a run

function failureText(run: LimitedRun): string {
  return `${howItEnded(run)}\n${run.stdout}\n${run.stderr}`.trim();
}

/** Fails unless the run passed; returns its SUMMARY line as numbers. */
function passed(run: LimitedRun): Record<string, number> {
  if (run.exitCode !== 0 || !/^PASS$/m.test(run.stdout)) throw new Error(`the run did not pass:\n${failureText(run).slice(0, 4000)}`);
  const line = run.stdout.split('\n').find((l) => l.startsWith('SUMMARY '));
  if (!line) throw new Error(`no SUMMARY line:\n${run.stdout.slice(0, 2000)}`);
  const words = line.split(' ').slice(2);
  const summary: Record<string, number> = {};
  for (let i = 0; i + 1 < words.length; i += 2) summary[words[i]] = Number(words[i + 1]);
  return summary;
}

/** The handshake lines of +log_handshakes: AR/R/AW/W/B, in order. */
function handshakeLines(run: LimitedRun): string[] {
  return run.stdout.split('\n').filter((l) => /^(AR|R|AW|W|B) /.test(l));
}

interface Logged extends Handshakes {
  readBeats: number[];
  writeBeats: number[];
  writeBytes: number;
}

function parseLog(run: LimitedRun): Logged {
  const out: Logged = { ar: [], r: [], aw: [], w: [], b: [], readBeats: [], writeBeats: [], writeBytes: 0 };
  for (const line of handshakeLines(run)) {
    const [kind, cycle, ...rest] = line.split(' ');
    const c = Number(cycle);
    if (kind === 'AR') {
      out.ar.push(c);
      out.readBeats.push(Number(rest[2]) + 1);
    } else if (kind === 'AW') {
      out.aw.push(c);
      out.writeBeats.push(Number(rest[2]) + 1);
    } else if (kind === 'R') out.r.push(c);
    else if (kind === 'W') {
      out.w.push(c);
      out.writeBytes += Number(rest[1]);
    } else out.b.push(c);
  }
  return out;
}

/** The first difference between measured and predicted handshake cycles, or null. */
function firstDifference(measured: Handshakes, predicted: Handshakes): string | null {
  for (const ch of ['ar', 'r', 'aw', 'w', 'b'] as const) {
    const m = measured[ch];
    const p = predicted[ch];
    for (let i = 0; i < Math.max(m.length, p.length); i++) {
      if (m[i] !== p[i])
        return `${ch.toUpperCase()} handshake ${i}: measured cycle ${m[i]}, the formula says ${p[i]} (${m.length} measured, ${p.length} predicted)`;
    }
  }
  return null;
}

/** One line naming the rule, and nothing but a non-zero exit after it. */
function stoppedBy(run: LimitedRun, prefix: string, rule: string): void {
  const lines = run.stdout.split('\n').filter((l) => l.startsWith(prefix));
  expect(run.exitCode, `exit status; output:\n${failureText(run).slice(0, 2000)}`).not.toBe(0);
  expect(lines, `the first message must name ${rule}; output:\n${failureText(run).slice(0, 2000)}`).toHaveLength(1);
  expect(lines[0]).toContain(`: ${rule}: `);
  expect(run.stdout).not.toMatch(/^PASS$/m);
}

// ---------------------------------------------------------------- the cases

const work = mkdtempSync(join(tmpdir(), 'trainforge-vip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  name: string;
  plusargs: string[];
  /** only on these simulators (X faults: Icarus only, Verilator has two states) */
  only?: SimulatorName;
  check(run: LimitedRun, simulator: SimulatorName): void;
}

function dataCase(name: string, bus: Bus, plusargs: string[]): Case {
  return {
    name,
    plusargs: [`+bus=${bus}`, ...plusargs],
    check(run) {
      const s = passed(run);
      expect(s.read_beats).toBeGreaterThan(0);
      expect(s.write_bytes).toBeGreaterThan(0);
      expect(s.mem_read_beats).toBe(s.read_beats);
      expect(s.mem_write_bytes).toBe(s.write_bytes);
      expect(s.error_bursts).toBe(0);
    },
  };
}

const DEFAULT_TIMING: MemoryTiming = { latency: 100, interval: 1, writeRespDelay: 1, queueDepth: 16, rreadyPeriod: 0, breadyPeriod: 0 };

function timingCase(name: string, bus: Bus, timing: Partial<MemoryTiming>, plusargs: string[], extra?: (log: Logged) => void): Case {
  const t = { ...DEFAULT_TIMING, ...timing };
  return {
    name,
    plusargs: [
      `+bus=${bus}`,
      '+mode=timing',
      '+log_handshakes',
      `+rready_period=${t.rreadyPeriod}`,
      `+bready_period=${t.breadyPeriod}`,
      ...plusargs,
    ],
    check(run) {
      const s = passed(run);
      const log = parseLog(run);
      const predicted = predictHandshakes(log.readBeats, log.writeBeats, t);
      const diff = firstDifference(log, predicted);
      if (diff) throw new Error(`${name}: ${diff}`);
      expect(s.mem_read_beats).toBe(log.readBeats.reduce((a, b) => a + b, 0));
      expect(s.mem_write_bytes).toBe(log.writeBytes);
      extra?.(log);
    },
  };
}

/** The response the model must give a burst: the first error range it overlaps, else DECERR past the memory. */
function expectedResp(ranges: ErrRange[], write: boolean, addr: number, len: number, bus: Bus): number {
  const { dataBytes, memBytes } = BUSES[bus];
  const lo = addr - (addr % dataBytes);
  const hi = lo + (len + 1) * dataBytes - 1;
  for (const r of ranges) {
    if ((write ? r.writes : r.reads) && r.size > 0 && lo <= r.base + r.size - 1 && r.base <= hi) return r.resp;
  }
  return hi >= memBytes ? 3 : 0;
}

interface ErrRange {
  resp: 2 | 3;
  reads: boolean;
  writes: boolean;
  base: number;
  size: number;
}

function errorCase(name: string, bus: Bus, ranges: (ErrRange | null)[], plusargs: string[]): Case {
  const args = ranges.flatMap((r, k) =>
    r
      ? [
          `+mem_err${k}=${r.reads && r.writes ? '' : r.reads ? 'r' : 'w'}${r.resp === 2 ? 'slverr' : 'decerr'}:0x${r.base.toString(16)}:${r.size}`,
        ]
      : [],
  );
  return {
    name,
    plusargs: [`+bus=${bus}`, '+log_bursts', ...args, ...plusargs],
    check(run) {
      const s = passed(run);
      const active = ranges.filter((r): r is ErrRange => r !== null);
      let errors = 0;
      const seen = new Set<number>();
      for (const line of run.stdout.split('\n').filter((l) => l.startsWith('BURST '))) {
        const [, kind, addrHex, len, resp] = line.split(' ');
        const want = expectedResp(active, kind === 'W', parseInt(addrHex, 16), Number(len), bus);
        if (Number(resp) !== want) throw new Error(`${name}: ${line}: the response should be ${want}`);
        if (want !== 0) errors++;
        seen.add(want);
      }
      expect(s.error_bursts).toBe(errors);
      // the case must exercise both answers, or it proves nothing
      expect(seen.has(0), 'some bursts answered OKAY').toBe(true);
      expect(errors, 'some bursts answered an error').toBeGreaterThan(0);
    },
  };
}

function faultCase(rule: string, plusargs: string[] = [], only?: SimulatorName, bus: Bus | 'lite' = 64): Case {
  const lite = bus === 'lite';
  return {
    name: `${lite ? 'axil_protocol_checker' : 'axi_protocol_checker'} ${rule}${bus === 128 ? ' (128-bit bus)' : ''}`,
    plusargs: [`+bus=${bus}`, `+fault=${rule}`, ...plusargs],
    only,
    check(run) {
      stoppedBy(run, lite ? 'axil_protocol_checker ' : 'axi_protocol_checker ', rule);
      expect(run.stdout).toContain(`${lite ? 'axil_protocol_checker lite' : `axi_protocol_checker bus${bus}`}: ${rule}: `);
    },
  };
}

// the slave's READY drops in the random mode, so that a VALID waits
const WAITS = ['+mem_random=1'];
const AXI_FAULTS: [string, string[]][] = [
  ['AR_VALID_DROPPED', WAITS],
  ['AW_VALID_DROPPED', WAITS],
  ['W_VALID_DROPPED', WAITS],
  ['R_VALID_DROPPED', []],
  ['B_VALID_DROPPED', []],
  ['AR_PAYLOAD_CHANGED', WAITS],
  ['AW_PAYLOAD_CHANGED', WAITS],
  ['W_PAYLOAD_CHANGED', WAITS],
  ['R_PAYLOAD_CHANGED', []],
  ['B_PAYLOAD_CHANGED', []],
  ['AR_4KB_CROSSING', []],
  ['AW_4KB_CROSSING', []],
  ['AR_BURST_NOT_INCR', []],
  ['AW_BURST_NOT_INCR', []],
  ['AR_SIZE_NOT_BUS_WIDTH', []],
  ['AW_SIZE_NOT_BUS_WIDTH', []],
  ['AR_LEN_TOO_LONG', []],
  ['AW_LEN_TOO_LONG', []],
  ['WLAST_EARLY', []],
  ['WLAST_MISSING', []],
  ['W_BEYOND_BURST', ['+writes=1']],
  ['RLAST_EARLY', []],
  ['RLAST_MISSING', []],
  ['R_WITHOUT_REQUEST', []],
  ['B_WITHOUT_REQUEST', []],
  ['AR_VALID_IN_RESET', []],
  ['AW_VALID_IN_RESET', []],
  ['W_VALID_IN_RESET', []],
  ['R_VALID_IN_RESET', []],
  ['B_VALID_IN_RESET', []],
];
// X and Z exist on Icarus only
const AXI_X_FAULTS = [
  'AR_VALID_X',
  'AW_VALID_X',
  'W_VALID_X',
  'R_VALID_X',
  'B_VALID_X',
  'AR_READY_X',
  'AW_READY_X',
  'W_READY_X',
  'R_READY_X',
  'B_READY_X',
  'AR_PAYLOAD_X',
  'AW_PAYLOAD_X',
  'R_PAYLOAD_X',
  'B_PAYLOAD_X',
];
const LITE_FAULTS = [
  'AR_VALID_DROPPED',
  'AW_VALID_DROPPED',
  'W_VALID_DROPPED',
  'R_VALID_DROPPED',
  'B_VALID_DROPPED',
  'AR_PAYLOAD_CHANGED',
  'AW_PAYLOAD_CHANGED',
  'W_PAYLOAD_CHANGED',
  'R_PAYLOAD_CHANGED',
  'B_PAYLOAD_CHANGED',
  'R_WITHOUT_REQUEST',
  'B_WITHOUT_REQUEST',
  'AR_VALID_IN_RESET',
  'AW_VALID_IN_RESET',
  'W_VALID_IN_RESET',
  'R_VALID_IN_RESET',
  'B_VALID_IN_RESET',
];
const LITE_X_FAULTS = ['AR_VALID_X', 'W_VALID_X', 'R_VALID_X', 'B_READY_X', 'AW_READY_X', 'AR_PAYLOAD_X'];

/** A random byte image for the preload, one hex byte per line. */
function imageFile(name: string, bytes: number, seed: number): { path: string; data: number[] } {
  const rng = makeRng(seed);
  const data = Array.from({ length: bytes }, () => rng.nextInt(0, 255));
  const path = join(work, name);
  writeFileSync(path, data.map((b) => b.toString(16).padStart(2, '0')).join('\n') + '\n');
  return { path, data };
}

function readDump(path: string): number[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => parseInt(l, 16));
}

function copyCase(name: string, bus: Bus, plusargs: string[]): Case {
  const bytes = 8192;
  const image = imageFile(`${name.replace(/\W+/g, '_')}.hex`, 2 * bytes, 7 + bus);
  const dump = join(work, `${name.replace(/\W+/g, '_')}.dump`);
  return {
    name,
    plusargs: [
      `+bus=${bus}`,
      '+mode=copy',
      '+copy_src=0',
      `+copy_dst=${2 * bytes}`,
      `+copy_bytes=${bytes}`,
      `+mem_image=${image.path}`,
      `+mem_dump=${dump}:0:0x${(3 * bytes).toString(16)}`,
      ...plusargs,
    ],
    check(run) {
      const s = passed(run);
      expect(s.write_bytes).toBe(bytes);
      expect(s.read_beats).toBe(bytes / BUSES[bus].dataBytes);
      const got = readDump(dump);
      const want = [...image.data, ...image.data.slice(0, bytes)];
      expect(got.length).toBe(want.length);
      const bad = got.findIndex((v, i) => v !== want[i]);
      expect(bad, `dump byte ${bad}: ${got[bad]}, expected ${want[bad]}`).toBe(-1);
    },
  };
}

const CASES: Case[] = [
  // ---- data, deterministic and random memory mode, random master timing
  ...[1, 2, 3].map((seed) => dataCase(`data, deterministic memory, seed ${seed}`, 64, [`+seed=${seed}`])),
  ...[11, 12, 13, 14, 15, 16].map((seed) =>
    dataCase(`data, random memory mode ${seed}, latency ${seed * 7}`, 64, [
      `+seed=${seed}`,
      `+mem_random=${seed}`,
      `+mem_latency=${seed * 7}`,
      `+mem_interval=${1 + (seed % 3)}`,
    ]),
  ),
  dataCase('data, random memory mode, eager master (no master stalls)', 64, ['+seed=21', '+mem_random=21', '+master_stall=0']),
  dataCase('data, random memory mode, lazy master (60% stalls)', 64, ['+seed=22', '+mem_random=22', '+master_stall=60']),
  dataCase('data, 128-bit bus, bursts up to 256 beats, deterministic', 128, ['+seed=4', '+reads=12', '+writes=12']),
  dataCase('data, 128-bit bus, random memory mode', 128, ['+seed=5', '+reads=12', '+writes=12', '+mem_random=5']),
  {
    name: 'data, AXI4-Lite bench',
    plusargs: ['+bus=lite', '+seed=3'],
    check(run) {
      const s = passed(run);
      expect(s.reads + s.writes).toBe(200);
    },
  },
  // ---- timing: measured handshakes = the documented formulas
  timingCase(
    'timing, latency 100, interval 1 (the defaults): first beat exactly L after its AR, then back to back',
    64,
    {},
    ['+reads=16', '+writes=16', '+seed=31'],
    (log) => {
      expect(log.r[0] - log.ar[0]).toBe(100);
      // 16 ARs fit the queue: every beat follows the one before it
      for (let i = 1; i < log.r.length; i++) expect(log.r[i] - log.r[i - 1]).toBe(1);
      expect(log.b[0] - log.w[log.writeBeats[0] - 1]).toBe(1);
    },
  ),
  timingCase('timing, latency 200: the read queue fills (16) and ARREADY waits', 64, { latency: 200 }, [
    '+reads=40',
    '+writes=40',
    '+seed=32',
    '+mem_latency=200',
  ]),
  timingCase(
    'timing, latency 20, interval 3, B delay 4, RREADY and BREADY patterns',
    64,
    {
      latency: 20,
      interval: 3,
      writeRespDelay: 4,
      rreadyPeriod: 7,
      breadyPeriod: 5,
    },
    ['+reads=30', '+writes=30', '+seed=33', '+mem_latency=20', '+mem_interval=3', '+mem_bdelay=4'],
  ),
  timingCase('timing, the minimums: latency 1, interval 1, B delay 1, RREADY every third cycle low', 64, { latency: 1, rreadyPeriod: 3 }, [
    '+reads=30',
    '+writes=30',
    '+seed=34',
    '+mem_latency=1',
  ]),
  timingCase('timing, 128-bit bus, long bursts, latency 50, interval 2, B delay 2', 128, { latency: 50, interval: 2, writeRespDelay: 2 }, [
    '+reads=8',
    '+writes=8',
    '+seed=35',
    '+mem_latency=50',
    '+mem_interval=2',
    '+mem_bdelay=2',
  ]),
  timingCase('timing, configured by tasks (latency 37, interval 2, B delay 3)', 64, { latency: 37, interval: 2, writeRespDelay: 3 }, [
    '+reads=20',
    '+writes=20',
    '+seed=36',
    '+vip_tasks',
  ]),
  // ---- error injection
  errorCase(
    'errors: SLVERR and DECERR ranges for reads, writes and both',
    64,
    [
      { resp: 2, reads: true, writes: true, base: 0x1000, size: 0x100 },
      { resp: 3, reads: true, writes: false, base: 0x2000, size: 8 },
      { resp: 2, reads: false, writes: true, base: 0x2800, size: 0x400 },
      { resp: 3, reads: true, writes: true, base: 0x3ff8, size: 1 },
    ],
    ['+seed=41', '+region=16384', '+mem_random=41'],
  ),
  errorCase(
    'errors: a burst past the end of the memory answers DECERR',
    64,
    [null, { resp: 2, reads: true, writes: true, base: 0xf000, size: 0x80 }],
    ['+seed=42', '+region_base=57344', '+region=16384'],
  ),
  errorCase(
    'errors: ranges set by the task set_error_range',
    64,
    [
      null,
      { resp: 3, reads: true, writes: false, base: 0x3000, size: 0x400 },
      { resp: 2, reads: false, writes: true, base: 0x1000, size: 0x200 },
    ],
    ['+seed=43', '+vip_tasks'],
  ),
  errorCase(
    'errors: 128-bit bus',
    128,
    [{ resp: 3, reads: true, writes: true, base: 0x2000, size: 0x1000 }],
    ['+seed=44', '+reads=20', '+writes=20', '+mem_random=44'],
  ),
  // ---- preload and dump
  copyCase('image and dump: copy 8 KB, deterministic memory', 64, ['+seed=51']),
  copyCase('image and dump: copy 8 KB, random memory mode, 128-bit bus', 128, ['+seed=52', '+mem_random=52']),
  // ---- the checks of the bench itself can fail
  {
    name: "the master's data check: a flipped read bit is DATA_MISMATCH",
    plusargs: ['+bus=64', '+fault=R_DATA_CORRUPT'],
    check: (run) => stoppedBy(run, 'axi_vip_master: ', 'DATA_MISMATCH'),
  },
  {
    name: "the AXI4-Lite bench's data check: a flipped read bit is DATA_MISMATCH",
    plusargs: ['+bus=lite', '+fault=R_DATA_CORRUPT'],
    check: (run) => stoppedBy(run, 'axil_vip_bench: ', 'DATA_MISMATCH'),
  },
  // ---- configuration errors: one line, non-zero exit
  {
    name: 'a malformed +mem_err0 is refused',
    plusargs: ['+bus=64', '+mem_err0=badkind:0x10:4'],
    check(run) {
      expect(run.exitCode).not.toBe(0);
      expect(run.stdout).toContain('axi_memory_model: +mem_err0=badkind:0x10:4: expected KIND:BASE:SIZE');
    },
  },
  {
    name: '+mem_latency=0 is refused',
    plusargs: ['+bus=64', '+mem_latency=0'],
    check(run) {
      expect(run.exitCode).not.toBe(0);
      expect(run.stdout).toContain('axi_memory_model: latency 0, interval 1, write response delay 1: each must be >= 1');
    },
  },
  // ---- every checker rule
  ...AXI_FAULTS.map(([rule, args]) => faultCase(rule, args)),
  ...AXI_X_FAULTS.map((rule) => faultCase(rule, [], 'icarus')),
  ...['AR_4KB_CROSSING', 'AW_SIZE_NOT_BUS_WIDTH', 'RLAST_MISSING', 'W_PAYLOAD_CHANGED'].map((rule) =>
    faultCase(rule, rule === 'W_PAYLOAD_CHANGED' ? WAITS : [], undefined, 128),
  ),
  ...LITE_FAULTS.map((rule) => faultCase(rule, [], undefined, 'lite')),
  ...LITE_X_FAULTS.map((rule) => faultCase(rule, [], 'icarus', 'lite')),
];

/** Random-mode runs logged on both simulators: the handshakes must be the same. */
const REPRODUCIBLE = [
  {
    name: 'random memory mode 61, 64-bit bus',
    plusargs: ['+bus=64', '+seed=61', '+mem_random=61', '+log_handshakes', '+reads=60', '+writes=60'],
  },
  {
    name: 'random memory mode 62, 128-bit bus',
    plusargs: ['+bus=128', '+seed=62', '+mem_random=62', '+log_handshakes', '+reads=10', '+writes=10'],
  },
];

// ---------------------------------------------------------------- the suite

const builds = new Map<SimulatorName, Promise<VipBuild>>();
const runs = new Map<string, Promise<LimitedRun>>();
const key = (simulator: SimulatorName, name: string) => `${simulator}/${name}`;

beforeAll(() => {
  for (const simulator of SIM_NAMES) {
    const build = buildVip(simulator);
    build.catch(() => {}); // reported by the tests that await it
    builds.set(simulator, build);
    for (const c of CASES) {
      if (c.only && c.only !== simulator) continue;
      const run = build.then((b) => b.run(c.name, c.plusargs));
      run.catch(() => {});
      runs.set(key(simulator, c.name), run);
    }
    for (const c of REPRODUCIBLE) {
      const run = build.then((b) => b.run(c.name, c.plusargs));
      run.catch(() => {});
      runs.set(key(simulator, `repro ${c.name}`), run);
    }
  }
});

describe.each(SIM_NAMES)('AXI verification IP on %s', (simulator) => {
  for (const c of CASES) {
    it.skipIf(c.only !== undefined && c.only !== simulator)(c.name, { timeout: SIM_TEST_TIMEOUT }, async () => {
      c.check(await runs.get(key(simulator, c.name))!, simulator);
    });
  }
});

describe('AXI verification IP: the random mode is reproducible', () => {
  for (const c of REPRODUCIBLE) {
    it(`${c.name}: the same handshakes, cycle by cycle, on Icarus and Verilator`, { timeout: SIM_TEST_TIMEOUT }, async () => {
      const [a, b] = await Promise.all(SIM_NAMES.map((s) => runs.get(key(s, `repro ${c.name}`))!));
      passed(a);
      passed(b);
      const la = handshakeLines(a);
      const lb = handshakeLines(b);
      expect(la.length).toBeGreaterThan(100);
      const i = la.findIndex((l, j) => l !== lb[j]);
      expect(i, `line ${i}: ${la[i]} on ${SIM_NAMES[0]}, ${lb[i]} on ${SIM_NAMES[1]}`).toBe(-1);
      expect(lb.length).toBe(la.length);
    });
  }
});
