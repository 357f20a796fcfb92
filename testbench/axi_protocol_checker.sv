// ----------------------------------------------------------------------------
// axi_protocol_checker: watches one AXI4 interface and stops the simulation on the
// FIRST violation (hand-written verification IP of trainforge, not generated).
// Runs unchanged on Icarus Verilog (iverilog -g2012) and Verilator 5.006
// (--binary --timing): plain always blocks, no SVA, classes or DPI.
//
// Parameters: AddrBits (>= 12), DataBits, IdBits, MaxBurst (most beats per burst,
// 1..256), MaxOutstanding (bursts per ID it can track, default 64), Name (a string
// that names the interface in the message).
// Ports (all inputs): clk_i, rst_ni, awid awaddr awlen awsize awburst awvalid
// awready, wdata wstrb wlast wvalid wready, bid bresp bvalid bready, arid araddr
// arlen arsize arburst arvalid arready, rid rdata rresp rlast rvalid rready.
//
// On a violation it prints one line and ends with $fatal(1) (exit status 1 on Icarus,
// an abort, SIGABRT, on Verilator):
//   axi_protocol_checker <Name>: <RULE>: <what>, cycle <c>, <values>
// (cycle 0 ends with the first rising edge at which rst_ni is high). Everything is
// sampled at rising edges.
//
// Rules (<C> is one of AR AW W R B):
//   <C>_VALID_IN_RESET       a VALID high while rst_ni is low
//   <C>_VALID_X, <C>_READY_X VALID or READY is X or Z after reset (Icarus only;
//                            there is no X in a Verilator run)
//   <C>_PAYLOAD_X            an X or Z in the control payload while VALID (IDs,
//                            address, length, size, burst, strobes, WLAST, RLAST,
//                            responses; not the data)
//   <C>_VALID_DROPPED        VALID fell before its handshake
//   <C>_PAYLOAD_CHANGED      the payload changed while VALID waited for READY
//   AR_BURST_NOT_INCR, AW_BURST_NOT_INCR          AxBURST is not INCR
//   AR_SIZE_NOT_BUS_WIDTH, AW_SIZE_NOT_BUS_WIDTH  AxSIZE is not log2(DataBits / 8)
//   AR_LEN_TOO_LONG, AW_LEN_TOO_LONG              AxLEN + 1 > MaxBurst
//   AR_4KB_CROSSING, AW_4KB_CROSSING              the burst's beats (from AxADDR
//                            rounded down to the size) cross a 4 KB boundary
//   WLAST_EARLY              WLAST on a beat before the burst's last (by AWLEN)
//   WLAST_MISSING            the burst's last beat without WLAST
//   W_BEYOND_BURST           WVALID while every accepted AW has all its beats and
//                            AWVALID is low: write data with no burst to take it
//                            (AXI lets W lead its AW; trainforge's masters never do)
//   RLAST_EARLY, RLAST_MISSING  RLAST on a beat before the burst's last, or missing
//                            on the last (bursts of an ID in AR order)
//   R_WITHOUT_REQUEST        RVALID with no read burst of that RID outstanding
//   B_WITHOUT_REQUEST        BVALID with no write burst of that BID whose AW and
//                            last W beat were both accepted (in an earlier cycle)
//   OUTSTANDING_OVERFLOW     more bursts of one ID than MaxOutstanding (a limit of
//                            the checker, not of AXI: raise the parameter)
// The checks of the AR/AW payload (burst, size, length, 4 KB) apply in every cycle
// the VALID is high, so a bad request is named before its handshake.
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axi_protocol_checker #(
  parameter integer AddrBits       = 32,
  parameter integer DataBits       = 64,
  parameter integer IdBits         = 1,
  parameter integer MaxBurst       = 256,
  parameter integer MaxOutstanding = 64,
  parameter         Name           = "axi"
) (
  input wire                  clk_i,
  input wire                  rst_ni,
  input wire [IdBits-1:0]     awid,
  input wire [AddrBits-1:0]   awaddr,
  input wire [7:0]            awlen,
  input wire [2:0]            awsize,
  input wire [1:0]            awburst,
  input wire                  awvalid,
  input wire                  awready,
  input wire [DataBits-1:0]   wdata,
  input wire [DataBits/8-1:0] wstrb,
  input wire                  wlast,
  input wire                  wvalid,
  input wire                  wready,
  input wire [IdBits-1:0]     bid,
  input wire [1:0]            bresp,
  input wire                  bvalid,
  input wire                  bready,
  input wire [IdBits-1:0]     arid,
  input wire [AddrBits-1:0]   araddr,
  input wire [7:0]            arlen,
  input wire [2:0]            arsize,
  input wire [1:0]            arburst,
  input wire                  arvalid,
  input wire                  arready,
  input wire [IdBits-1:0]     rid,
  input wire [DataBits-1:0]   rdata,
  input wire [1:0]            rresp,
  input wire                  rlast,
  input wire                  rvalid,
  input wire                  rready
);
  localparam integer DataBytes = DataBits / 8;
  localparam integer SizeCode = $clog2(DataBytes);
  localparam integer NumIds = 1 << IdBits;
  localparam integer ArBits = IdBits + AddrBits + 8 + 3 + 2;
  localparam integer WBits = DataBits + DataBits / 8 + 1;
  localparam integer RBits = IdBits + DataBits + 2 + 1;
  localparam integer BBits = IdBits + 2;

  reg [63:0] cycle;
  reg        failed;
  // the previous edge: VALID high without READY, and the payload then
  reg ar_wait, aw_wait, w_wait, r_wait, b_wait;
  reg [ArBits-1:0] ar_prev, aw_prev;
  reg [WBits-1:0]  w_prev;
  reg [RBits-1:0]  r_prev;
  reg [BBits-1:0]  b_prev;
  // read bursts outstanding, a FIFO of lengths per ID
  reg [7:0] ar_len [0:NumIds*MaxOutstanding-1];
  integer   r_head [0:NumIds-1];
  integer   r_count [0:NumIds-1];
  integer   r_beat [0:NumIds-1];
  // write bursts accepted (AW) that lack W beats, in AW order (any ID)
  reg [7:0]        wq_len [0:NumIds*MaxOutstanding-1];
  reg [IdBits-1:0] wq_id [0:NumIds*MaxOutstanding-1];
  integer          wq_head, wq_count, w_beat;
  // write bursts with AW and all W beats accepted, waiting for B, per ID
  integer          b_pending [0:NumIds-1];

  wire [ArBits-1:0] ar_now = {arid, araddr, arlen, arsize, arburst};
  wire [ArBits-1:0] aw_now = {awid, awaddr, awlen, awsize, awburst};
  wire [WBits-1:0]  w_now = {wdata, wstrb, wlast};
  wire [RBits-1:0]  r_now = {rid, rdata, rresp, rlast};
  wire [BBits-1:0]  b_now = {bid, bresp};

  // the first violation ends the simulation; later ones in the same edge are not printed
  task automatic violation(input [8*32-1:0] rule, input [8*240-1:0] what);
    if (!failed) begin
      failed = 1'b1;
      $display("axi_protocol_checker %0s: %0s: %0s", Name, rule, what);
      $fatal(1);
    end
  endtask

  // `value` (a signal, or the XOR of a payload) is X or Z
  task automatic x_check(input value, input [8*32-1:0] rule, input [8*64-1:0] what);
    reg [8*240-1:0] m;
    if (value === 1'bx || value === 1'bz) begin
      $sformat(m, "%0s is X or Z after reset, cycle %0d", what, cycle);
      violation(rule, m);
    end
  endtask

  // AxBURST, AxSIZE, AxLEN and 4 KB of a request on AR (is_ar) or AW
  task automatic check_request(input is_ar, input [AddrBits-1:0] addr, input [7:0] len,
                               input [2:0] size, input [1:0] burst);
    reg [8*240-1:0] m;
    reg [63:0] lo;
    begin
      if (burst != 2'd1) begin
        $sformat(m, "%0sBURST %0d is not INCR (1), cycle %0d, %0saddr 0x%0h", is_ar ? "AR" : "AW", burst, cycle, is_ar ? "ar" : "aw", addr);
        violation(is_ar ? "AR_BURST_NOT_INCR" : "AW_BURST_NOT_INCR", m);
      end
      if (size != SizeCode) begin
        $sformat(m, "%0sSIZE %0d is not the bus width (%0d: %0d bytes), cycle %0d, %0saddr 0x%0h", is_ar ? "AR" : "AW", size, SizeCode,
                 DataBytes, cycle, is_ar ? "ar" : "aw", addr);
        violation(is_ar ? "AR_SIZE_NOT_BUS_WIDTH" : "AW_SIZE_NOT_BUS_WIDTH", m);
      end
      if (len + 1 > MaxBurst) begin
        $sformat(m, "%0sLEN %0d: %0d beats, more than MaxBurst %0d, cycle %0d, %0saddr 0x%0h", is_ar ? "AR" : "AW", len, len + 1, MaxBurst,
                 cycle, is_ar ? "ar" : "aw", addr);
        violation(is_ar ? "AR_LEN_TOO_LONG" : "AW_LEN_TOO_LONG", m);
      end
      lo = {52'd0, addr[11:0]} & ~((64'd1 << size) - 64'd1);
      if (lo + (({56'd0, len} + 64'd1) << size) > 64'd4096) begin
        $sformat(m, "a burst of %0d beats of %0d bytes from 0x%0h crosses a 4 KB boundary, cycle %0d", len + 1, 1 << size, addr, cycle);
        violation(is_ar ? "AR_4KB_CROSSING" : "AW_4KB_CROSSING", m);
      end
    end
  endtask

  initial begin
    failed = 1'b0;
    if (AddrBits < 12 || AddrBits > 64 || MaxBurst < 1 || MaxBurst > 256 || (1 << SizeCode) != DataBytes || DataBits % 8 != 0) begin
      $display("axi_protocol_checker %0s: parameters: AddrBits %0d must be 12..64, MaxBurst %0d 1..256, DataBits %0d 8 times a power of two",
               Name, AddrBits, MaxBurst, DataBits);
      $fatal(1);
    end
  end

  always @(posedge clk_i) begin : check
    reg [8*240-1:0] m;
    integer k, slot, len;
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
      wq_head = 0;
      wq_count = 0;
      w_beat = 0;
      for (k = 0; k < NumIds; k = k + 1) begin
        r_head[k] = 0;
        r_count[k] = 0;
        r_beat[k] = 0;
        b_pending[k] = 0;
      end
    end else begin
      // ---- X and Z on the handshake signals
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
      if (arvalid === 1'b1) x_check(^ar_now, "AR_PAYLOAD_X", "the AR payload {id,addr,len,size,burst}");
      if (awvalid === 1'b1) x_check(^aw_now, "AW_PAYLOAD_X", "the AW payload {id,addr,len,size,burst}");
      if (wvalid === 1'b1) x_check(^{wstrb, wlast}, "W_PAYLOAD_X", "WSTRB or WLAST");
      if (rvalid === 1'b1) x_check(^{rid, rresp, rlast}, "R_PAYLOAD_X", "RID, RRESP or RLAST");
      if (bvalid === 1'b1) x_check(^{bid, bresp}, "B_PAYLOAD_X", "BID or BRESP");

      // ---- VALID held until READY, payload stable meanwhile
      if (ar_wait && !arvalid) begin
        $sformat(m, "ARVALID fell before ARREADY, cycle %0d, araddr 0x%0h", cycle, ar_prev[ArBits-IdBits-1-:AddrBits]);
        violation("AR_VALID_DROPPED", m);
      end
      if (ar_wait && arvalid && ar_now != ar_prev) begin
        $sformat(m, "the AR payload changed while ARVALID waited, cycle %0d, {id,addr,len,size,burst} 0x%0h -> 0x%0h", cycle, ar_prev, ar_now);
        violation("AR_PAYLOAD_CHANGED", m);
      end
      if (aw_wait && !awvalid) begin
        $sformat(m, "AWVALID fell before AWREADY, cycle %0d, awaddr 0x%0h", cycle, aw_prev[ArBits-IdBits-1-:AddrBits]);
        violation("AW_VALID_DROPPED", m);
      end
      if (aw_wait && awvalid && aw_now != aw_prev) begin
        $sformat(m, "the AW payload changed while AWVALID waited, cycle %0d, {id,addr,len,size,burst} 0x%0h -> 0x%0h", cycle, aw_prev, aw_now);
        violation("AW_PAYLOAD_CHANGED", m);
      end
      if (w_wait && !wvalid) begin
        $sformat(m, "WVALID fell before WREADY, cycle %0d", cycle);
        violation("W_VALID_DROPPED", m);
      end
      if (w_wait && wvalid && w_now != w_prev) begin
        $sformat(m, "the W payload changed while WVALID waited, cycle %0d, {data,strb,last} 0x%0h -> 0x%0h", cycle, w_prev, w_now);
        violation("W_PAYLOAD_CHANGED", m);
      end
      if (r_wait && !rvalid) begin
        $sformat(m, "RVALID fell before RREADY, cycle %0d", cycle);
        violation("R_VALID_DROPPED", m);
      end
      if (r_wait && rvalid && r_now != r_prev) begin
        $sformat(m, "the R payload changed while RVALID waited, cycle %0d, {id,data,resp,last} 0x%0h -> 0x%0h", cycle, r_prev, r_now);
        violation("R_PAYLOAD_CHANGED", m);
      end
      if (b_wait && !bvalid) begin
        $sformat(m, "BVALID fell before BREADY, cycle %0d", cycle);
        violation("B_VALID_DROPPED", m);
      end
      if (b_wait && bvalid && b_now != b_prev) begin
        $sformat(m, "the B payload changed while BVALID waited, cycle %0d, {id,resp} 0x%0h -> 0x%0h", cycle, b_prev, b_now);
        violation("B_PAYLOAD_CHANGED", m);
      end

      // ---- requests
      if (arvalid) check_request(1'b1, araddr, arlen, arsize, arburst);
      if (awvalid) check_request(1'b0, awaddr, awlen, awsize, awburst);

      // ---- responses need their requests (state of the edges before this one)
      if (rvalid === 1'b1) begin
        if (r_count[rid] == 0) begin
          $sformat(m, "RVALID with no read burst of RID %0d outstanding, cycle %0d", rid, cycle);
          violation("R_WITHOUT_REQUEST", m);
        end else begin
          len = ar_len[rid*MaxOutstanding+r_head[rid]];
          if (rlast && r_beat[rid] < len) begin
            $sformat(m, "RLAST on beat %0d of a %0d-beat burst, RID %0d, cycle %0d", r_beat[rid] + 1, len + 1, rid, cycle);
            violation("RLAST_EARLY", m);
          end
          if (!rlast && r_beat[rid] == len) begin
            $sformat(m, "no RLAST on the last beat of a %0d-beat burst, RID %0d, cycle %0d", len + 1, rid, cycle);
            violation("RLAST_MISSING", m);
          end
        end
      end
      if (bvalid === 1'b1 && b_pending[bid] == 0) begin
        $sformat(m, "BVALID with no write burst of BID %0d complete (AW and WLAST accepted), cycle %0d", bid, cycle);
        violation("B_WITHOUT_REQUEST", m);
      end

      // ---- handshakes: responses first (a response never answers a request of the same cycle)
      if (rvalid && rready && r_count[rid] > 0) begin
        if (r_beat[rid] == ar_len[rid*MaxOutstanding+r_head[rid]]) begin
          r_beat[rid] = 0;
          r_head[rid] = (r_head[rid] + 1) % MaxOutstanding;
          r_count[rid] = r_count[rid] - 1;
        end else begin
          r_beat[rid] = r_beat[rid] + 1;
        end
      end
      if (bvalid && bready && b_pending[bid] > 0) b_pending[bid] = b_pending[bid] - 1;
      if (arvalid && arready) begin
        if (r_count[arid] == MaxOutstanding) begin
          $sformat(m, "more than MaxOutstanding %0d read bursts of ARID %0d, cycle %0d", MaxOutstanding, arid, cycle);
          violation("OUTSTANDING_OVERFLOW", m);
        end else begin
          ar_len[arid*MaxOutstanding+(r_head[arid]+r_count[arid])%MaxOutstanding] = arlen;
          r_count[arid] = r_count[arid] + 1;
        end
      end
      // W data may come in the cycle of its AW handshake
      if (awvalid && awready) begin
        if (wq_count == NumIds * MaxOutstanding) begin
          $sformat(m, "more than %0d write bursts waiting for data, cycle %0d", NumIds * MaxOutstanding, cycle);
          violation("OUTSTANDING_OVERFLOW", m);
        end else begin
          slot = (wq_head + wq_count) % (NumIds * MaxOutstanding);
          wq_len[slot] = awlen;
          wq_id[slot] = awid;
          wq_count = wq_count + 1;
        end
      end
      if (wvalid === 1'b1 && wq_count == 0 && !awvalid) begin
        $sformat(m, "WVALID with no burst to take it (every accepted AW has all its beats, AWVALID low), cycle %0d", cycle);
        violation("W_BEYOND_BURST", m);
      end
      if (wvalid && wready && wq_count > 0) begin
        len = wq_len[wq_head];
        if (wlast && w_beat < len) begin
          $sformat(m, "WLAST on beat %0d of a %0d-beat burst, cycle %0d", w_beat + 1, len + 1, cycle);
          violation("WLAST_EARLY", m);
        end
        if (!wlast && w_beat == len) begin
          $sformat(m, "no WLAST on the last beat of a %0d-beat burst, cycle %0d", len + 1, cycle);
          violation("WLAST_MISSING", m);
        end
        if (w_beat == len) begin
          b_pending[wq_id[wq_head]] = b_pending[wq_id[wq_head]] + 1;
          w_beat = 0;
          wq_head = (wq_head + 1) % (NumIds * MaxOutstanding);
          wq_count = wq_count - 1;
        end else begin
          w_beat = w_beat + 1;
        end
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
      b_prev = b_now;
      cycle = cycle + 64'd1;
    end
  end
endmodule
