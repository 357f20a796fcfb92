// ----------------------------------------------------------------------------
// TEMPORARY AXI4 slave memory for tests/sim/dma.test.ts, until the memory model
// and protocol checker of branch axi-vip (testbench/axi_memory_model.sv,
// testbench/axi_protocol_checker.sv) are merged; then tb_dma uses those and
// this file goes. Runs on Icarus (-g2012) and Verilator (--timing).
//
// Memory: 2^MemBits bytes (addresses wrap), written and read by the testbench
// through mem[]. Timing, deterministic mode (seed 0), in rising edges:
//   - ARREADY, AWREADY high while the queues have room (32 bursts);
//   - the first beat of a burst is accepted no earlier than L edges after its
//     AR (the edge of the AR handshake + L), then one beat per edge;
//   - WREADY high while an accepted AW waits for beats; a B response no earlier
//     than L edges after the burst's last W beat.
// Random mode (seed != 0): ARREADY, AWREADY, WREADY and the R and B valids also
// wait on a xorshift32 draw (about one cycle in three held), same on both
// simulators.
// Errors: beats whose address lies in [err_lo, err_hi) answer err_resp (2
// SLVERR, 3 DECERR) on R, and a write burst with such a beat answers err_resp
// on B and writes nothing of those beats.
// Checks (the simulation stops with $fatal and a message): INCR only, full-width
// beats, a burst of at most MaxBurst beats and within a 4 KB page, more than
// Outstanding read bursts in flight, a valid dropped or a payload changed
// before its handshake, WLAST on the wrong beat, a W beat with no accepted AW.
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axi_responder_tmp #(
  parameter integer AddrBits = 32,
  parameter integer DataBits = 64,
  parameter integer MaxBurst = 16,
  parameter integer Outstanding = 4,
  parameter integer MemBits = 20
) (
  input  wire                  clk,
  input  wire                  rst_n,
  input  wire                  arvalid,
  output reg                   arready,
  input  wire [AddrBits-1:0]   araddr,
  input  wire [7:0]            arlen,
  input  wire [2:0]            arsize,
  input  wire [1:0]            arburst,
  output reg                   rvalid,
  input  wire                  rready,
  output reg  [DataBits-1:0]   rdata,
  output reg  [1:0]            rresp,
  output reg                   rlast,
  input  wire                  awvalid,
  output reg                   awready,
  input  wire [AddrBits-1:0]   awaddr,
  input  wire [7:0]            awlen,
  input  wire [2:0]            awsize,
  input  wire [1:0]            awburst,
  input  wire                  wvalid,
  output reg                   wready,
  input  wire [DataBits-1:0]   wdata,
  input  wire [DataBits/8-1:0] wstrb,
  input  wire                  wlast,
  output reg                   bvalid,
  input  wire                  bready,
  output reg  [1:0]            bresp
);
  localparam integer DataBytes = DataBits / 8;
  localparam integer Q = 32;

  reg [7:0] mem [0:(1 << MemBits) - 1];
  // a known image before the testbench writes: byte a holds (37 a + 11) mod 256
  integer init_i;
  initial for (init_i = 0; init_i < (1 << MemBits); init_i = init_i + 1) mem[init_i] = 8'(init_i * 37 + 11);
  integer latency = 1;
  reg [31:0] rng = 32'd0;
  reg [63:0] err_lo = 64'd0, err_hi = 64'd0;
  reg [1:0] err_resp = 2'd0;

  integer now = 0;
  always @(posedge clk) now <= now + 1;

  function automatic [31:0] xorshift(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      xorshift = y ^ (y << 5);
    end
  endfunction

  // true about two cycles in three in random mode, always otherwise
  reg go;
  always @(negedge clk) begin
    if (rng != 32'd0) begin
      rng = xorshift(rng);
      go = (rng[1:0] != 2'd0) && (rng[3:2] != 2'd0 || rng[4]);
    end else go = 1'b1;
  end

  function automatic in_error(input [63:0] a);
    in_error = (err_resp != 2'd0) && (a >= err_lo) && (a < err_hi);
  endfunction

  // ---- burst checks
  task automatic check_burst(input [8*2-1:0] ch, input [AddrBits-1:0] addr, input [7:0] len, input [2:0] size, input [1:0] burst);
    reg [63:0] first, last;
    begin
      first = addr;
      last = first + (len + 1) * DataBytes - 1;
      if (burst != 2'b01) begin
        $display("axi_responder_tmp: %s burst type %0d, not INCR", ch, burst);
        $fatal(1);
      end
      if ((1 << size) != DataBytes) begin
        $display("axi_responder_tmp: %s size %0d, not full width", ch, size);
        $fatal(1);
      end
      if (first % DataBytes != 0) begin
        $display("axi_responder_tmp: %s address %h not beat-aligned", ch, addr);
        $fatal(1);
      end
      if (len + 1 > MaxBurst) begin
        $display("axi_responder_tmp: %s burst of %0d beats, more than MaxBurst %0d", ch, len + 1, MaxBurst);
        $fatal(1);
      end
      if ((first >> 12) != (last >> 12)) begin
        $display("axi_responder_tmp: %s burst %h + %0d beats crosses a 4 KB boundary", ch, addr, len + 1);
        $fatal(1);
      end
    end
  endtask

  // ---- stability: a valid stays up with its payload until its handshake
  reg ar_hold = 1'b0, aw_hold = 1'b0, w_hold = 1'b0;
  reg [AddrBits+7:0] ar_prev, aw_prev;
  reg [DataBits+DataBytes:0] w_prev;
  always @(posedge clk) begin
    if (rst_n) begin
      if (ar_hold && (!arvalid || {araddr, arlen} != ar_prev)) begin
        $display("axi_responder_tmp: ARVALID dropped or AR changed before ARREADY");
        $fatal(1);
      end
      if (aw_hold && (!awvalid || {awaddr, awlen} != aw_prev)) begin
        $display("axi_responder_tmp: AWVALID dropped or AW changed before AWREADY");
        $fatal(1);
      end
      if (w_hold && (!wvalid || {wdata, wstrb, wlast} != w_prev)) begin
        $display("axi_responder_tmp: WVALID dropped or W changed before WREADY");
        $fatal(1);
      end
      ar_hold <= arvalid && !arready;
      ar_prev <= {araddr, arlen};
      aw_hold <= awvalid && !awready;
      aw_prev <= {awaddr, awlen};
      w_hold <= wvalid && !wready;
      w_prev <= {wdata, wstrb, wlast};
    end
  end

  // ---- reads
  reg [AddrBits-1:0] ar_addr [0:Q-1];
  reg [7:0] ar_len [0:Q-1];
  integer ar_time [0:Q-1];
  integer ar_head = 0, ar_count = 0, r_beat = 0, r_inflight = 0;
  integer k;
  reg [AddrBits-1:0] a;

  always @(posedge clk) begin
    if (!rst_n) begin
      arready <= 1'b0;
      rvalid <= 1'b0;
    end else begin
      // the beat of the head burst, if one was presented and taken
      if (rvalid && rready) begin
        if (rlast) begin
          ar_head = (ar_head + 1) % Q;
          ar_count = ar_count - 1;
          r_inflight = r_inflight - 1;
          r_beat = 0;
        end else r_beat = r_beat + 1;
      end
      if (arvalid && arready) begin
        check_burst("AR", araddr, arlen, arsize, arburst);
        ar_addr[(ar_head + ar_count) % Q] = araddr;
        ar_len[(ar_head + ar_count) % Q] = arlen;
        ar_time[(ar_head + ar_count) % Q] = now;
        ar_count = ar_count + 1;
        r_inflight = r_inflight + 1;
        if (r_inflight > Outstanding) begin
          $display("axi_responder_tmp: %0d read bursts in flight, more than Outstanding %0d", r_inflight, Outstanding);
          $fatal(1);
        end
      end
      arready <= (ar_count < Q - 1) && go;
      // the next beat: held until taken; a new one no earlier than L edges after its AR
      if (!rvalid || rready) begin
        if ((ar_count > 0) && (ar_time[ar_head] + latency <= now + 1) && go) begin
          a = ar_addr[ar_head] + r_beat * DataBytes;
          for (k = 0; k < DataBytes; k = k + 1) rdata[8*k +: 8] <= mem[(a + k) % (1 << MemBits)];
          rresp <= in_error(a) ? err_resp : 2'b00;
          rlast <= (r_beat == ar_len[ar_head]);
          rvalid <= 1'b1;
        end else rvalid <= 1'b0;
      end
    end
  end

  // ---- writes
  reg [AddrBits-1:0] aw_addr [0:Q-1];
  reg [7:0] aw_len [0:Q-1];
  integer aw_head = 0, aw_count = 0, w_beat = 0;
  reg w_bad = 1'b0;
  integer b_time [0:Q-1];
  reg [1:0] b_resp [0:Q-1];
  integer b_head = 0, b_count = 0;
  reg [AddrBits-1:0] wa;

  always @(posedge clk) begin
    if (!rst_n) begin
      awready <= 1'b0;
      wready <= 1'b0;
      bvalid <= 1'b0;
    end else begin
      if (bvalid && bready) begin
        b_head = (b_head + 1) % Q;
        b_count = b_count - 1;
      end
      if (wvalid && wready) begin
        if (aw_count == 0) begin
          $display("axi_responder_tmp: a W beat with no accepted AW");
          $fatal(1);
        end
        if (wlast != (w_beat == aw_len[aw_head])) begin
          $display("axi_responder_tmp: WLAST %0d on beat %0d of a burst of %0d", wlast, w_beat, aw_len[aw_head] + 1);
          $fatal(1);
        end
        wa = aw_addr[aw_head] + w_beat * DataBytes;
        if (in_error(wa)) w_bad = 1'b1;
        else begin
          for (k = 0; k < DataBytes; k = k + 1) if (wstrb[k]) mem[(wa + k) % (1 << MemBits)] = wdata[8*k +: 8];
        end
        if (wlast) begin
          b_time[(b_head + b_count) % Q] = now;
          b_resp[(b_head + b_count) % Q] = w_bad ? err_resp : 2'b00;
          b_count = b_count + 1;
          w_bad = 1'b0;
          aw_head = (aw_head + 1) % Q;
          aw_count = aw_count - 1;
          w_beat = 0;
        end else w_beat = w_beat + 1;
      end else if (wvalid && (aw_count == 0) && !(awvalid && awready)) begin
        $display("axi_responder_tmp: WVALID with no accepted AW");
        $fatal(1);
      end
      if (awvalid && awready) begin
        check_burst("AW", awaddr, awlen, awsize, awburst);
        aw_addr[(aw_head + aw_count) % Q] = awaddr;
        aw_len[(aw_head + aw_count) % Q] = awlen;
        aw_count = aw_count + 1;
      end
      awready <= (aw_count < Q - 1) && (b_count < Q - 2) && go;
      wready <= (aw_count > 0) && go;
      if (!bvalid || bready) begin
        if ((b_count > 0) && (b_time[b_head] + latency <= now + 1) && go) begin
          bvalid <= 1'b1;
          bresp <= b_resp[b_head];
        end else bvalid <= 1'b0;
      end
    end
  end
endmodule
