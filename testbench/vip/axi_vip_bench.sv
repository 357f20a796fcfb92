// ----------------------------------------------------------------------------
// axi_vip_bench: one AXI4 bus of the verification IP's own tests: axi_vip_master ->
// (a fault shim) -> axi_memory_model, watched by axi_protocol_checker (Name).
// Not part of any generated design.
//
// +fault=NAME makes the bus break the checker rule NAME once: the master breaks the
// master-side rules (AR/AW/W valid, payload, burst, size, length, 4 KB, WLAST,
// W_BEYOND_BURST, the master's VALIDs in reset and X on them), the shim between the
// memory model and the master breaks the slave-side ones (R/B valid and payload,
// RLAST, responses without a request, R/B VALID in reset, X on the slave's
// signals). The checker must then stop the simulation naming NAME. +fault=R_DATA_CORRUPT
// flips bit 0 of every R beat, legal AXI, for the master's DATA_MISMATCH.
// When the master is done the bench prints
//   SUMMARY <Name> cycles C read_beats N write_bytes N error_bursts N mem_read_beats N mem_write_bytes N
// and stops with "axi_vip_bench: COUNTER_MISMATCH" when the memory model's counters
// differ from the master's.
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axi_vip_bench #(
  parameter integer AddrBits = 32,
  parameter integer DataBits = 64,
  parameter integer IdBits   = 2,
  parameter integer MaxBurst = 16,
  parameter integer MemBytes = 1 << 16,
  parameter         Name     = "bus"
) (
  input  wire clk_i,
  input  wire rst_ni,
  // this bench runs the test (the other benches of the top stay in reset)
  input  wire active_i,
  output reg  done_o
);
  localparam integer StrChars = 256;

  wire [IdBits-1:0]     awid, arid, bid_m, rid_m;
  wire [AddrBits-1:0]   awaddr, araddr;
  wire [7:0]            awlen, arlen;
  wire [2:0]            awsize, arsize;
  wire [1:0]            awburst, arburst, bresp_m, rresp_m;
  wire                  awvalid, awready_m, wlast, wvalid, wready_m, bvalid_m, bready;
  wire                  arvalid, arready_m, rlast_m, rvalid_m, rready;
  wire [DataBits-1:0]   wdata, rdata_m;
  wire [DataBits/8-1:0] wstrb;
  wire [63:0]           mem_read_beats, mem_write_bytes, read_beats, write_bytes, error_bursts;
  wire                  master_done;

  // ---------------------------------------------------------------- fault shim
  reg [8*StrChars-1:0] fault;
  reg [63:0] cycle;
  reg        r_wait, b_wait;  // the previous edge: R / B valid without ready
  initial begin
    fault = 0;
    if ($value$plusargs("fault=%s", fault)) ;
  end

  function automatic f(input [8*32-1:0] name);
    f = active_i && fault == name;
  endfunction

  // what the master and the checker see of the slave
  wire        in_reset = !rst_ni;
  wire        rvalid = f("R_VALID_IN_RESET") && in_reset ? 1'b1 :
                       f("R_VALID_X") && !in_reset && cycle == 64'd3 ? 1'bx :
                       f("R_WITHOUT_REQUEST") && !in_reset && cycle == 64'd0 ? 1'b1 :
                       f("R_VALID_DROPPED") && r_wait ? 1'b0 : rvalid_m;
  // R_DATA_CORRUPT breaks no protocol rule: the master's data check must catch it
  wire [DataBits-1:0] rdata = f("R_PAYLOAD_CHANGED") && r_wait ? ~rdata_m : f("R_DATA_CORRUPT") ? rdata_m ^ 1 : rdata_m;
  wire        rlast = f("RLAST_EARLY") ? 1'b1 : f("RLAST_MISSING") ? 1'b0 : rlast_m;
  wire [1:0]  rresp = f("R_PAYLOAD_X") && rvalid_m ? 2'bxx : rresp_m;
  wire [IdBits-1:0] rid = rid_m;
  wire        bvalid = f("B_VALID_IN_RESET") && in_reset ? 1'b1 :
                       f("B_VALID_X") && !in_reset && cycle == 64'd3 ? 1'bx :
                       f("B_WITHOUT_REQUEST") && !in_reset && cycle == 64'd0 ? 1'b1 :
                       f("B_VALID_DROPPED") && b_wait ? 1'b0 : bvalid_m;
  wire [1:0]  bresp = f("B_PAYLOAD_CHANGED") && b_wait ? ~bresp_m : f("B_PAYLOAD_X") && bvalid_m ? 2'bxx : bresp_m;
  wire [IdBits-1:0] bid = bid_m;
  wire        arready = f("AR_READY_X") && cycle == 64'd3 ? 1'bx : arready_m;
  wire        awready = f("AW_READY_X") && cycle == 64'd3 ? 1'bx : awready_m;
  wire        wready = f("W_READY_X") && cycle == 64'd3 ? 1'bx : wready_m;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      cycle <= 64'd0;
      r_wait <= 1'b0;
      b_wait <= 1'b0;
    end else begin
      cycle <= cycle + 64'd1;
      r_wait <= rvalid === 1'b1 && !rready;
      b_wait <= bvalid === 1'b1 && !bready;
    end
  end

  // ---------------------------------------------------------------- the bus
  axi_vip_master #(
    .AddrBits (AddrBits),
    .DataBits (DataBits),
    .IdBits   (IdBits),
    .MaxBurst (MaxBurst),
    .MemBytes (MemBytes)
  ) u_master (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .enable_i       (active_i),
    .m_axi_awid     (awid),
    .m_axi_awaddr   (awaddr),
    .m_axi_awlen    (awlen),
    .m_axi_awsize   (awsize),
    .m_axi_awburst  (awburst),
    .m_axi_awvalid  (awvalid),
    .m_axi_awready  (awready),
    .m_axi_wdata    (wdata),
    .m_axi_wstrb    (wstrb),
    .m_axi_wlast    (wlast),
    .m_axi_wvalid   (wvalid),
    .m_axi_wready   (wready),
    .m_axi_bid      (bid),
    .m_axi_bresp    (bresp),
    .m_axi_bvalid   (bvalid),
    .m_axi_bready   (bready),
    .m_axi_arid     (arid),
    .m_axi_araddr   (araddr),
    .m_axi_arlen    (arlen),
    .m_axi_arsize   (arsize),
    .m_axi_arburst  (arburst),
    .m_axi_arvalid  (arvalid),
    .m_axi_arready  (arready),
    .m_axi_rid      (rid),
    .m_axi_rdata    (rdata),
    .m_axi_rresp    (rresp),
    .m_axi_rlast    (rlast),
    .m_axi_rvalid   (rvalid),
    .m_axi_rready   (rready),
    .done_o         (master_done),
    .read_beats_o   (read_beats),
    .write_bytes_o  (write_bytes),
    .error_bursts_o (error_bursts)
  );

  axi_memory_model #(
    .AddrBits (AddrBits),
    .DataBits (DataBits),
    .IdBits   (IdBits),
    .MemBytes (MemBytes)
  ) u_mem (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .s_axi_awid      (awid),
    .s_axi_awaddr    (awaddr),
    .s_axi_awlen     (awlen),
    .s_axi_awsize    (awsize),
    .s_axi_awburst   (awburst),
    .s_axi_awvalid   (awvalid),
    .s_axi_awready   (awready_m),
    .s_axi_wdata     (wdata),
    .s_axi_wstrb     (wstrb),
    .s_axi_wlast     (wlast),
    .s_axi_wvalid    (wvalid),
    .s_axi_wready    (wready_m),
    .s_axi_bid       (bid_m),
    .s_axi_bresp     (bresp_m),
    .s_axi_bvalid    (bvalid_m),
    .s_axi_bready    (bready),
    .s_axi_arid      (arid),
    .s_axi_araddr    (araddr),
    .s_axi_arlen     (arlen),
    .s_axi_arsize    (arsize),
    .s_axi_arburst   (arburst),
    .s_axi_arvalid   (arvalid),
    .s_axi_arready   (arready_m),
    .s_axi_rid       (rid_m),
    .s_axi_rdata     (rdata_m),
    .s_axi_rresp     (rresp_m),
    .s_axi_rlast     (rlast_m),
    .s_axi_rvalid    (rvalid_m),
    .s_axi_rready    (rready),
    .stat_rd_beats_o (mem_read_beats),
    .stat_wr_bytes_o (mem_write_bytes)
  );

  axi_protocol_checker #(
    .AddrBits (AddrBits),
    .DataBits (DataBits),
    .IdBits   (IdBits),
    .MaxBurst (MaxBurst),
    .Name     (Name)
  ) u_checker (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .awid    (awid),
    .awaddr  (awaddr),
    .awlen   (awlen),
    .awsize  (awsize),
    .awburst (awburst),
    .awvalid (awvalid),
    .awready (awready),
    .wdata   (wdata),
    .wstrb   (wstrb),
    .wlast   (wlast),
    .wvalid  (wvalid),
    .wready  (wready),
    .bid     (bid),
    .bresp   (bresp),
    .bvalid  (bvalid),
    .bready  (bready),
    .arid    (arid),
    .araddr  (araddr),
    .arlen   (arlen),
    .arsize  (arsize),
    .arburst (arburst),
    .arvalid (arvalid),
    .arready (arready),
    .rid     (rid),
    .rdata   (rdata),
    .rresp   (rresp),
    .rlast   (rlast),
    .rvalid  (rvalid),
    .rready  (rready)
  );

  // the configuration through the model's tasks instead of plusargs (+vip_tasks)
  initial begin
    #1;
    if ($test$plusargs("vip_tasks")) begin
      u_mem.set_latency(37);
      u_mem.set_interval(2);
      u_mem.set_write_resp_delay(3);
      u_mem.set_error_range(1, 2'd3, 2'b01, 64'h3000, 64'h400);
      u_mem.set_error_range(2, 2'd2, 2'b10, 64'h1000, 64'h200);
    end
  end

  // ---------------------------------------------------------------- the end
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      done_o <= 1'b0;
    end else if (master_done && !done_o) begin
      $display("SUMMARY %0s cycles %0d read_beats %0d write_bytes %0d error_bursts %0d mem_read_beats %0d mem_write_bytes %0d", Name, cycle,
               read_beats, write_bytes, error_bursts, mem_read_beats, mem_write_bytes);
      if (read_beats != mem_read_beats || write_bytes != mem_write_bytes) begin
        $display("axi_vip_bench: COUNTER_MISMATCH: the memory model counted %0d read beats and %0d written bytes, the master %0d and %0d",
                 mem_read_beats, mem_write_bytes, read_beats, write_bytes);
        $fatal(1);
      end
      done_o <= 1'b1;
    end
  end
endmodule
