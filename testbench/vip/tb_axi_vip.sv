// ----------------------------------------------------------------------------
// tb_axi_vip: the top of the verification IP's own tests (tests/sim/axi-vip.test.ts).
// Two buses in one build, so that one compile per simulator covers two shapes:
//   +bus=64   (default) AddrBits 32, DataBits 64, IdBits 2, MaxBurst 16, 64 KB
//   +bus=128  AddrBits 40, DataBits 128, IdBits 1, MaxBurst 256, 64 KB
//   +bus=lite an AXI4-Lite bus (axil_vip_bench), 32-bit
// The other buses stay in reset. The run ends when the master is done ("PASS" after
// the bench's SUMMARY line), or after +max_cycles (default 200000) with
// "tb_axi_vip: TIMEOUT" and exit status 1.
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module tb_axi_vip;
  reg        clk = 1'b0;
  reg        rst_n = 1'b0;
  reg [63:0] cycles = 64'd0;
  integer    bus, max_cycles;
  reg [8*8-1:0] bus_name;
  wire       done64, done128, done_lite;

  always #5 clk = ~clk;

  initial begin
    bus_name = "64";
    max_cycles = 200000;
    if ($value$plusargs("bus=%s", bus_name)) ;
    if ($value$plusargs("max_cycles=%d", max_cycles)) ;
    bus = bus_name == "64" ? 64 : bus_name == "128" ? 128 : bus_name == "lite" ? 32 : 0;
    if (bus == 0) begin
      $display("tb_axi_vip: +bus=%0s: expected 64, 128 or lite", bus_name);
      $fatal(1);
    end
    repeat (4) @(negedge clk);
    rst_n = 1'b1;
  end

  axi_vip_bench #(
    .AddrBits (32),
    .DataBits (64),
    .IdBits   (2),
    .MaxBurst (16),
    .MemBytes (1 << 16),
    .Name     ("bus64")
  ) u_bus64 (
    .clk_i    (clk),
    .rst_ni   (rst_n && bus == 64),
    .active_i (bus == 64),
    .done_o   (done64)
  );

  axi_vip_bench #(
    .AddrBits (40),
    .DataBits (128),
    .IdBits   (1),
    .MaxBurst (256),
    .MemBytes (1 << 16),
    .Name     ("bus128")
  ) u_bus128 (
    .clk_i    (clk),
    .rst_ni   (rst_n && bus == 128),
    .active_i (bus == 128),
    .done_o   (done128)
  );

  axil_vip_bench #(
    .AddrBits (32),
    .DataBits (32),
    .Name     ("lite")
  ) u_lite (
    .clk_i    (clk),
    .rst_ni   (rst_n && bus == 32),
    .active_i (bus == 32),
    .done_o   (done_lite)
  );

  always @(posedge clk) begin
    if (rst_n) begin
      cycles <= cycles + 64'd1;
      if (done64 || done128 || done_lite) begin
        $display("PASS");
        $finish;
      end
      if (cycles >= max_cycles) begin
        $display("tb_axi_vip: TIMEOUT: not done after %0d cycles", max_cycles);
        $fatal(1);
      end
    end
  end
endmodule
