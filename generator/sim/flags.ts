/**
 * How the testbench is built on each simulator: one source for trainforge's own
 * builds (generator/sim/simulators.ts) and for the FuseSoC core file that
 * `generate` writes (templates/fusesoc.core.hbs), so the two cannot drift.
 */

/** The testbench's module (testbench/tb_core.sv.hbs), the top of every simulation. */
export const TESTBENCH_TOP = 'tb_core';

/** The system testbench's module (testbench/tb_system.sv.hbs): the system top between an AXI4-Lite host and the memory model. */
export const SYSTEM_TESTBENCH_TOP = 'tb_system';

/** iverilog options besides the top, the output and the files. */
export const ICARUS_OPTIONS: readonly string[] = ['-g2012'];

/**
 * Verilator options of a simulation build besides --binary, the top, the
 * folders and the files. Warnings stay visible but do not stop the build: the
 * design itself is linted with -Wall separately (trainforge lint); the
 * testbench is not RTL.
 */
export const VERILATOR_SIM_OPTIONS: readonly string[] = ['--timing', '-Wno-fatal', '-Wno-lint', '-Wno-style', '-O2'];

/**
 * Added for a waveform: Verilator records $dumpvars only in a build with
 * tracing compiled in, which is slower to build and to run, so it is a
 * separate build that the ordinary one never pays for.
 */
export const VERILATOR_TRACE_OPTIONS: readonly string[] = ['--trace'];

/** Verilator's lint of the generated design (trainforge lint, the core file's lint target). */
export const VERILATOR_LINT_OPTIONS: readonly string[] = ['-Wall'];
