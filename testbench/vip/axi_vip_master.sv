// ----------------------------------------------------------------------------
// axi_vip_master: the AXI4 master of the verification IP's own tests
// (tests/sim/axi-vip.test.ts), not part of any generated design.
//
// It issues read and write bursts (INCR, full width, never across 4 KB), keeps a
// shadow copy of the memory, and checks every read beat against it. Writes update
// the shadow when their B says OKAY, and a burst is not issued while it overlaps a
// burst of the other kind in flight, so the expected data never depends on timing.
// Every choice comes from an xorshift64* generator seeded by +seed, so a run is
// the same on both simulators.
//
// Plusargs
//   +mode=random   (default) reads and writes at random addresses of the region,
//                  random lengths, IDs and strobes; with +master_stall=P (percent,
//                  default 25) each VALID waits and each RREADY/BREADY drops with
//                  probability P per cycle
//   +mode=timing   no randomness in the timing: AR and AW back to back from cycle 1,
//                  W beats back to back (a burst's beats are available from the
//                  cycle its AW is valid), RREADY low in the cycles c with
//                  c % P == P - 1 (+rready_period=P, 0: always high), BREADY the
//                  same with +bready_period; reads in the region's lower half,
//                  writes in the upper half
//   +mode=copy     copies +copy_bytes bytes from +copy_src to +copy_dst: each read
//                  burst is written back once it has all its beats
//   +reads=N +writes=N (bursts; default 100 each), +region_base=A +region=BYTES
//   +mem_image=FILE   the same image as the memory model's, for the shadow
//   +log_handshakes  one line per handshake: "AR c id addr len", "R c id resp last
//                  data", "AW c id addr len", "W c last strobed_bytes", "B c id resp"
//   +log_bursts    one line per finished burst: "BURST R|W addr len resp"
//   +fault=NAME    a master-side protocol violation (see axi_vip_bench.sv)
// A data mismatch or an inconsistent response stops the simulation one cycle
// later with "axi_vip_master: ..." (so that a protocol checker, which stops at
// once, is always the first to speak).
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axi_vip_master #(
  parameter integer AddrBits = 32,
  parameter integer DataBits = 64,
  parameter integer IdBits   = 2,
  parameter integer MaxBurst = 16,
  parameter integer MemBytes = 1 << 16
) (
  input  wire                  clk_i,
  input  wire                  rst_ni,
  // 0: an idle master of an unused bench (no fault either)
  input  wire                  enable_i,
  output reg  [IdBits-1:0]     m_axi_awid,
  output reg  [AddrBits-1:0]   m_axi_awaddr,
  output reg  [7:0]            m_axi_awlen,
  output reg  [2:0]            m_axi_awsize,
  output reg  [1:0]            m_axi_awburst,
  output reg                   m_axi_awvalid,
  input  wire                  m_axi_awready,
  output reg  [DataBits-1:0]   m_axi_wdata,
  output reg  [DataBits/8-1:0] m_axi_wstrb,
  output reg                   m_axi_wlast,
  output reg                   m_axi_wvalid,
  input  wire                  m_axi_wready,
  input  wire [IdBits-1:0]     m_axi_bid,
  input  wire [1:0]            m_axi_bresp,
  input  wire                  m_axi_bvalid,
  output reg                   m_axi_bready,
  output reg  [IdBits-1:0]     m_axi_arid,
  output reg  [AddrBits-1:0]   m_axi_araddr,
  output reg  [7:0]            m_axi_arlen,
  output reg  [2:0]            m_axi_arsize,
  output reg  [1:0]            m_axi_arburst,
  output reg                   m_axi_arvalid,
  input  wire                  m_axi_arready,
  input  wire [IdBits-1:0]     m_axi_rid,
  input  wire [DataBits-1:0]   m_axi_rdata,
  input  wire [1:0]            m_axi_rresp,
  input  wire                  m_axi_rlast,
  input  wire                  m_axi_rvalid,
  output reg                   m_axi_rready,
  // every burst issued and answered
  output reg                   done_o,
  output reg  [63:0]           read_beats_o,
  output reg  [63:0]           write_bytes_o,
  output reg  [63:0]           error_bursts_o
);
  localparam integer DataBytes = DataBits / 8;
  localparam integer SizeCode = $clog2(DataBytes);
  localparam integer Depth = 64;  // bursts in flight per direction, at most
  localparam integer StrChars = 256;

  // ---------------------------------------------------------------- configuration
  reg [8*StrChars-1:0] mode, fault, image;
  integer    n_reads, n_writes, stall_pct, rready_period, bready_period;
  reg [63:0] seed, region_base, region, copy_src, copy_dst, copy_bytes;
  reg        log_hs, log_bursts;

  bit [7:0] shadow [0:MemBytes-1];

  // ---------------------------------------------------------------- state
  reg [63:0] cycle, rnd_state, rnd;
  reg [63:0] cnt_rbeats, cnt_wbytes, cnt_errs;
  reg        err_pending;
  reg [8*200-1:0] err_msg;
  integer    reads_issued, writes_issued;
  // reads in flight (from ARVALID to the last R beat), in AR order
  reg [63:0]       rf_addr [0:Depth-1];
  reg [7:0]        rf_len  [0:Depth-1];
  reg [IdBits-1:0] rf_id   [0:Depth-1];
  reg [1:0]        rf_resp [0:Depth-1];
  reg [DataBits-1:0] rf_data [0:Depth*MaxBurst-1];
  integer rf_head, rf_count, r_beat;
  // writes in flight (from AWVALID to B), in AW order; the first wf_sent have all their W beats sent
  reg [63:0]         wf_addr [0:Depth-1];
  reg [7:0]          wf_len  [0:Depth-1];
  reg [IdBits-1:0]   wf_id   [0:Depth-1];
  reg [DataBits-1:0] wf_data [0:Depth*MaxBurst-1];
  reg [DataBits/8-1:0] wf_strb [0:Depth*MaxBurst-1];
  integer wf_head, wf_count, wf_sent, w_beat;
  reg     w_extra_done;  // fault W_BEYOND_BURST: the one extra beat
  // copy mode: read bursts that came back, to be written
  reg [63:0]         cp_addr [0:Depth-1];
  reg [7:0]          cp_len  [0:Depth-1];
  reg [DataBits-1:0] cp_data [0:Depth*MaxBurst-1];
  integer cp_head, cp_count;
  reg [63:0] copy_next;
  // the next read / write, chosen and waiting to be issued
  reg        cand_r, cand_w;
  reg [63:0] cand_r_addr, cand_w_addr;
  reg [7:0]  cand_r_len, cand_w_len;
  reg [IdBits-1:0] cand_r_id, cand_w_id;

  task automatic rnd_next;
    rnd_state = rnd_state ^ (rnd_state >> 12);
    rnd_state = rnd_state ^ (rnd_state << 25);
    rnd_state = rnd_state ^ (rnd_state >> 27);
    rnd = rnd_state * 64'h2545F4914F6CDD1D;
  endtask

  function automatic integer min3(input integer a, input integer b, input integer c);
    min3 = a < b ? (a < c ? a : c) : (b < c ? b : c);
  endfunction

  function automatic overlaps(input [63:0] a_lo, input [7:0] a_len, input [63:0] b_lo, input [7:0] b_len);
    overlaps = a_lo < b_lo + (b_len + 64'd1) * DataBytes && b_lo < a_lo + (a_len + 64'd1) * DataBytes;
  endfunction

  // a burst at a random beat of [base, base + size) that stays inside it and inside 4 KB
  task automatic pick_burst(input [63:0] base, input [63:0] size, output [63:0] addr, output [7:0] len);
    integer beats;
    begin
      rnd_next();
      addr = base + (rnd[63:32] % (size / DataBytes)) * DataBytes;
      beats = rnd[3:0] < 4 ? MaxBurst : 1 + rnd[31:8] % MaxBurst;
      beats = min3(beats, (4096 - addr % 4096) / DataBytes, (base + size - addr) / DataBytes);
      len = beats - 1;
    end
  endtask

  function automatic read_hazard(input [63:0] addr, input [7:0] len);
    integer k;
    begin
      read_hazard = 1'b0;
      for (k = 0; k < wf_count; k = k + 1) if (overlaps(addr, len, wf_addr[(wf_head+k)%Depth], wf_len[(wf_head+k)%Depth])) read_hazard = 1'b1;
    end
  endfunction

  function automatic write_hazard(input [63:0] addr, input [7:0] len);
    integer k;
    begin
      write_hazard = 1'b0;
      for (k = 0; k < rf_count; k = k + 1) if (overlaps(addr, len, rf_addr[(rf_head+k)%Depth], rf_len[(rf_head+k)%Depth])) write_hazard = 1'b1;
    end
  endfunction

  function automatic is_fault(input [8*32-1:0] name);
    is_fault = enable_i && fault == name;
  endfunction

  // a random valid waits this cycle (random and copy modes)
  function automatic waits(input [6:0] r);
    waits = mode != "timing" && r % 100 < stall_pct;
  endfunction

  function automatic [7:0] shadow_byte(input [63:0] a);
    shadow_byte = a < MemBytes ? shadow[a] : 8'h00;
  endfunction

  task automatic fail_later(input [8*200-1:0] msg);
    if (!err_pending) begin
      err_pending = 1'b1;
      err_msg = msg;
    end
  endtask

  initial begin
    mode = "random";
    fault = 0;
    n_reads = 100;
    n_writes = 100;
    stall_pct = 25;
    rready_period = 0;
    bready_period = 0;
    seed = 64'd1;
    region_base = 64'd0;
    region = 64'd16384;
    copy_src = 64'd0;
    copy_dst = 64'd16384;
    copy_bytes = 64'd4096;
    if ($value$plusargs("mode=%s", mode)) ;
    if ($value$plusargs("fault=%s", fault)) ;
    if ($value$plusargs("reads=%d", n_reads)) ;
    if ($value$plusargs("writes=%d", n_writes)) ;
    if ($value$plusargs("master_stall=%d", stall_pct)) ;
    if ($value$plusargs("rready_period=%d", rready_period)) ;
    if ($value$plusargs("bready_period=%d", bready_period)) ;
    if ($value$plusargs("seed=%d", seed)) ;
    if ($value$plusargs("region_base=%d", region_base)) ;
    if ($value$plusargs("region=%d", region)) ;
    if ($value$plusargs("copy_src=%d", copy_src)) ;
    if ($value$plusargs("copy_dst=%d", copy_dst)) ;
    if ($value$plusargs("copy_bytes=%d", copy_bytes)) ;
    log_hs = $test$plusargs("log_handshakes");
    log_bursts = $test$plusargs("log_bursts");
    if (mode != "random" && mode != "timing" && mode != "copy") begin
      $display("axi_vip_master: +mode=%0s: expected random, timing or copy", mode);
      $fatal(1);
    end
    if (region < DataBytes || region % DataBytes != 0 || region_base % DataBytes != 0 || copy_bytes % DataBytes != 0) begin
      $display("axi_vip_master: +region_base, +region and +copy_bytes must be multiples of %0d bytes", DataBytes);
      $fatal(1);
    end
    if ($value$plusargs("mem_image=%s", image)) $readmemh(image, shadow);
  end

  always @(posedge clk_i) begin : master
    reg ar_hs, aw_hs, w_hs, r_hs, b_hs;
    reg [63:0] a, c;
    reg [DataBits-1:0] d;
    reg [DataBits/8-1:0] s;
    integer k, slot, i;
    if (!rst_ni) begin
      cycle = 64'd0;
      rnd_state = seed ^ 64'hD1B54A32D192ED03;
      if (rnd_state == 64'd0) rnd_state = 64'hD1B54A32D192ED03;
      repeat (4) rnd_next();
      err_pending = 1'b0;
      cnt_rbeats = 64'd0;
      cnt_wbytes = 64'd0;
      cnt_errs = 64'd0;
      reads_issued = 0;
      writes_issued = 0;
      rf_head = 0;
      rf_count = 0;
      r_beat = 0;
      wf_head = 0;
      wf_count = 0;
      wf_sent = 0;
      w_beat = 0;
      w_extra_done = 1'b0;
      cp_head = 0;
      cp_count = 0;
      copy_next = copy_src;
      cand_r = 1'b0;
      cand_w = 1'b0;
      m_axi_arvalid <= is_fault("AR_VALID_IN_RESET");
      m_axi_awvalid <= is_fault("AW_VALID_IN_RESET");
      m_axi_wvalid <= is_fault("W_VALID_IN_RESET");
      m_axi_rready <= 1'b0;
      m_axi_bready <= 1'b0;
      m_axi_arid <= {IdBits{1'b0}};
      m_axi_araddr <= {AddrBits{1'b0}};
      m_axi_arlen <= 8'd0;
      m_axi_arsize <= SizeCode;
      m_axi_arburst <= 2'd1;
      m_axi_awid <= {IdBits{1'b0}};
      m_axi_awaddr <= {AddrBits{1'b0}};
      m_axi_awlen <= 8'd0;
      m_axi_awsize <= SizeCode;
      m_axi_awburst <= 2'd1;
      m_axi_wdata <= {DataBits{1'b0}};
      m_axi_wstrb <= {DataBits / 8{1'b0}};
      m_axi_wlast <= 1'b0;
      done_o <= 1'b0;
      read_beats_o <= 64'd0;
      write_bytes_o <= 64'd0;
      error_bursts_o <= 64'd0;
    end else begin
      c = cycle;
      if (err_pending) begin
        $display("axi_vip_master: %0s", err_msg);
        $fatal(1);
      end
      rnd_next();
      ar_hs = m_axi_arvalid && m_axi_arready;
      aw_hs = m_axi_awvalid && m_axi_awready;
      w_hs = m_axi_wvalid && m_axi_wready;
      r_hs = m_axi_rvalid && m_axi_rready;
      b_hs = m_axi_bvalid && m_axi_bready;
      if (log_hs) begin
        if (ar_hs) $display("AR %0d %0d %0h %0d", c, m_axi_arid, m_axi_araddr, m_axi_arlen);
        if (r_hs) $display("R %0d %0d %0d %0d %0h", c, m_axi_rid, m_axi_rresp, m_axi_rlast, m_axi_rdata);
        if (aw_hs) $display("AW %0d %0d %0h %0d", c, m_axi_awid, m_axi_awaddr, m_axi_awlen);
        if (w_hs) $display("W %0d %0d %0d", c, m_axi_wlast, $countones(m_axi_wstrb));
        if (b_hs) $display("B %0d %0d %0d", c, m_axi_bid, m_axi_bresp);
      end

      // ---- R: check the beat against the shadow (a beat with no read in flight is the checker's to name)
      if (r_hs && rf_count > 0) begin
        slot = rf_head;
        a = rf_addr[slot] + r_beat * DataBytes;
        for (k = 0; k < DataBytes; k = k + 1) d[8*k+:8] = shadow_byte(a + k);
        cnt_rbeats = cnt_rbeats + 64'd1;
        if (r_beat == 0) rf_resp[slot] = m_axi_rresp;
        if (m_axi_rresp != rf_resp[slot]) begin
          $sformat(err_msg, "R_RESP_INCONSISTENT: cycle %0d, RRESP %0d on beat %0d of a burst whose first beat had %0d", c, m_axi_rresp, r_beat, rf_resp[slot]);
          fail_later(err_msg);
        end
        if (m_axi_rid != rf_id[slot]) begin
          $sformat(err_msg, "RID_MISMATCH: cycle %0d, RID %0d for a burst of ARID %0d", c, m_axi_rid, rf_id[slot]);
          fail_later(err_msg);
        end
        if (m_axi_rdata != d) begin
          $sformat(err_msg, "DATA_MISMATCH: cycle %0d, read beat at 0x%0h: 0x%0h, expected 0x%0h", c, a, m_axi_rdata, d);
          fail_later(err_msg);
        end
        rf_data[slot*MaxBurst+r_beat] = m_axi_rdata;
        if (r_beat == rf_len[slot]) begin
          if (log_bursts) $display("BURST R %0h %0d %0d", rf_addr[slot], rf_len[slot], rf_resp[slot]);
          if (rf_resp[slot] != 2'd0) cnt_errs = cnt_errs + 64'd1;
          if (mode == "copy") begin
            i = (cp_head + cp_count) % Depth;
            cp_addr[i] = copy_dst + (rf_addr[slot] - copy_src);
            cp_len[i] = rf_len[slot];
            for (k = 0; k <= rf_len[slot]; k = k + 1) cp_data[i*MaxBurst+k] = rf_data[slot*MaxBurst+k];
            cp_count = cp_count + 1;
          end
          r_beat = 0;
          rf_head = (rf_head + 1) % Depth;
          rf_count = rf_count - 1;
        end else begin
          r_beat = r_beat + 1;
        end
      end

      // ---- B: the burst's data enters the shadow if it was written
      if (b_hs && wf_count > 0 && wf_sent > 0) begin
        slot = wf_head;
        if (log_bursts) $display("BURST W %0h %0d %0d", wf_addr[slot], wf_len[slot], m_axi_bresp);
        if (m_axi_bid != wf_id[slot]) begin
          $sformat(err_msg, "BID_MISMATCH: cycle %0d, BID %0d for a burst of AWID %0d", c, m_axi_bid, wf_id[slot]);
          fail_later(err_msg);
        end
        if (m_axi_bresp == 2'd0) begin
          for (i = 0; i <= wf_len[slot]; i = i + 1) begin
            a = wf_addr[slot] + i * DataBytes;
            for (k = 0; k < DataBytes; k = k + 1) if (wf_strb[slot*MaxBurst+i][k] && a + k < MemBytes) shadow[a+k] = wf_data[slot*MaxBurst+i][8*k+:8];
          end
        end else begin
          cnt_errs = cnt_errs + 64'd1;
        end
        wf_head = (wf_head + 1) % Depth;
        wf_count = wf_count - 1;
        wf_sent = wf_sent - 1;
      end

      // ---- W handshake
      if (w_hs) begin
        if (wf_sent < wf_count) begin
          slot = (wf_head + wf_sent) % Depth;
          for (k = 0; k < DataBytes; k = k + 1) if (m_axi_wstrb[k]) cnt_wbytes = cnt_wbytes + 64'd1;
          if (w_beat == wf_len[slot]) begin
            w_beat = 0;
            wf_sent = wf_sent + 1;
          end else begin
            w_beat = w_beat + 1;
          end
        end else begin
          w_extra_done = 1'b1;
        end
      end

      // ---- the next read: choose one, issue it when it does not overlap a write in flight
      if (!cand_r) begin
        if (mode == "copy") begin
          if (copy_next < copy_src + copy_bytes) begin
            rnd_next();
            i = rnd[3:0] < 4 ? MaxBurst : 1 + rnd[31:8] % MaxBurst;
            i = min3(i, (4096 - copy_next % 4096) / DataBytes, (copy_src + copy_bytes - copy_next) / DataBytes);
            cand_r_addr = copy_next;
            cand_r_len = i - 1;
            cand_r_id = rnd[41:40];
            copy_next = copy_next + i * DataBytes;
            cand_r = 1'b1;
          end
        end else if (reads_issued < n_reads) begin
          if (mode == "timing") pick_burst(region_base, region / 2 / DataBytes * DataBytes, cand_r_addr, cand_r_len);
          else pick_burst(region_base, region, cand_r_addr, cand_r_len);
          cand_r_id = rnd[41:40];
          if (reads_issued == 0 && is_fault("AR_4KB_CROSSING")) begin
            cand_r_addr = 64'd4096 - DataBytes;
            cand_r_len = 8'd1;
          end
          if (reads_issued == 0 && is_fault("AR_LEN_TOO_LONG")) begin
            cand_r_addr = 64'd0;
            cand_r_len = MaxBurst;
          end
          cand_r = 1'b1;
        end
      end
      if (!m_axi_arvalid || ar_hs) begin
        m_axi_arvalid <= 1'b0;
        if (cand_r && rf_count < Depth && !read_hazard(cand_r_addr, cand_r_len) && !waits(rnd[6:0])) begin
          m_axi_arvalid <= 1'b1;
          m_axi_arid <= cand_r_id;
          m_axi_araddr <= cand_r_addr;
          m_axi_arlen <= cand_r_len;
          m_axi_arsize <= is_fault("AR_SIZE_NOT_BUS_WIDTH") ? SizeCode - 1 : SizeCode;
          m_axi_arburst <= is_fault("AR_BURST_NOT_INCR") ? 2'd2 : 2'd1;
          if (is_fault("AR_PAYLOAD_X")) m_axi_araddr <= {AddrBits{1'bx}};
          slot = (rf_head + rf_count) % Depth;
          rf_addr[slot] = cand_r_addr;
          rf_len[slot] = cand_r_len;
          rf_id[slot] = cand_r_id;
          rf_count = rf_count + 1;
          reads_issued = reads_issued + 1;
          cand_r = 1'b0;
        end
      end else if (is_fault("AR_VALID_DROPPED")) begin
        m_axi_arvalid <= 1'b0;
      end else if (is_fault("AR_PAYLOAD_CHANGED")) begin
        m_axi_araddr <= m_axi_araddr + DataBytes;
      end

      // ---- the next write: choose one, issue it when it does not overlap a read in flight
      if (!cand_w) begin
        if (mode == "copy") begin
          if (cp_count > 0) begin
            cand_w_addr = cp_addr[cp_head];
            cand_w_len = cp_len[cp_head];
            rnd_next();
            cand_w_id = rnd[43:42];
            cand_w = 1'b1;
          end
        end else if (writes_issued < n_writes) begin
          if (mode == "timing") pick_burst(region_base + region / 2 / DataBytes * DataBytes, region / 2 / DataBytes * DataBytes, cand_w_addr, cand_w_len);
          else pick_burst(region_base, region, cand_w_addr, cand_w_len);
          cand_w_id = rnd[43:42];
          if (writes_issued == 0 && is_fault("AW_4KB_CROSSING")) begin
            cand_w_addr = 64'd8192 - DataBytes;
            cand_w_len = 8'd1;
          end
          if (writes_issued == 0 && is_fault("AW_LEN_TOO_LONG")) begin
            cand_w_addr = 64'd0;
            cand_w_len = MaxBurst;
          end
          if (writes_issued == 0 && (is_fault("WLAST_EARLY") || is_fault("WLAST_MISSING") || is_fault("W_BEYOND_BURST"))) begin
            cand_w_addr = 64'd0;
            cand_w_len = 8'd3;
          end
          cand_w = 1'b1;
        end
      end
      if (!m_axi_awvalid || aw_hs) begin
        m_axi_awvalid <= 1'b0;
        if (cand_w && wf_count < Depth && !write_hazard(cand_w_addr, cand_w_len) && !waits(rnd[13:7])) begin
          m_axi_awvalid <= 1'b1;
          m_axi_awid <= cand_w_id;
          m_axi_awaddr <= cand_w_addr;
          m_axi_awlen <= cand_w_len;
          m_axi_awsize <= is_fault("AW_SIZE_NOT_BUS_WIDTH") ? SizeCode - 1 : SizeCode;
          m_axi_awburst <= is_fault("AW_BURST_NOT_INCR") ? 2'd0 : 2'd1;
          if (is_fault("AW_PAYLOAD_X")) m_axi_awlen <= 8'bx;
          slot = (wf_head + wf_count) % Depth;
          wf_addr[slot] = cand_w_addr;
          wf_len[slot] = cand_w_len;
          wf_id[slot] = cand_w_id;
          for (i = 0; i <= cand_w_len; i = i + 1) begin
            if (mode == "copy") begin
              d = cp_data[cp_head*MaxBurst+i];
              s = {DataBits / 8{1'b1}};
            end else begin
              for (k = 0; k < DataBits; k = k + 32) begin
                rnd_next();
                d[k+:32] = rnd[63:32];
              end
              rnd_next();
              s = rnd[1:0] != 2'd0 ? {DataBits / 8{1'b1}} : rnd[63:64-DataBits/8];
            end
            wf_data[slot*MaxBurst+i] = d;
            wf_strb[slot*MaxBurst+i] = s;
          end
          if (mode == "copy") begin
            cp_head = (cp_head + 1) % Depth;
            cp_count = cp_count - 1;
          end
          wf_count = wf_count + 1;
          writes_issued = writes_issued + 1;
          cand_w = 1'b0;
        end
      end else if (is_fault("AW_VALID_DROPPED")) begin
        m_axi_awvalid <= 1'b0;
      end else if (is_fault("AW_PAYLOAD_CHANGED")) begin
        m_axi_awaddr <= m_axi_awaddr + DataBytes;
      end

      // ---- the next W beat
      if (!m_axi_wvalid || w_hs) begin
        m_axi_wvalid <= 1'b0;
        if (wf_sent < wf_count && !waits(rnd[20:14])) begin
          slot = (wf_head + wf_sent) % Depth;
          m_axi_wvalid <= 1'b1;
          m_axi_wdata <= wf_data[slot*MaxBurst+w_beat];
          m_axi_wstrb <= wf_strb[slot*MaxBurst+w_beat];
          m_axi_wlast <= is_fault("WLAST_EARLY") ? 1'b1 : is_fault("WLAST_MISSING") ? 1'b0 : w_beat == wf_len[slot];
        end else if (is_fault("W_BEYOND_BURST") && wf_sent > 0 && !w_extra_done) begin
          m_axi_wvalid <= 1'b1;
          m_axi_wlast <= 1'b1;
        end
      end else if (is_fault("W_VALID_DROPPED")) begin
        m_axi_wvalid <= 1'b0;
      end else if (is_fault("W_PAYLOAD_CHANGED")) begin
        m_axi_wdata <= ~m_axi_wdata;
      end

      // ---- RREADY, BREADY
      if (mode == "timing") begin
        m_axi_rready <= rready_period == 0 || (c + 1) % rready_period != rready_period - 1;
        m_axi_bready <= bready_period == 0 || (c + 1) % bready_period != bready_period - 1;
      end else begin
        m_axi_rready <= !waits(rnd[27:21]);
        m_axi_bready <= !waits(rnd[34:28]);
      end

      // ---- faults that put X on the bus, in cycle 3
      if (c == 2) begin
        if (is_fault("AR_VALID_X")) m_axi_arvalid <= 1'bx;
        if (is_fault("AW_VALID_X")) m_axi_awvalid <= 1'bx;
        if (is_fault("W_VALID_X")) m_axi_wvalid <= 1'bx;
        if (is_fault("R_READY_X")) m_axi_rready <= 1'bx;
        if (is_fault("B_READY_X")) m_axi_bready <= 1'bx;
      end

      read_beats_o <= cnt_rbeats;
      write_bytes_o <= cnt_wbytes;
      error_bursts_o <= cnt_errs;
      done_o <= (mode == "copy" ? copy_next >= copy_src + copy_bytes && cp_count == 0 : reads_issued == n_reads && writes_issued == n_writes) &&
                !cand_r && !cand_w && rf_count == 0 && wf_count == 0;
      cycle = c + 64'd1;
    end
  end

endmodule
