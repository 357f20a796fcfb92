// ----------------------------------------------------------------------------
// axil_vip_bench: an AXI4-Lite master and a register-file slave (16 words), both
// with seeded random timing, watched by axil_protocol_checker (Name). The test of
// the checker itself (tests/sim/axi-vip.test.ts); not part of any generated design.
//
// The master runs +lite_ops=N (default 200) single reads and writes, one at a time,
// AW and W each after its own random delay; the slave takes AW and W with random
// READY, answers B once it has both, and R 0..3 cycles after AR. The master checks
// every read against its shadow of the registers ("axil_vip_bench: DATA_MISMATCH").
// +fault=NAME breaks the checker rule NAME (see the cases below); the checker must
// stop the simulation naming it; +fault=R_DATA_CORRUPT (legal AXI: every read answers
// its register with bit 0 flipped) must end in DATA_MISMATCH. Done: "SUMMARY <Name> cycles C reads N writes N".
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axil_vip_bench #(
  parameter integer AddrBits = 32,
  parameter integer DataBits = 32,
  parameter         Name     = "lite"
) (
  input  wire clk_i,
  input  wire rst_ni,
  input  wire active_i,
  output reg  done_o
);
  localparam integer StrChars = 256;
  localparam integer Strobes = DataBits / 8;

  reg [AddrBits-1:0] awaddr, araddr;
  reg [2:0]          awprot, arprot;
  reg                awvalid, wvalid, arvalid, bready, rready;
  reg [DataBits-1:0] wdata, rdata;
  reg [Strobes-1:0]  wstrb;
  reg [1:0]          bresp, rresp;
  reg                awready, wready, bvalid, arready, rvalid;

  reg [8*StrChars-1:0] fault;
  integer    n_ops, ops_done, reads, writes;
  reg [63:0] seed, cycle, rnd_state, rnd;
  reg [DataBits-1:0] regs [0:15];    // the slave
  reg [DataBits-1:0] shadow [0:15];  // the master's copy
  // master
  reg        busy, is_read, aw_sent, w_sent;
  integer    aw_delay, w_delay;
  reg [3:0]  idx;
  // slave
  reg        s_aw, s_w, s_r;
  reg [3:0]  s_aw_idx;
  reg [DataBits-1:0] s_wdata;
  reg [Strobes-1:0]  s_wstrb;
  integer    r_delay;

  function automatic f(input [8*32-1:0] name);
    f = active_i && fault == name;
  endfunction

  task automatic rnd_next;
    rnd_state = rnd_state ^ (rnd_state >> 12);
    rnd_state = rnd_state ^ (rnd_state << 25);
    rnd_state = rnd_state ^ (rnd_state >> 27);
    rnd = rnd_state * 64'h2545F4914F6CDD1D;
  endtask

  initial begin
    fault = 0;
    n_ops = 200;
    seed = 64'd1;
    if ($value$plusargs("fault=%s", fault)) ;
    if ($value$plusargs("lite_ops=%d", n_ops)) ;
    if ($value$plusargs("seed=%d", seed)) ;
  end

  always @(posedge clk_i) begin : bench
    integer k;
    reg [DataBits-1:0] d;
    reg aw_hs, w_hs, b_hs, ar_hs, r_hs;
    if (!rst_ni) begin
      cycle = 64'd0;
      rnd_state = seed ^ 64'hA0761D6478BD642F;
      repeat (4) rnd_next();
      ops_done = 0;
      reads = 0;
      writes = 0;
      busy = 1'b0;
      s_aw = 1'b0;
      s_w = 1'b0;
      s_r = 1'b0;
      r_delay = 0;
      for (k = 0; k < 16; k = k + 1) begin
        regs[k] = {DataBits{1'b0}};
        shadow[k] = {DataBits{1'b0}};
      end
      awvalid <= f("AW_VALID_IN_RESET");
      wvalid <= f("W_VALID_IN_RESET");
      arvalid <= f("AR_VALID_IN_RESET");
      bvalid <= f("B_VALID_IN_RESET");
      rvalid <= f("R_VALID_IN_RESET");
      awaddr <= {AddrBits{1'b0}};
      araddr <= {AddrBits{1'b0}};
      awprot <= 3'd0;
      arprot <= 3'd0;
      wdata <= {DataBits{1'b0}};
      wstrb <= {Strobes{1'b0}};
      bready <= 1'b0;
      rready <= 1'b0;
      awready <= 1'b0;
      wready <= 1'b0;
      arready <= 1'b0;
      bresp <= 2'd0;
      rresp <= 2'd0;
      rdata <= {DataBits{1'b0}};
      done_o <= 1'b0;
    end else begin
      rnd_next();
      aw_hs = awvalid && awready;
      w_hs = wvalid && wready;
      b_hs = bvalid && bready;
      ar_hs = arvalid && arready;
      r_hs = rvalid && rready;

      // ---------------- slave
      if (aw_hs) begin
        s_aw = 1'b1;
        s_aw_idx = awaddr[5:2];
      end
      if (w_hs) begin
        s_w = 1'b1;
        s_wdata = wdata;
        s_wstrb = wstrb;
      end
      if (b_hs) bvalid <= 1'b0;
      // B once both AW and W are in (B_WITHOUT_REQUEST: after AW alone)
      if (s_aw && (s_w || f("B_WITHOUT_REQUEST")) && !(bvalid && !b_hs)) begin
        for (k = 0; k < Strobes; k = k + 1) if (s_wstrb[k]) regs[s_aw_idx][8*k+:8] = s_wdata[8*k+:8];
        bvalid <= 1'b1;
        bresp <= 2'd0;
        s_aw = 1'b0;
        s_w = 1'b0;
      end else if (bvalid && !b_hs) begin
        if (f("B_VALID_DROPPED")) bvalid <= 1'b0;
        if (f("B_PAYLOAD_CHANGED")) bresp <= 2'd2;
      end
      if (r_hs) rvalid <= 1'b0;
      if (ar_hs) r_delay = 1 + rnd[41:40];
      if (r_delay > 0 && !(rvalid && !r_hs)) begin
        r_delay = r_delay - 1;
        if (r_delay == 0) begin
          rvalid <= 1'b1;
          rdata <= regs[araddr[5:2]] ^ (f("R_DATA_CORRUPT") ? 1 : 0);
          rresp <= 2'd0;
        end
      end else if (rvalid && !r_hs) begin
        if (f("R_VALID_DROPPED")) rvalid <= 1'b0;
        if (f("R_PAYLOAD_CHANGED")) rdata <= ~rdata;
      end
      if (f("R_WITHOUT_REQUEST") && cycle == 64'd0) rvalid <= 1'b1;
      awready <= !s_aw && rnd[1:0] != 2'd0;
      wready <= !s_w && rnd[3:2] != 2'd0;
      // one read at a time: from its AR handshake to its R handshake
      if (ar_hs) s_r = 1'b1;
      if (r_hs) s_r = 1'b0;
      arready <= !s_r && rnd[5:4] != 2'd0;

      // ---------------- master
      if (r_hs) begin
        reads = reads + 1;
        if (rdata != shadow[idx]) begin
          $display("axil_vip_bench: DATA_MISMATCH: cycle %0d, register %0d read 0x%0h, expected 0x%0h", cycle, idx, rdata, shadow[idx]);
          $fatal(1);
        end
        busy = 1'b0;
      end
      if (b_hs) begin
        writes = writes + 1;
        busy = 1'b0;
      end
      if (ar_hs) arvalid <= 1'b0;
      if (aw_hs) awvalid <= 1'b0;
      if (w_hs) wvalid <= 1'b0;
      if (!busy && ops_done < n_ops) begin
        busy = 1'b1;
        ops_done = ops_done + 1;
        idx = rnd[11:8];
        is_read = rnd[12];
        aw_delay = rnd[15:13] % 3;
        w_delay = f("B_WITHOUT_REQUEST") ? aw_delay + 5 : rnd[18:16] % 3;
        aw_sent = 1'b0;
        w_sent = 1'b0;
        if (is_read) begin
          arvalid <= 1'b1;
          araddr <= {idx, 2'b00};
          arprot <= f("AR_PAYLOAD_X") ? 3'bxxx : 3'd0;
        end
      end else if (busy && !is_read) begin
        if (!aw_sent) begin
          if (aw_delay == 0) begin
            awvalid <= 1'b1;
            awaddr <= {idx, 2'b00};
            awprot <= 3'd0;
            aw_sent = 1'b1;
          end else begin
            aw_delay = aw_delay - 1;
          end
        end
        if (!w_sent) begin
          if (w_delay == 0) begin
            for (k = 0; k < DataBits; k = k + 32) begin
              rnd_next();
              d[k+:32] = rnd[63:32];
            end
            wvalid <= 1'b1;
            wdata <= d;
            wstrb <= rnd[1:0] == 2'd0 ? rnd[8+:Strobes] : {Strobes{1'b1}};
            for (k = 0; k < Strobes; k = k + 1) if (rnd[1:0] == 2'd0 ? rnd[8+k] : 1'b1) shadow[idx][8*k+:8] = d[8*k+:8];
            w_sent = 1'b1;
          end else begin
            w_delay = w_delay - 1;
          end
        end
      end
      // master-side faults on a request that waits
      if (arvalid && !ar_hs && f("AR_VALID_DROPPED")) arvalid <= 1'b0;
      if (arvalid && !ar_hs && f("AR_PAYLOAD_CHANGED")) araddr <= araddr ^ 4;
      if (awvalid && !aw_hs && f("AW_VALID_DROPPED")) awvalid <= 1'b0;
      if (awvalid && !aw_hs && f("AW_PAYLOAD_CHANGED")) awaddr <= awaddr ^ 4;
      if (wvalid && !w_hs && f("W_VALID_DROPPED")) wvalid <= 1'b0;
      if (wvalid && !w_hs && f("W_PAYLOAD_CHANGED")) wdata <= ~wdata;
      rready <= rnd[21:20] != 2'd0;
      bready <= rnd[23:22] != 2'd0;
      if (cycle == 64'd2) begin
        if (f("AR_VALID_X")) arvalid <= 1'bx;
        if (f("W_VALID_X")) wvalid <= 1'bx;
        if (f("R_VALID_X")) rvalid <= 1'bx;
        if (f("B_READY_X")) bready <= 1'bx;
        if (f("AW_READY_X")) awready <= 1'bx;
      end
      if (ops_done == n_ops && !busy && !done_o) begin
        $display("SUMMARY %0s cycles %0d reads %0d writes %0d", Name, cycle, reads, writes);
        done_o <= 1'b1;
      end
      cycle = cycle + 64'd1;
    end
  end

  axil_protocol_checker #(
    .AddrBits (AddrBits),
    .DataBits (DataBits),
    .Name     (Name)
  ) u_checker (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .awaddr  (awaddr),
    .awprot  (awprot),
    .awvalid (awvalid),
    .awready (awready),
    .wdata   (wdata),
    .wstrb   (wstrb),
    .wvalid  (wvalid),
    .wready  (wready),
    .bresp   (bresp),
    .bvalid  (bvalid),
    .bready  (bready),
    .araddr  (araddr),
    .arprot  (arprot),
    .arvalid (arvalid),
    .arready (arready),
    .rdata   (rdata),
    .rresp   (rresp),
    .rvalid  (rvalid),
    .rready  (rready)
  );
endmodule
