// ----------------------------------------------------------------------------
// axil_protocol_checker: watches one AXI4-Lite interface and stops the simulation
// on the FIRST violation (hand-written verification IP of trainforge, not generated).
// Runs unchanged on Icarus Verilog (iverilog -g2012) and Verilator 5.006
// (--binary --timing): plain always blocks, no SVA, classes or DPI.
//
// Parameters: AddrBits, DataBits (32 or 64), MaxOutstanding (requests it tracks per
// channel, default 64), Name (names the interface in the message).
// Ports (all inputs): clk_i, rst_ni, awaddr awprot awvalid awready, wdata wstrb
// wvalid wready, bresp bvalid bready, araddr arprot arvalid arready, rdata rresp
// rvalid rready. (An interface without AxPROT connects 3'b000.)
//
// On a violation it prints one line and ends with $fatal(1) (exit status 1 on Icarus,
// an abort, SIGABRT, on Verilator):
//   axil_protocol_checker <Name>: <RULE>: <what>, cycle <c>, <values>
// (cycle 0 ends with the first rising edge at which rst_ni is high).
//
// Rules (<C> is one of AR AW W R B):
//   <C>_VALID_IN_RESET       a VALID high while rst_ni is low
//   <C>_VALID_X, <C>_READY_X VALID or READY is X or Z after reset (Icarus only)
//   <C>_PAYLOAD_X            X or Z in the address, prot, strobes or response while
//                            VALID (not the data)
//   <C>_VALID_DROPPED        VALID fell before its handshake
//   <C>_PAYLOAD_CHANGED      the payload changed while VALID waited for READY
//   R_WITHOUT_REQUEST        RVALID with no AR accepted (in an earlier cycle) that
//                            has not had its R
//   B_WITHOUT_REQUEST        BVALID with no write whose AW and W were both accepted
//                            (in earlier cycles) and that has not had its B
//   OUTSTANDING_OVERFLOW     more than MaxOutstanding requests on a channel (a limit
//                            of the checker: raise the parameter)
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axil_protocol_checker #(
  parameter integer AddrBits       = 32,
  parameter integer DataBits       = 32,
  parameter integer MaxOutstanding = 64,
  parameter         Name           = "axil"
) (
  input wire                  clk_i,
  input wire                  rst_ni,
  input wire [AddrBits-1:0]   awaddr,
  input wire [2:0]            awprot,
  input wire                  awvalid,
  input wire                  awready,
  input wire [DataBits-1:0]   wdata,
  input wire [DataBits/8-1:0] wstrb,
  input wire                  wvalid,
  input wire                  wready,
  input wire [1:0]            bresp,
  input wire                  bvalid,
  input wire                  bready,
  input wire [AddrBits-1:0]   araddr,
  input wire [2:0]            arprot,
  input wire                  arvalid,
  input wire                  arready,
  input wire [DataBits-1:0]   rdata,
  input wire [1:0]            rresp,
  input wire                  rvalid,
  input wire                  rready
);
  localparam integer ABits = AddrBits + 3;
  localparam integer WBits = DataBits + DataBits / 8;
  localparam integer RBits = DataBits + 2;

  reg [63:0] cycle;
  reg        failed;
  reg ar_wait, aw_wait, w_wait, r_wait, b_wait;
  reg [ABits-1:0] ar_prev, aw_prev;
  reg [WBits-1:0] w_prev;
  reg [RBits-1:0] r_prev;
  reg [1:0]       b_prev;
  // requests accepted and not yet answered
  integer reads, aws, ws, writes;

  wire [ABits-1:0] ar_now = {araddr, arprot};
  wire [ABits-1:0] aw_now = {awaddr, awprot};
  wire [WBits-1:0] w_now = {wdata, wstrb};
  wire [RBits-1:0] r_now = {rdata, rresp};

  task automatic violation(input [8*32-1:0] rule, input [8*240-1:0] what);
    if (!failed) begin
      failed = 1'b1;
      $display("axil_protocol_checker %0s: %0s: %0s", Name, rule, what);
      $fatal(1);
    end
  endtask

  task automatic x_check(input value, input [8*32-1:0] rule, input [8*64-1:0] what);
    reg [8*240-1:0] m;
    if (value === 1'bx || value === 1'bz) begin
      $sformat(m, "%0s is X or Z after reset, cycle %0d", what, cycle);
      violation(rule, m);
    end
  endtask

  initial failed = 1'b0;

  always @(posedge clk_i) begin : check
    reg [8*240-1:0] m;
    if (!rst_ni) begin
      if (arvalid === 1'b1) violation("AR_VALID_IN_RESET", "ARVALID high while rst_ni is low");
      if (awvalid === 1'b1) violation("AW_VALID_IN_RESET", "AWVALID high while rst_ni is low");
      if (wvalid === 1'b1) violation("W_VALID_IN_RESET", "WVALID high while rst_ni is low");
      if (rvalid === 1'b1) violation("R_VALID_IN_RESET", "RVALID high while rst_ni is low");
      if (bvalid === 1'b1) violation("B_VALID_IN_RESET", "BVALID high while rst_ni is low");
      cycle = 64'd0;
      ar_wait = 1'b0;
      aw_wait = 1'b0;
      w_wait = 1'b0;
      r_wait = 1'b0;
      b_wait = 1'b0;
      reads = 0;
      aws = 0;
      ws = 0;
      writes = 0;
    end else begin
      x_check(arvalid, "AR_VALID_X", "ARVALID");
      x_check(awvalid, "AW_VALID_X", "AWVALID");
      x_check(wvalid, "W_VALID_X", "WVALID");
      x_check(rvalid, "R_VALID_X", "RVALID");
      x_check(bvalid, "B_VALID_X", "BVALID");
      x_check(arready, "AR_READY_X", "ARREADY");
      x_check(awready, "AW_READY_X", "AWREADY");
      x_check(wready, "W_READY_X", "WREADY");
      x_check(rready, "R_READY_X", "RREADY");
      x_check(bready, "B_READY_X", "BREADY");
      if (arvalid === 1'b1) x_check(^ar_now, "AR_PAYLOAD_X", "ARADDR or ARPROT");
      if (awvalid === 1'b1) x_check(^aw_now, "AW_PAYLOAD_X", "AWADDR or AWPROT");
      if (wvalid === 1'b1) x_check(^wstrb, "W_PAYLOAD_X", "WSTRB");
      if (rvalid === 1'b1) x_check(^rresp, "R_PAYLOAD_X", "RRESP");
      if (bvalid === 1'b1) x_check(^bresp, "B_PAYLOAD_X", "BRESP");

      if (ar_wait && !arvalid) begin
        $sformat(m, "ARVALID fell before ARREADY, cycle %0d, araddr 0x%0h", cycle, ar_prev[ABits-1:3]);
        violation("AR_VALID_DROPPED", m);
      end
      if (ar_wait && arvalid && ar_now != ar_prev) begin
        $sformat(m, "the AR payload changed while ARVALID waited, cycle %0d, {addr,prot} 0x%0h -> 0x%0h", cycle, ar_prev, ar_now);
        violation("AR_PAYLOAD_CHANGED", m);
      end
      if (aw_wait && !awvalid) begin
        $sformat(m, "AWVALID fell before AWREADY, cycle %0d, awaddr 0x%0h", cycle, aw_prev[ABits-1:3]);
        violation("AW_VALID_DROPPED", m);
      end
      if (aw_wait && awvalid && aw_now != aw_prev) begin
        $sformat(m, "the AW payload changed while AWVALID waited, cycle %0d, {addr,prot} 0x%0h -> 0x%0h", cycle, aw_prev, aw_now);
        violation("AW_PAYLOAD_CHANGED", m);
      end
      if (w_wait && !wvalid) begin
        $sformat(m, "WVALID fell before WREADY, cycle %0d", cycle);
        violation("W_VALID_DROPPED", m);
      end
      if (w_wait && wvalid && w_now != w_prev) begin
        $sformat(m, "the W payload changed while WVALID waited, cycle %0d, {data,strb} 0x%0h -> 0x%0h", cycle, w_prev, w_now);
        violation("W_PAYLOAD_CHANGED", m);
      end
      if (r_wait && !rvalid) begin
        $sformat(m, "RVALID fell before RREADY, cycle %0d", cycle);
        violation("R_VALID_DROPPED", m);
      end
      if (r_wait && rvalid && r_now != r_prev) begin
        $sformat(m, "the R payload changed while RVALID waited, cycle %0d, {data,resp} 0x%0h -> 0x%0h", cycle, r_prev, r_now);
        violation("R_PAYLOAD_CHANGED", m);
      end
      if (b_wait && !bvalid) begin
        $sformat(m, "BVALID fell before BREADY, cycle %0d", cycle);
        violation("B_VALID_DROPPED", m);
      end
      if (b_wait && bvalid && bresp != b_prev) begin
        $sformat(m, "BRESP changed while BVALID waited, cycle %0d, %0d -> %0d", cycle, b_prev, bresp);
        violation("B_PAYLOAD_CHANGED", m);
      end

      if (rvalid === 1'b1 && reads == 0) begin
        $sformat(m, "RVALID with no read outstanding, cycle %0d", cycle);
        violation("R_WITHOUT_REQUEST", m);
      end
      if (bvalid === 1'b1 && writes == 0) begin
        $sformat(m, "BVALID with no write whose AW and W were both accepted, cycle %0d", cycle);
        violation("B_WITHOUT_REQUEST", m);
      end

      if (rvalid && rready && reads > 0) reads = reads - 1;
      if (bvalid && bready && writes > 0) writes = writes - 1;
      if (arvalid && arready) reads = reads + 1;
      if (awvalid && awready) aws = aws + 1;
      if (wvalid && wready) ws = ws + 1;
      // a write is complete when it has both its address and its data
      if (aws > 0 && ws > 0) begin
        aws = aws - 1;
        ws = ws - 1;
        writes = writes + 1;
      end
      if (reads > MaxOutstanding || aws > MaxOutstanding || ws > MaxOutstanding || writes > MaxOutstanding) begin
        $sformat(m, "more than MaxOutstanding %0d requests on a channel, cycle %0d", MaxOutstanding, cycle);
        violation("OUTSTANDING_OVERFLOW", m);
      end

      ar_wait = arvalid && !arready;
      aw_wait = awvalid && !awready;
      w_wait = wvalid && !wready;
      r_wait = rvalid && !rready;
      b_wait = bvalid && !bready;
      ar_prev = ar_now;
      aw_prev = aw_now;
      w_prev = w_now;
      r_prev = r_now;
      b_prev = bresp;
      cycle = cycle + 64'd1;
    end
  end
endmodule
