/**
 * Timing-shaped figures of a flattened gate-level netlist, read from Yosys
 * `write_json`: the largest fanout of any net bit and the longest chain of
 * combinational gates between two timing boundaries.
 *
 * Boundaries: top-level ports, flip-flops and memories. A memory counts as an
 * SRAM macro with a registered read: its read data starts paths, its address,
 * data and enable inputs end them, whatever the read port's clocking, so a
 * memory never joins two paths. Clock pins are neither starts nor ends.
 *
 * Depth counts gate cells: every $_..._ gate of Yosys's internal library is one
 * level, $_NOT_ included (an inverter is a cell with a delay of its own in any
 * library; abc already folds most inversions into ANDNOT, ORNOT, NAND, NOR and
 * XNOR), $_BUF_ none (a wire).
 */

/** One net bit: a number names a net, a string is a constant ("0", "1", "x", "z"). */
type Bit = number | string;

export interface YosysCell {
  type: string;
  port_directions?: Record<string, 'input' | 'output' | 'inout'>;
  connections: Record<string, Bit[]>;
}

export interface YosysModule {
  ports: Record<string, { direction: 'input' | 'output' | 'inout'; bits: Bit[] }>;
  cells: Record<string, YosysCell>;
  netnames: Record<string, { hide_name?: number; bits: Bit[]; offset?: number; upto?: number }>;
}

export interface NetlistMetrics {
  /** cell input pin bits plus top-level output port bits driven by the busiest net bit (clock and reset apart) */
  maxFanout: number;
  maxFanoutNet: string | null;
  /** gate cells on the longest path between two boundaries */
  logicDepth: number;
  logicDepthPath: { from: string; to: string } | null;
}

/** Thrown when combinational gates form a loop: no depth exists. */
export class CombinationalLoopError extends Error {
  override name = 'CombinationalLoopError';
}

const FLIP_FLOP = /^\$_(DFF|DFFE|SDFF|SDFFE|SDFFCE|DFFSR|DFFSRE|ALDFF|ALDFFE|DLATCH|DLATCHSR|SR|FF)_/;
const COARSE_FLIP_FLOP = /^\$(dff|dffe|adff|adffe|sdff|sdffe|sdffce|aldff|aldffe|dffsr|dffsre|dlatch|adlatch|dlatchsr|sr|ff)$/;
const MEMORY = /^\$mem(_v2)?$|^\$mem(rd|wr|init)(_v2)?$/;
const GATE = /^\$_[A-Z0-9]+_$/;
/** pins that take a clock: not a data path end */
const CLOCK_PINS = new Set(['C', 'CLK', 'RD_CLK', 'WR_CLK']);

/** Port directions of a gate: Yosys writes them for its internal cells; Y (or Q) is the only output. */
function directions(name: string, cell: YosysCell): Record<string, 'input' | 'output' | 'inout'> {
  if (cell.port_directions) return cell.port_directions;
  throw new Error(`netlist cell ${name} (${cell.type}) has no port directions; was it written by yosys write_json?`);
}

/**
 * Readable names of net bits: a visible name before a Yosys-made one, a
 * register's own name (ending in _q, the generated RTL's convention) before
 * the wires that carry it through the hierarchy, then the fewest hierarchy
 * levels, the shortest, the first in order.
 */
export function bitNames(module: YosysModule): Map<number, string> {
  const best = new Map<number, { name: string; rank: Rank }>();
  for (const [net, info] of Object.entries(module.netnames)) {
    const hidden = info.hide_name ? 1 : 0;
    const levels = net.split('.').length;
    const register = /_q$/.test(net) ? 0 : 1;
    info.bits.forEach((bit, i) => {
      if (typeof bit !== 'number') return;
      const index = info.upto ? (info.offset ?? 0) + info.bits.length - 1 - i : (info.offset ?? 0) + i;
      const name = info.bits.length > 1 || (info.offset ?? 0) !== 0 ? `${net}[${index}]` : net;
      const rank: Rank = [hidden, register, levels, name.length, name];
      const old = best.get(bit);
      if (!old || compareRank(rank, old.rank) < 0) best.set(bit, { name, rank });
    });
  }
  return new Map([...best].map(([bit, { name }]) => [bit, name]));
}

