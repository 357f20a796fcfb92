// ----------------------------------------------------------------------------
// axi_memory_model: an AXI4 slave memory for the testbenches of trainforge
// (hand-written verification IP, not generated; not RTL).
// Runs unchanged on Icarus Verilog (iverilog -g2012) and Verilator 5.006
// (--binary --timing): plain always blocks and tasks, no classes, SVA or DPI.
//
// Parameters
//   AddrBits, DataBits, IdBits  the bus (DataBits: 8 * a power of two)
//   MemBytes        size of the byte array; the memory answers addresses 0 .. MemBytes-1
//   Latency         read latency L (cycles), default 100          (+mem_latency=N)
//   BeatInterval    I: at most one R beat and one W beat every I cycles, default 1
//                                                                  (+mem_interval=N)
//   WriteRespDelay  D: B comes D cycles after WLAST, default 1     (+mem_bdelay=N)
//   QueueDepth      Q: read bursts and write bursts in the slave, default 16
//   UsePlusargs     1: read the +mem_* plusargs at time 0 (they override the parameters)
//
// Ports: clk_i, rst_ni, and the AXI4 slave signals s_axi_aw{id,addr,len,size,burst,
// valid,ready}, s_axi_w{data,strb,last,valid,ready}, s_axi_b{id,resp,valid,ready},
// s_axi_ar{id,addr,len,size,burst,valid,ready}, s_axi_r{id,data,resp,last,valid,ready};
// stat_rd_beats_o (R handshakes) and stat_wr_bytes_o (W bytes with their strobe set),
// both since the last reset. More counters as regs: stat_rd_bursts, stat_wr_beats,
// stat_wr_bursts.
//
// What it serves: INCR bursts of full-width beats (AxSIZE = log2(DataBits / 8)); any
// other AxSIZE or AxBURST stops the simulation one cycle after its handshake (the
// protocol checker names it first). Beat i of a burst is the DataBits/8 bytes at
// (AxADDR rounded down to the bus width) + i * DataBits/8, little-endian. Responses
// come back in the order of the requests, whatever their IDs (legal AXI: one ID or
// in-order IDs); RID/BID echo the request's ID. The memory starts all zero.
//
// Cycle numbering: cycle 0 is the cycle that ends with the first rising edge at
// which rst_ni is high; a handshake "in cycle c" is VALID && READY sampled at the
// rising edge that ends cycle c. Every output is a register.
//
// Deterministic mode (the default): exact timing, for the cycle model
//   ARREADY(c) = c >= 1 and RQ(c) < Q, where RQ(c) = read bursts whose AR handshake
//                was before cycle c and whose last R handshake was not (the bursts
//                queued or returning).
//   AWREADY(c) = c >= 1 and WQ(c) < Q, where WQ(c) = write bursts whose AW handshake
//                was before cycle c and whose B handshake was not.
//   WREADY(c)  = c >= 1, some burst with its AW handshake before cycle c still lacks
//                W beats, and c >= w + I where w is the cycle of the last W handshake.
//                (W never precedes its AW here; the model counts beats by AWLEN, not
//                by WLAST.)
//   R: the beats of all read bursts form one stream in AR order. Beat j is valid from
//      cycle  v_j = max(a + L, h_{j-1} + I)  where a is the AR handshake cycle of its
//      burst and h_{j-1} the handshake cycle of the beat before it (any burst), and
//      stays valid until its handshake h_j (the first cycle >= v_j with RREADY).
//      So: the first beat of a burst is valid exactly L cycles after its AR
//      handshake when nothing is ahead of it; with I = 1 and RREADY high the beats
//      run back to back (DataBits/8 bytes per cycle).
//   B: the response of a burst whose last W beat was accepted in cycle w is valid
//      from cycle  max(w + D, h_prev + 1)  (h_prev: the previous B handshake), in
//      order, until its handshake.
//   L, I, D >= 1. R data is read from the array at the rising edge that makes the
//   beat valid (the end of cycle v_j - 1); W data is written at its handshake edge
//   first, so the bytes of a W beat accepted in cycle w are in every R beat valid
//   from cycle w + 1 on. (Ordering reads after writes is the master's business.)
//
// Random mode (+mem_random=SEED, or task set_random): seeded, reproducible, the same
// on both simulators (an xorshift64* generator advanced once per cycle). On top of
// the deterministic rules: each of ARREADY, AWREADY, WREADY drops in a cycle with
// probability 1/4; a due R beat or B response waits a cycle with probability 1/4;
// each read burst gets 0..31 extra cycles of latency and each B 0..15 extra cycles;
// with probability 1/128 per cycle a freeze of 1..32 cycles starts (no ready, no new
// R beat or B). A valid R or B and its payload always hold until the handshake.
//
// Error injection: up to 4 address ranges (+mem_err0 .. +mem_err3, or task
// set_error_range). A burst whose bytes (from AxADDR rounded down to the bus width,
// (AxLEN+1) * DataBits/8 of them) overlap a range gets that response on every R beat
// (data still returned) or on its B (and its data is not written); when it overlaps
// several, the lowest-numbered range decides. A burst that
// reaches past MemBytes answers DECERR (reads return zeros there).
//
// Plusargs (all optional)
//   +mem_latency=N  +mem_interval=N  +mem_bdelay=N   L, I, D (decimal)
//   +mem_random=SEED                 the random mode with this seed (decimal, or hex
//                                    after 0x, like BASE and SIZE below)
//   +mem_errK=KIND:BASE:SIZE         K = 0..3; KIND slverr | decerr (reads and writes),
//                                    rslverr | rdecerr (reads), wslverr | wdecerr (writes)
//   +mem_image=FILE                  $readmemh a byte image (one hex byte per line) at 0
//                                    (Icarus warns when the file is shorter than MemBytes)
//   +mem_dump=FILE:BASE:SIZE         at the end of the simulation ($finish), write
//                                    SIZE bytes from BASE, one hex byte per line (a
//                                    model that never left reset writes nothing)
//   +mem_verbose                     print the configuration at time 0
// Tasks (call hierarchically, while the bus is idle): set_latency, set_interval,
// set_write_resp_delay, set_random(seed), set_deterministic, set_error_range(k, resp,
// dirs, base, size) (resp 2 SLVERR / 3 DECERR, dirs bit 0 reads, bit 1 writes),
// clear_error_ranges, load_image(file, offset), dump_image(file, base, size),
// write_byte(addr, value), read_byte(addr, value).
// ----------------------------------------------------------------------------
`timescale 1ns / 1ps

module axi_memory_model #(
  parameter integer AddrBits       = 32,
  parameter integer DataBits       = 64,
  parameter integer IdBits         = 1,
  parameter integer MemBytes       = 1 << 20,
  parameter integer Latency        = 100,
  parameter integer BeatInterval   = 1,
  parameter integer WriteRespDelay = 1,
  parameter integer QueueDepth     = 16,
  parameter integer UsePlusargs    = 1
) (
  input  wire                    clk_i,
  input  wire                    rst_ni,
  // write address
  input  wire [IdBits-1:0]       s_axi_awid,
  input  wire [AddrBits-1:0]     s_axi_awaddr,
  input  wire [7:0]              s_axi_awlen,
  input  wire [2:0]              s_axi_awsize,
  input  wire [1:0]              s_axi_awburst,
  input  wire                    s_axi_awvalid,
  output reg                     s_axi_awready,
  // write data
  input  wire [DataBits-1:0]     s_axi_wdata,
  input  wire [DataBits/8-1:0]   s_axi_wstrb,
  input  wire                    s_axi_wlast,
  input  wire                    s_axi_wvalid,
  output reg                     s_axi_wready,
  // write response
  output reg  [IdBits-1:0]       s_axi_bid,
  output reg  [1:0]              s_axi_bresp,
  output reg                     s_axi_bvalid,
  input  wire                    s_axi_bready,
  // read address
  input  wire [IdBits-1:0]       s_axi_arid,
  input  wire [AddrBits-1:0]     s_axi_araddr,
  input  wire [7:0]              s_axi_arlen,
  input  wire [2:0]              s_axi_arsize,
  input  wire [1:0]              s_axi_arburst,
  input  wire                    s_axi_arvalid,
  output reg                     s_axi_arready,
  // read data
  output reg  [IdBits-1:0]       s_axi_rid,
  output reg  [DataBits-1:0]     s_axi_rdata,
  output reg  [1:0]              s_axi_rresp,
  output reg                     s_axi_rlast,
  output reg                     s_axi_rvalid,
  input  wire                    s_axi_rready,
  // counters since the last reset
  output wire [63:0]             stat_rd_beats_o,
  output wire [63:0]             stat_wr_bytes_o
);
  localparam integer DataBytes = DataBits / 8;
  localparam integer SizeCode = $clog2(DataBytes);
  localparam integer NumErrRanges = 4;
  localparam integer StrChars = 256;  // longest plusarg value
  localparam [1:0] RespOkay = 2'd0;
  localparam [1:0] RespSlvErr = 2'd2;
  localparam [1:0] RespDecErr = 2'd3;
  localparam [1:0] BurstIncr = 2'd1;

  // ---------------------------------------------------------------- storage
  bit [7:0] mem [0:MemBytes-1];

  // ---------------------------------------------------------------- configuration
  integer    cfg_latency;
  integer    cfg_interval;
  integer    cfg_bdelay;
  reg        cfg_random;
  reg [63:0] cfg_seed;
  reg [1:0]  err_resp [0:NumErrRanges-1];  // 0: range unused
  reg [1:0]  err_dirs [0:NumErrRanges-1];  // bit 0 reads, bit 1 writes
  reg [63:0] err_base [0:NumErrRanges-1];
  reg [63:0] err_size [0:NumErrRanges-1];
  reg [8*StrChars-1:0] dump_file;
  reg [63:0] dump_base;
  reg [63:0] dump_size;
  reg        dump_at_end;

  // ---------------------------------------------------------------- state
  reg [63:0] cycle;        // the number of the cycle that the next rising edge ends
  reg [63:0] rnd_state;
  reg [63:0] rnd;          // this cycle's random bits (random mode)
  integer    freeze;       // cycles of a random freeze left
  // read bursts, in AR order: queued or returning
  reg [IdBits-1:0] rq_id    [0:QueueDepth-1];
  reg [63:0]       rq_addr  [0:QueueDepth-1];
  reg [7:0]        rq_len   [0:QueueDepth-1];
  reg [1:0]        rq_resp  [0:QueueDepth-1];
  reg [63:0]       rq_start [0:QueueDepth-1];  // the first cycle its first beat may be valid
  integer          rq_head, rq_count, r_beat;
  reg [63:0]       r_next_ok;                   // the first cycle the next R beat may be valid
  // write bursts, in AW order, until their B handshake; the first (wq_count - wq_wpend)
  // have all their data and wait for B
  reg [IdBits-1:0] wq_id    [0:QueueDepth-1];
  reg [63:0]       wq_addr  [0:QueueDepth-1];
  reg [7:0]        wq_len   [0:QueueDepth-1];
  reg [1:0]        wq_resp  [0:QueueDepth-1];
  reg [63:0]       wq_btime [0:QueueDepth-1];  // the first cycle its B may be valid
  integer          wq_head, wq_count, wq_wpend, w_beat;
  reg [63:0]       w_next_ok;
  // unsupported request seen: stop at the next edge (the checker reports first)
  reg              unsupported;
  reg [8*160-1:0]  unsupported_msg;

  reg [63:0] stat_rd_beats, stat_rd_bursts, stat_wr_beats, stat_wr_bytes, stat_wr_bursts;
  assign stat_rd_beats_o = stat_rd_beats;
  assign stat_wr_bytes_o = stat_wr_bytes;

  // ---------------------------------------------------------------- helpers
  // xorshift64*: the same sequence on every simulator
  task automatic rnd_next;
    rnd_state = rnd_state ^ (rnd_state >> 12);
    rnd_state = rnd_state ^ (rnd_state << 25);
    rnd_state = rnd_state ^ (rnd_state >> 27);
    rnd = rnd_state * 64'h2545F4914F6CDD1D;
  endtask

  task automatic rnd_seed;
    rnd_state = cfg_seed ^ 64'h9E3779B97F4A7C15;
    if (rnd_state == 64'd0) rnd_state = 64'h9E3779B97F4A7C15;
    repeat (4) rnd_next();
    freeze = 0;
  endtask

  // the response of a burst: the first matching error range, else DECERR past the array
  function automatic [1:0] burst_resp(input [63:0] addr, input [7:0] len, input is_write);
    reg [63:0] lo, hi;
    integer k;
    begin
      lo = addr & ~(DataBytes - 64'd1);
      hi = lo + ({56'd0, len} + 64'd1) * DataBytes - 64'd1;
      burst_resp = RespOkay;
      for (k = NumErrRanges - 1; k >= 0; k = k - 1) begin
        if (err_resp[k] != 2'd0 && err_dirs[k][is_write ? 1 : 0] && err_size[k] != 64'd0 &&
            lo <= err_base[k] + err_size[k] - 64'd1 && err_base[k] <= hi) begin
          burst_resp = err_resp[k];
        end
      end
      if (burst_resp == RespOkay && hi >= MemBytes) burst_resp = RespDecErr;
    end
  endfunction

  // splits "A:B:C" (a plusarg value, right-aligned in the vector) into fields
  task automatic split_fields(input [8*StrChars-1:0] s, output [8*StrChars-1:0] f0,
                              output [8*StrChars-1:0] f1, output [8*StrChars-1:0] f2,
                              output integer n);
    integer i;
    reg [7:0] ch;
    begin
      f0 = 0;
      f1 = 0;
      f2 = 0;
      n = 0;
      for (i = StrChars - 1; i >= 0; i = i - 1) begin
        ch = s[8*i+:8];
        if (ch != 8'd0) begin
          if (n == 0) n = 1;
          if (ch == ":") n = n + 1;
          else if (n == 1) f0 = {f0[8*StrChars-9:0], ch};
          else if (n == 2) f1 = {f1[8*StrChars-9:0], ch};
          else if (n == 3) f2 = {f2[8*StrChars-9:0], ch};
        end
      end
    end
  endtask

  // a decimal number, or hex after 0x
  task automatic parse_number(input [8*StrChars-1:0] f, output [63:0] v, output ok);
    integer i, digits;
    reg [7:0] ch;
    reg hex;
    begin
      v = 64'd0;
      ok = 1'b1;
      hex = 1'b0;
      digits = 0;
      i = StrChars - 1;
      while (i >= 0 && f[8*i+:8] == 8'd0) i = i - 1;
      if (i >= 1 && f[8*i+:8] == "0" && (f[8*(i-1)+:8] == "x" || f[8*(i-1)+:8] == "X")) begin
        hex = 1'b1;
        i = i - 2;
      end
      while (i >= 0) begin
        ch = f[8*i+:8];
        digits = digits + 1;
        if (ch >= "0" && ch <= "9") v = (hex ? v * 16 : v * 10) + (ch - "0");
        else if (hex && ch >= "a" && ch <= "f") v = v * 16 + (ch - "a" + 10);
        else if (hex && ch >= "A" && ch <= "F") v = v * 16 + (ch - "A" + 10);
        else ok = 1'b0;
        i = i - 1;
      end
      if (digits == 0) ok = 1'b0;
    end
  endtask

  task automatic check_config;
    if (cfg_latency < 1 || cfg_interval < 1 || cfg_bdelay < 1) begin
      $display("axi_memory_model: latency %0d, interval %0d, write response delay %0d: each must be >= 1 (+mem_latency, +mem_interval, +mem_bdelay)",
               cfg_latency, cfg_interval, cfg_bdelay);
      $fatal(1);
    end
  endtask

  // ---------------------------------------------------------------- tasks for testbenches
  task automatic set_latency(input integer n);
    cfg_latency = n;
    check_config();
  endtask

  task automatic set_interval(input integer n);
    cfg_interval = n;
    check_config();
  endtask

  task automatic set_write_resp_delay(input integer n);
    cfg_bdelay = n;
    check_config();
  endtask

  task automatic set_random(input [63:0] seed);
    cfg_random = 1'b1;
    cfg_seed = seed;
    rnd_seed();
  endtask

  task automatic set_deterministic;
    cfg_random = 1'b0;
  endtask

  // resp: 2 SLVERR or 3 DECERR; dirs: bit 0 reads, bit 1 writes; size 0 clears the range
  task automatic set_error_range(input integer k, input [1:0] resp, input [1:0] dirs,
                                 input [63:0] base, input [63:0] size);
    if (k < 0 || k >= NumErrRanges || (resp != RespSlvErr && resp != RespDecErr)) begin
      $display("axi_memory_model: set_error_range(%0d, %0d, ...): the range is 0..%0d, the response 2 (SLVERR) or 3 (DECERR)",
               k, resp, NumErrRanges - 1);
      $fatal(1);
    end
    err_resp[k] = resp;
    err_dirs[k] = dirs;
    err_base[k] = base;
    err_size[k] = size;
  endtask

  task automatic clear_error_ranges;
    integer k;
    for (k = 0; k < NumErrRanges; k = k + 1) err_resp[k] = 2'd0;
  endtask

  // one hex byte per line, from byte `offset` on
  task automatic load_image(input [8*StrChars-1:0] file, input [63:0] offset);
    $readmemh(file, mem, offset);
  endtask

  task automatic dump_image(input [8*StrChars-1:0] file, input [63:0] base, input [63:0] size);
    integer fd;
    reg [63:0] a;
    begin
      fd = $fopen(file, "w");
      if (fd == 0) begin
        $display("axi_memory_model: cannot write the dump file %0s", file);
        $fatal(1);
      end
      for (a = base; a < base + size; a = a + 1) $fwrite(fd, "%02h\n", a < MemBytes ? mem[a] : 8'h00);
      $fclose(fd);
    end
  endtask

  task automatic write_byte(input [63:0] addr, input [7:0] value);
    if (addr < MemBytes) mem[addr] = value;
  endtask

  task automatic read_byte(input [63:0] addr, output [7:0] value);
    value = addr < MemBytes ? mem[addr] : 8'h00;
  endtask

  // ---------------------------------------------------------------- configuration at time 0
  reg [8*StrChars-1:0] arg, f0, f1, f2;
  initial begin : configure
    integer k, n;
    reg [63:0] v, base, size;
    reg ok_base, ok_size;
    reg [1:0] resp, dirs;
    cfg_latency = Latency;
    cfg_interval = BeatInterval;
    cfg_bdelay = WriteRespDelay;
    cfg_random = 1'b0;
    cfg_seed = 64'd0;
    dump_at_end = 1'b0;
    for (k = 0; k < NumErrRanges; k = k + 1) begin
      err_resp[k] = 2'd0;
      err_dirs[k] = 2'd0;
      err_base[k] = 64'd0;
      err_size[k] = 64'd0;
    end
    if (DataBytes < 1 || (1 << SizeCode) != DataBytes || DataBits % 8 != 0 || AddrBits > 64 || QueueDepth < 1) begin
      $display("axi_memory_model: DataBits %0d must be 8 times a power of two, AddrBits %0d at most 64, QueueDepth %0d at least 1",
               DataBits, AddrBits, QueueDepth);
      $fatal(1);
    end
    if (UsePlusargs != 0) begin
      if ($value$plusargs("mem_latency=%d", n)) cfg_latency = n;
      if ($value$plusargs("mem_interval=%d", n)) cfg_interval = n;
      if ($value$plusargs("mem_bdelay=%d", n)) cfg_bdelay = n;
      if ($value$plusargs("mem_random=%s", arg)) begin
        split_fields(arg, f0, f1, f2, n);
        parse_number(f0, v, ok_base);
        if (!ok_base || n != 1) begin
          $display("axi_memory_model: +mem_random=%0s: expected a seed (a decimal number, or hex after 0x)", arg);
          $fatal(1);
        end
        cfg_random = 1'b1;
        cfg_seed = v;
      end
      for (k = 0; k < NumErrRanges; k = k + 1) begin
        arg = 0;
        case (k)
          0: n = $value$plusargs("mem_err0=%s", arg);
          1: n = $value$plusargs("mem_err1=%s", arg);
          2: n = $value$plusargs("mem_err2=%s", arg);
          default: n = $value$plusargs("mem_err3=%s", arg);
        endcase
        if (n != 0) begin
          split_fields(arg, f0, f1, f2, n);
          parse_number(f1, base, ok_base);
          parse_number(f2, size, ok_size);
          resp = 2'd0;
          dirs = 2'd0;
          if (f0 == "slverr" || f0 == "rslverr" || f0 == "wslverr") resp = RespSlvErr;
          if (f0 == "decerr" || f0 == "rdecerr" || f0 == "wdecerr") resp = RespDecErr;
          if (f0 == "slverr" || f0 == "decerr") dirs = 2'b11;
          if (f0 == "rslverr" || f0 == "rdecerr") dirs = 2'b01;
          if (f0 == "wslverr" || f0 == "wdecerr") dirs = 2'b10;
          if (n != 3 || resp == 2'd0 || !ok_base || !ok_size) begin
            $display("axi_memory_model: +mem_err%0d=%0s: expected KIND:BASE:SIZE, KIND one of slverr decerr rslverr rdecerr wslverr wdecerr, numbers decimal or 0x hex",
                     k, arg);
            $fatal(1);
          end
          set_error_range(k, resp, dirs, base, size);
        end
      end
      if ($value$plusargs("mem_image=%s", arg)) load_image(arg, 64'd0);
      if ($value$plusargs("mem_dump=%s", arg)) begin
        // FILE:BASE:SIZE; the file name is the first field
        split_fields(arg, f0, f1, f2, n);
        parse_number(f1, base, ok_base);
        parse_number(f2, size, ok_size);
        if (n != 3 || !ok_base || !ok_size) begin
          $display("axi_memory_model: +mem_dump=%0s: expected FILE:BASE:SIZE, numbers decimal or 0x hex", arg);
          $fatal(1);
        end
        dump_file = f0;
        dump_base = base;
        dump_size = size;
        dump_at_end = 1'b1;
      end
    end
    check_config();
    if (UsePlusargs != 0 && $test$plusargs("mem_verbose")) begin
      $display("axi_memory_model: %0d bytes, latency %0d, interval %0d, write response delay %0d, queue depth %0d, %0s (seed %0d)",
               MemBytes, cfg_latency, cfg_interval, cfg_bdelay, QueueDepth, cfg_random ? "random" : "deterministic", cfg_seed);
      for (k = 0; k < NumErrRanges; k = k + 1) begin
        if (err_resp[k] != 2'd0)
          $display("axi_memory_model: error range %0d: %0s on %0s%0s, 0x%0h + 0x%0h", k, err_resp[k] == RespSlvErr ? "SLVERR" : "DECERR",
                   err_dirs[k][0] ? "reads " : "", err_dirs[k][1] ? "writes" : "", err_base[k], err_size[k]);
      end
    end
  end

  // At the end, the dump of +mem_dump (by a model that left reset at least once, so
  // that an idle instance does not overwrite the file). Icarus calls no task from a
  // final procedure and skips one with a named block: the loop is written out here.
  reg        ran;
  integer    dump_fd;
  reg [63:0] dump_a;
  initial ran = 1'b0;
  final begin
    if (dump_at_end && ran) begin
      dump_fd = $fopen(dump_file, "w");
      if (dump_fd == 0) $display("axi_memory_model: cannot write the dump file %0s", dump_file);
      else begin
        for (dump_a = dump_base; dump_a < dump_base + dump_size; dump_a = dump_a + 1)
          $fwrite(dump_fd, "%02h\n", dump_a < MemBytes ? mem[dump_a] : 8'h00);
        $fclose(dump_fd);
      end
    end
  end

  // ---------------------------------------------------------------- the slave
  always @(posedge clk_i) begin : slave
    reg ar_hs, aw_hs, w_hs, r_hs, b_hs;
    reg stall_ar, stall_aw, stall_w, gap_r, gap_b, frozen;
    reg [63:0] a, c;
    reg [DataBits-1:0] data;
    integer k, slot;
    if (!rst_ni) begin
      cycle = 64'd0;
      rq_head = 0;
      rq_count = 0;
      r_beat = 0;
      r_next_ok = 64'd0;
      wq_head = 0;
      wq_count = 0;
      wq_wpend = 0;
      w_beat = 0;
      w_next_ok = 64'd0;
      unsupported = 1'b0;
      stat_rd_beats = 64'd0;
      stat_rd_bursts = 64'd0;
      stat_wr_beats = 64'd0;
      stat_wr_bytes = 64'd0;
      stat_wr_bursts = 64'd0;
      rnd = 64'd0;
      rnd_seed();
      s_axi_arready <= 1'b0;
      s_axi_awready <= 1'b0;
      s_axi_wready <= 1'b0;
      s_axi_rvalid <= 1'b0;
      s_axi_rid <= {IdBits{1'b0}};
      s_axi_rdata <= {DataBits{1'b0}};
      s_axi_rresp <= 2'd0;
      s_axi_rlast <= 1'b0;
      s_axi_bvalid <= 1'b0;
      s_axi_bid <= {IdBits{1'b0}};
      s_axi_bresp <= 2'd0;
    end else begin
      c = cycle;
      ran = 1'b1;
      if (unsupported) begin
        $display("axi_memory_model: %0s", unsupported_msg);
        $fatal(1);
      end
      ar_hs = s_axi_arvalid && s_axi_arready;
      aw_hs = s_axi_awvalid && s_axi_awready;
      w_hs = s_axi_wvalid && s_axi_wready;
      r_hs = s_axi_rvalid && s_axi_rready;
      b_hs = s_axi_bvalid && s_axi_bready;
      stall_ar = 1'b0;
      stall_aw = 1'b0;
      stall_w = 1'b0;
      gap_r = 1'b0;
      gap_b = 1'b0;
      frozen = 1'b0;
      if (cfg_random) begin
        rnd_next();
        if (freeze > 0) freeze = freeze - 1;
        else if (rnd[57:51] == 7'd0) freeze = rnd[62:58] + 1;
        frozen = freeze > 0;
        stall_ar = rnd[33:32] == 2'd0 || frozen;
        stall_aw = rnd[35:34] == 2'd0 || frozen;
        stall_w = rnd[37:36] == 2'd0 || frozen;
        gap_r = rnd[39:38] == 2'd0 || frozen;
        gap_b = rnd[41:40] == 2'd0 || frozen;
      end

      // R handshake: the beat leaves; the burst leaves with its last beat
      if (r_hs) begin
        stat_rd_beats = stat_rd_beats + 64'd1;
        r_next_ok = c + cfg_interval;
        if (r_beat == rq_len[rq_head]) begin
          r_beat = 0;
          rq_head = (rq_head + 1) % QueueDepth;
          rq_count = rq_count - 1;
        end else begin
          r_beat = r_beat + 1;
        end
      end

      // B handshake
      if (b_hs) begin
        wq_head = (wq_head + 1) % QueueDepth;
        wq_count = wq_count - 1;
      end

      // AR handshake: queue the burst
      if (ar_hs) begin
        slot = (rq_head + rq_count) % QueueDepth;
        rq_id[slot] = s_axi_arid;
        rq_addr[slot] = s_axi_araddr;
        rq_len[slot] = s_axi_arlen;
        rq_resp[slot] = burst_resp(s_axi_araddr, s_axi_arlen, 1'b0);
        rq_start[slot] = c + cfg_latency + (cfg_random ? rnd[46:42] : 0);
        rq_count = rq_count + 1;
        stat_rd_bursts = stat_rd_bursts + 64'd1;
        if (s_axi_arsize != SizeCode || s_axi_arburst != BurstIncr) begin
          unsupported = 1'b1;
          $sformat(unsupported_msg, "unsupported read burst in cycle %0d: ARSIZE %0d, ARBURST %0d (served: ARSIZE %0d, INCR)",
                   c, s_axi_arsize, s_axi_arburst, SizeCode);
        end
      end

      // AW handshake: queue the burst for its data
      if (aw_hs) begin
        slot = (wq_head + wq_count) % QueueDepth;
        wq_id[slot] = s_axi_awid;
        wq_addr[slot] = s_axi_awaddr;
        wq_len[slot] = s_axi_awlen;
        wq_resp[slot] = burst_resp(s_axi_awaddr, s_axi_awlen, 1'b1);
        wq_count = wq_count + 1;
        wq_wpend = wq_wpend + 1;
        stat_wr_bursts = stat_wr_bursts + 64'd1;
        if (s_axi_awsize != SizeCode || s_axi_awburst != BurstIncr) begin
          unsupported = 1'b1;
          $sformat(unsupported_msg, "unsupported write burst in cycle %0d: AWSIZE %0d, AWBURST %0d (served: AWSIZE %0d, INCR)",
                   c, s_axi_awsize, s_axi_awburst, SizeCode);
        end
      end

      // W handshake: write the strobed bytes of the oldest burst that lacks data
      if (w_hs) begin
        slot = (wq_head + wq_count - wq_wpend) % QueueDepth;
        a = (wq_addr[slot] & ~(DataBytes - 64'd1)) + w_beat * DataBytes;
        for (k = 0; k < DataBytes; k = k + 1) begin
          if (s_axi_wstrb[k]) begin
            stat_wr_bytes = stat_wr_bytes + 64'd1;
            if (wq_resp[slot] == RespOkay) mem[a+k] = s_axi_wdata[8*k+:8];
          end
        end
        stat_wr_beats = stat_wr_beats + 64'd1;
        w_next_ok = c + cfg_interval;
        if (w_beat == wq_len[slot]) begin
          w_beat = 0;
          wq_btime[slot] = c + cfg_bdelay + (cfg_random ? rnd[50:47] : 0);
          wq_wpend = wq_wpend - 1;
        end else begin
          w_beat = w_beat + 1;
        end
      end

      // R for the next cycle: hold a beat that was not taken, else the next due beat
      if (!(s_axi_rvalid && !r_hs)) begin
        if (rq_count > 0 && rq_start[rq_head] <= c + 1 && r_next_ok <= c + 1 && !gap_r) begin
          a = (rq_addr[rq_head] & ~(DataBytes - 64'd1)) + r_beat * DataBytes;
          for (k = 0; k < DataBytes; k = k + 1) data[8*k+:8] = a + k < MemBytes ? mem[a+k] : 8'h00;
          s_axi_rvalid <= 1'b1;
          s_axi_rid <= rq_id[rq_head];
          s_axi_rdata <= data;
          s_axi_rresp <= rq_resp[rq_head];
          s_axi_rlast <= r_beat == rq_len[rq_head];
        end else begin
          s_axi_rvalid <= 1'b0;
          s_axi_rid <= {IdBits{1'b0}};
          s_axi_rdata <= {DataBits{1'b0}};
          s_axi_rresp <= 2'd0;
          s_axi_rlast <= 1'b0;
        end
      end

      // B for the next cycle
      if (!(s_axi_bvalid && !b_hs)) begin
        if (wq_count - wq_wpend > 0 && wq_btime[wq_head] <= c + 1 && !gap_b) begin
          s_axi_bvalid <= 1'b1;
          s_axi_bid <= wq_id[wq_head];
          s_axi_bresp <= wq_resp[wq_head];
        end else begin
          s_axi_bvalid <= 1'b0;
          s_axi_bid <= {IdBits{1'b0}};
          s_axi_bresp <= 2'd0;
        end
      end

      s_axi_arready <= rq_count < QueueDepth && !stall_ar;
      s_axi_awready <= wq_count < QueueDepth && !stall_aw;
      s_axi_wready <= wq_wpend > 0 && w_next_ok <= c + 1 && !stall_w;
      cycle = c + 64'd1;
    end
  end
endmodule
