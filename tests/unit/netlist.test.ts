/**
 * Fanout and logic depth on small hand-made netlists in Yosys write_json form.
 */
import { describe, expect, it } from 'vitest';
import { bitNames, CombinationalLoopError, netlistMetrics, type YosysCell, type YosysModule } from '../../generator/tools/netlist.ts';

type Bit = number | string;

/** A netlist builder: nets are numbers, cells get Yosys's port directions. */
class Netlist {
  readonly module: YosysModule = { ports: {}, cells: {}, netnames: {} };
  private next = 2;
  private cellCount = 0;

  net(name: string, width = 1, hidden = false): number[] {
    const bits = Array.from({ length: width }, () => this.next++);
    this.module.netnames[name] = { hide_name: hidden ? 1 : 0, bits };
    return bits;
  }

  port(name: string, direction: 'input' | 'output', width = 1): number[] {
    const bits = this.net(name, width);
    this.module.ports[name] = { direction, bits };
    return bits;
  }

  private cell(type: string, pins: Record<string, [Bit[], 'input' | 'output']>, name?: string): void {
    const cell: YosysCell = { type, port_directions: {}, connections: {} };
    for (const [pin, [bits, dir]] of Object.entries(pins)) {
      cell.port_directions![pin] = dir;
      cell.connections[pin] = bits;
    }
    this.module.cells[name ?? `$cell${this.cellCount++}`] = cell;
  }

  gate(type: string, inputs: Bit[], y: number): number {
    const names = type === '$_MUX_' ? ['A', 'B', 'S'] : ['A', 'B', 'C', 'D'];
    const pins: Record<string, [Bit[], 'input' | 'output']> = { Y: [[y], 'output'] };
    inputs.forEach((bit, i) => (pins[names[i]] = [[bit], 'input']));
    this.cell(type, pins);
    return y;
  }

  /** a gate with a fresh hidden output net */
  g(type: string, ...inputs: Bit[]): number {
    return this.gate(type, inputs, this.net(`$auto$${this.next}`, 1, true)[0]);
  }

  dff(clk: number, d: Bit, q: number, opts: { reset?: number; enable?: number } = {}): void {
    const pins: Record<string, [Bit[], 'input' | 'output']> = { C: [[clk], 'input'], D: [[d], 'input'], Q: [[q], 'output'] };
    if (opts.reset !== undefined) pins.R = [[opts.reset], 'input'];
    if (opts.enable !== undefined) pins.E = [[opts.enable], 'input'];
    const type = opts.reset !== undefined ? (opts.enable !== undefined ? '$_DFFE_PN0P_' : '$_DFF_PN0_') : '$_DFF_P_';
    this.cell(type, pins);
  }

  memory(name: string, clk: number, p: { rdAddr: Bit[]; rdData: number[]; wrAddr: Bit[]; wrData: Bit[]; wrEn: Bit[] }): void {
    this.cell(
      '$mem_v2',
      {
        RD_CLK: [[clk], 'input'],
        RD_EN: [['1'], 'input'],
        RD_ARST: [['0'], 'input'],
        RD_SRST: [['0'], 'input'],
        RD_ADDR: [p.rdAddr, 'input'],
        RD_DATA: [p.rdData, 'output'],
        WR_CLK: [[clk], 'input'],
        WR_EN: [p.wrEn, 'input'],
        WR_ADDR: [p.wrAddr, 'input'],
        WR_DATA: [p.wrData, 'input'],
      },
      name,
    );
  }
}

const CLOCK_AND_RESET = ['clk_i', 'rst_ni'];