type Rank = [number, number, number, number, string];

function compareRank(a: Rank, b: Rank): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a[4] < b[4] ? -1 : a[4] > b[4] ? 1 : 0;
}

/**
 * Fanout and logic depth of a flattened module. `exclude` names the top-level
 * ports that are not data (the clock and the reset): their bits start no path
 * and their fanout is not counted. Throws CombinationalLoopError on a loop.
 */
export function netlistMetrics(module: YosysModule, exclude: string[]): NetlistMetrics {
  const names = bitNames(module);
  const nameOf = (bit: number) => names.get(bit) ?? `net ${bit}`;
  const excluded = new Set<number>();
  for (const port of exclude) for (const bit of module.ports[port]?.bits ?? []) if (typeof bit === 'number') excluded.add(bit);

  // Fanout: every input pin bit of every cell, and every top-level output port bit.
  const fanout = new Map<number, number>();
  const load = (bit: Bit) => {
    if (typeof bit === 'number' && !excluded.has(bit)) fanout.set(bit, (fanout.get(bit) ?? 0) + 1);
  };
  for (const [name, cell] of Object.entries(module.cells)) {
    const dirs = directions(name, cell);
    for (const [pin, bits] of Object.entries(cell.connections)) if (dirs[pin] !== 'output') bits.forEach(load);
  }
  for (const port of Object.values(module.ports)) if (port.direction !== 'input') port.bits.forEach(load);
  // on a tie, a visible name before a Yosys-made one ($...), then the first in order
  const tieKey = (bit: number) => `${nameOf(bit).startsWith('$') ? 1 : 0}${nameOf(bit)}`;
  let maxFanout = 0;
  let maxFanoutBit: number | undefined;
  for (const [bit, n] of fanout) {
    if (n > maxFanout || (n === maxFanout && maxFanoutBit !== undefined && tieKey(bit) < tieKey(maxFanoutBit))) {
      maxFanout = n;
      maxFanoutBit = bit;
    }
  }

  // Depth: gates in topological order (Kahn), boundaries at depth 0.
  interface Gate {
    inputs: number[];
    outputs: number[];
    weight: number;
  }
  const gates: Gate[] = [];
  /** path start of each bit that starts paths: ports, flip-flop outputs, memory read data */
  const starts = new Map<number, string>();
  /** path ends: the bit that arrives and the name of what it arrives at */
  const ends: { bit: number; name: string }[] = [];
  for (const [port, info] of Object.entries(module.ports)) {
    info.bits.forEach((bit, i) => {
      if (typeof bit !== 'number') return;
      const name = info.bits.length > 1 ? `${port}[${i}]` : port;
      if (info.direction !== 'output' && !excluded.has(bit)) starts.set(bit, name);
      if (info.direction !== 'input') ends.push({ bit, name });
    });
  }
  for (const [name, cell] of Object.entries(module.cells)) {
    const dirs = directions(name, cell);
    const sequential = FLIP_FLOP.test(cell.type) || COARSE_FLIP_FLOP.test(cell.type);
    const memory = MEMORY.test(cell.type);
    if (sequential || memory) {
      // a register is named by its output; a memory by its cell and pin
      const q = Object.entries(cell.connections).find(([pin]) => dirs[pin] === 'output')?.[1] ?? [];
      const registerName = (i: number) => {
        const bit = q[i] ?? q[0];
        return typeof bit === 'number' ? nameOf(bit) : name;
      };
      for (const [pin, bits] of Object.entries(cell.connections)) {
        bits.forEach((bit, i) => {
          if (typeof bit !== 'number') return;
          const where = memory ? `${name} ${pin}${bits.length > 1 ? `[${i}]` : ''}` : registerName(i);
          if (dirs[pin] === 'output') starts.set(bit, where);
          else if (!CLOCK_PINS.has(pin)) ends.push({ bit, name: where });
        });
      }
      continue;
    }
    if (!GATE.test(cell.type))
      throw new Error(`netlist cell ${name} has type ${cell.type}: logic depth needs a gate-level netlist (techmap, then abc)`);
    const inputs: number[] = [];
    const outputs: number[] = [];
    for (const [pin, bits] of Object.entries(cell.connections)) {
      for (const bit of bits) if (typeof bit === 'number') (dirs[pin] === 'output' ? outputs : inputs).push(bit);
    }
    gates.push({ inputs, outputs, weight: cell.type === '$_BUF_' ? 0 : 1 });
  }

  const driver = new Map<number, number>(); // bit -> gate index
  gates.forEach((g, i) => g.outputs.forEach((bit) => driver.set(bit, i)));
  const readers: number[][] = gates.map(() => []);
  const waiting = gates.map((g, i) => {
    let n = 0;
    for (const bit of g.inputs) {
      const d = driver.get(bit);
      if (d !== undefined) {
        readers[d].push(i);
        n++;
      }
    }
    return n;
  });
  // arrival of each bit in gate levels, and the bit it came from (for the path's start)
  const arrival = new Map<number, number>();
  const origin = new Map<number, string>();
  for (const [bit, name] of starts) {
    arrival.set(bit, 0);
    origin.set(bit, name);
  }
  const ready = gates.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  let done = 0;
  while (ready.length) {
    const i = ready.pop()!;
    done++;
    const g = gates[i];
    let level = 0;
    let from: string | undefined;
    for (const bit of g.inputs) {
      // an input that no path reaches (a constant, the clock or reset, an undriven net) adds nothing
      const a = arrival.get(bit);
      if (a !== undefined && (from === undefined || a > level)) {
        level = a;
        from = origin.get(bit)!;
      }
    }
    if (from !== undefined) {
      for (const bit of g.outputs) {
        arrival.set(bit, level + g.weight);
        origin.set(bit, from);
      }
    }
    for (const r of readers[i]) if (--waiting[r] === 0) ready.push(r);
  }
  if (done < gates.length) throw new CombinationalLoopError(describeLoop(gates, waiting, driver, nameOf));

  let logicDepth = 0;
  let logicDepthPath: NetlistMetrics['logicDepthPath'] = null;
  for (const end of ends) {
    const a = arrival.get(end.bit);
    const from = origin.get(end.bit);
    if (a === undefined || from === undefined) continue;
    if (!logicDepthPath || a > logicDepth) {
      logicDepth = a;
      logicDepthPath = { from, to: end.name };
    }
  }
  return { maxFanout, maxFanoutNet: maxFanoutBit === undefined ? null : nameOf(maxFanoutBit), logicDepth, logicDepthPath };
}

/** One loop among the gates Kahn's algorithm could not order, as the nets it runs through. */
function describeLoop(
  gates: { inputs: number[] }[],
  waiting: number[],
  driver: Map<number, number>,
  nameOf: (bit: number) => string,
): string {
  const stuck = gates.flatMap((_, i) => (waiting[i] > 0 ? [i] : []));
  // walk backwards through stuck drivers until a gate repeats: that stretch is a loop
  const seen = new Map<number, number>();
  const walk: { gate: number; bit: number }[] = [];
  let gate = stuck[0];
  while (!seen.has(gate)) {
    seen.set(gate, walk.length);
    const bit = gates[gate].inputs.find((b) => {
      const d = driver.get(b);
      return d !== undefined && waiting[d] > 0;
    })!;
    walk.push({ gate, bit });
    gate = driver.get(bit)!;
  }
  const loop = walk.slice(seen.get(gate)).reverse();
  const nets = loop.map((s) => nameOf(s.bit));
  return `combinational loop through ${loop.length} gates (${stuck.length} gates on or behind loops): ${[...nets, nets[0]].join(' -> ')}`;
}