describe('netlistMetrics: logic depth', () => {
  it('counts the gates of the longest register-to-register path and names its ends', () => {
    const n = new Netlist();
    const [clk] = n.port('clk_i', 'input');
    const [rst] = n.port('rst_ni', 'input');
    const a = n.net('u_x.a_q', 3);
    const [y] = n.net('u_y.y_q');
    const [z] = n.net('z_q');
    for (const bit of a) n.dff(clk, n.g('$_NOT_', bit), bit, { reset: rst });
    // a[0] -> AND -> OR -> XOR -> y: three levels; a[2] -> NOT -> XOR: two
    const and = n.g('$_AND_', a[0], a[1]);
    const or = n.g('$_OR_', and, a[1]);
    const xor = n.g('$_XOR_', or, n.g('$_NOT_', a[2]));
    n.dff(clk, xor, y, { reset: rst });
    // a buffer is a wire: y -> BUF -> z is zero levels
    n.dff(clk, n.g('$_BUF_', y), z);
    const m = netlistMetrics(n.module, CLOCK_AND_RESET);
    expect(m.logicDepth).toBe(3);
    expect(m.logicDepthPath).toEqual({ from: 'u_x.a_q[0]', to: 'u_y.y_q' });
  });

  it('counts input-to-register and register-to-output paths, and a NOT as a gate', () => {
    const n = new Netlist();
    const [clk] = n.port('clk_i', 'input');
    const [i0, i1] = n.port('data_i', 'input', 2);
    const [o] = n.port('data_o', 'output');
    const [r] = n.net('r_q');
    n.dff(clk, n.g('$_NAND_', i0, i1), r);
    n.gate('$_NOT_', [n.g('$_NOT_', n.g('$_XOR_', r, i1))], o);
    const m = netlistMetrics(n.module, CLOCK_AND_RESET);
    expect(m.logicDepth).toBe(3);
    expect(m.logicDepthPath).toEqual({ from: 'r_q', to: 'data_o' });
    n.dff(clk, n.g('$_NOT_', n.g('$_NOT_', n.g('$_NOT_', n.g('$_NOT_', i1)))), n.net('s_q')[0]);
    expect(netlistMetrics(n.module, CLOCK_AND_RESET)).toMatchObject({ logicDepth: 4, logicDepthPath: { from: 'data_i[1]', to: 's_q' } });
  });

  it('cuts paths at a memory: read data starts a path, write and read inputs end one', () => {
    const n = new Netlist();
    const [clk] = n.port('clk_i', 'input');
    const addr = n.net('addr_q', 2);
    const rd = n.net('u_mem.rd_data', 2);
    const [out] = n.net('out_q');
    for (const bit of addr) n.dff(clk, n.g('$_NOT_', bit), bit);
    // addr -> 2 gates -> write address; read data -> 2 gates -> out_q. Through the memory it would be 4 or more.
    const wa = n.g('$_XOR_', n.g('$_AND_', addr[0], addr[1]), addr[0]);
    n.memory('u_mem.mem_q', clk, { rdAddr: addr, rdData: rd, wrAddr: [wa, addr[1]], wrData: rd, wrEn: ['1'] });
    n.dff(clk, n.g('$_OR_', n.g('$_XNOR_', rd[0], rd[1]), rd[1]), out);
    const m = netlistMetrics(n.module, CLOCK_AND_RESET);
    expect(m.logicDepth).toBe(2);
    // the first found of the two paths of length 2
    expect(m.logicDepthPath).toEqual({ from: 'addr_q[0]', to: 'u_mem.mem_q WR_ADDR[0]' });
    // three gates after the memory make the memory's read data the start
    const [deep] = n.net('deep_q');
    n.dff(clk, n.g('$_NOT_', n.g('$_AND_', n.g('$_OR_', rd[0], rd[1]), rd[0])), deep);
    expect(netlistMetrics(n.module, CLOCK_AND_RESET)).toMatchObject({
      logicDepth: 3,
      logicDepthPath: { from: 'u_mem.mem_q RD_DATA[0]', to: 'deep_q' },
    });
  });

  it('starts no path at the clock or the reset', () => {
    const n = new Netlist();
    const [clk] = n.port('clk_i', 'input');
    const [rst] = n.port('rst_ni', 'input');
    const [en] = n.port('en_i', 'input');
    const [q] = n.net('q_q');
    // a reset through three gates into D, the data input through one
    n.dff(clk, n.g('$_AND_', n.g('$_NOT_', n.g('$_NOT_', n.g('$_NOT_', rst))), en), q);
    const m = netlistMetrics(n.module, CLOCK_AND_RESET);
    expect(m.logicDepth).toBe(1);
    expect(m.logicDepthPath).toEqual({ from: 'en_i', to: 'q_q' });
    expect(netlistMetrics(n.module, ['clk_i']).logicDepth).toBe(4);
  });

  it('reports a combinational loop with the nets it runs through', () => {
    const n = new Netlist();
    const [clk] = n.port('clk_i', 'input');
    const [a] = n.port('a_i', 'input');
    const [x] = n.net('loop_x');
    const [y] = n.net('loop_y');
    const [z] = n.net('loop_z');
    n.gate('$_AND_', [a, z], x);
    n.gate('$_OR_', [x, a], y);
    n.gate('$_NOT_', [y], z);
    n.dff(clk, y, n.net('q_q')[0]);
    // a gate fed by the loop is stuck behind it, but not on it
    n.dff(clk, n.g('$_NOT_', z), n.net('p_q')[0]);
    expect(() => netlistMetrics(n.module, CLOCK_AND_RESET)).toThrow(CombinationalLoopError);
    expect(() => netlistMetrics(n.module, CLOCK_AND_RESET)).toThrow(
      /^combinational loop through 3 gates \(4 gates on or behind loops\): loop_(x|y|z) -> .* -> loop_\1$/,
    );
    const message = (() => {
      try {
        netlistMetrics(n.module, CLOCK_AND_RESET);
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(
      /loop_x -> loop_y -> loop_z -> loop_x|loop_y -> loop_z -> loop_x -> loop_y|loop_z -> loop_x -> loop_y -> loop_z/,
    );
  });

  it('refuses a netlist that is not gate-level', () => {
    const n = new Netlist();
    const [a] = n.port('a_i', 'input');
    const [y] = n.port('y_o', 'output');
    n.module.cells.adder = { type: '$add', port_directions: { A: 'input', Y: 'output' }, connections: { A: [a], Y: [y] } };
    expect(() => netlistMetrics(n.module, CLOCK_AND_RESET)).toThrow(/adder has type \$add: logic depth needs a gate-level netlist/);
  });
});

describe('netlistMetrics: fanout', () => {
  it('counts input pin bits and output port bits, and leaves out the clock and reset', () => {
    const n = new Netlist();
    const [clk] = n.port('clk_i', 'input');
    const [rst] = n.port('rst_ni', 'input');
    const [en] = n.net('u_ctl.en_q');
    n.dff(clk, n.g('$_NOT_', en), en, { reset: rst });
    const q = n.net('acc_q', 4);
    // en drives four enables, one NOT, one MUX select and one output port bit: 7
    for (const bit of q) n.dff(clk, n.g('$_XOR_', bit, bit), bit, { reset: rst, enable: en });
    const [o] = n.port('sel_o', 'output', 2);
    n.gate('$_MUX_', [q[0], q[1], en], o);
    n.module.ports.sel_o.bits[1] = en;
    const m = netlistMetrics(n.module, CLOCK_AND_RESET);
    expect(m.maxFanout).toBe(7);
    expect(m.maxFanoutNet).toBe('u_ctl.en_q');
    // the clock drives 5 flip-flops and the reset 5: fewer than en; 3 more and the clock leads, if counted
    const withClock = netlistMetrics(n.module, []);
    expect(withClock.maxFanout).toBe(7);
    for (let i = 0; i < 3; i++) n.dff(clk, '0', n.net(`more${i}_q`)[0]);
    expect(netlistMetrics(n.module, []).maxFanoutNet).toBe('clk_i');
    expect(netlistMetrics(n.module, CLOCK_AND_RESET).maxFanoutNet).toBe('u_ctl.en_q');
  });

  it('on a tie names a visible net before a Yosys-made one', () => {
    const n = new Netlist();
    const [a] = n.port('a_i', 'input');
    const [y] = n.port('y_o', 'output');
    // the hidden AND output drives two pins, and so does a_i
    const t = n.g('$_AND_', a, a);
    n.gate('$_XOR_', [t, t], y);
    expect(netlistMetrics(n.module, [])).toMatchObject({ maxFanout: 2, maxFanoutNet: 'a_i' });
  });

  it('ignores constants', () => {
    const n = new Netlist();
    const [a] = n.port('a_i', 'input');
    const [y] = n.port('y_o', 'output');
    const t = n.g('$_AND_', '1', a);
    n.gate('$_OR_', [t, a, '0'], y);
    const m = netlistMetrics(n.module, []);
    expect(m).toEqual({ maxFanout: 2, maxFanoutNet: 'a_i', logicDepth: 2, logicDepthPath: { from: 'a_i', to: 'y_o' } });
  });
});

describe('bitNames', () => {
  it('prefers visible names, then a register (_q), then the fewest levels, then the shortest', () => {
    const module: YosysModule = {
      ports: {},
      cells: {},
      netnames: {
        $abc$1$new_n5_: { hide_name: 1, bits: [2] },
        'u_a.u_b.x': { hide_name: 0, bits: [2, 3] },
        'u_a.state_q': { hide_name: 0, bits: [3, 4], offset: 4 },
        wide: { hide_name: 0, bits: [5, 6, 7], upto: 1, offset: 1 },
        'u_a.u_b.v': { hide_name: 0, bits: [7] },
      },
    };
    const names = bitNames(module);
    expect(names.get(2)).toBe('u_a.u_b.x[0]');
    expect(names.get(3)).toBe('u_a.state_q[4]');
    expect(names.get(4)).toBe('u_a.state_q[5]');
    // declared [1:3] (upto): Yosys keeps bits LSB first, so the first bit is index 3
    expect(names.get(5)).toBe('wide[3]');
    expect(names.get(7)).toBe('wide[1]');
  });
});
