/**
 * The deterministic timing of testbench/axi_memory_model.sv, written from its
 * header (not from its code), driven by the timing-mode master of
 * testbench/vip/axi_vip_master.sv: the cycle of every handshake. The VIP test
 * compares it with the handshakes the simulators log, so the formulas the header
 * states (and the lead's cycle model uses) are the ones the model obeys.
 *
 * Cycle 0 ends with the first rising edge at which rst_ni is high.
 *   ARREADY(c) = c >= 1 and (read bursts accepted before c whose last R beat was
 *                not accepted before c) < Q
 *   R beat j valid from max(a + L, h[j-1] + I), a its burst's AR handshake
 *   AWREADY(c) = c >= 1 and (write bursts accepted before c without B before c) < Q
 *   WREADY(c)  = c >= 1, a burst accepted before c lacks W beats, c >= w + I
 *   B valid from max(wlast + D, previous B handshake + 1)
 * The master: ARVALID and AWVALID from cycle 1, the next request the cycle after
 * a handshake; a write's W beats from the cycle its AW is valid, back to back;
 * RREADY/BREADY high in cycle c >= 1 unless c % P == P - 1 (P = 0: always).
 */

export interface MemoryTiming {
  /** L: cycles from the AR handshake to the first R beat valid */
  latency: number;
  /** I: at most one R beat and one W beat every I cycles */
  interval: number;
  /** D: cycles from the WLAST handshake to BVALID */
  writeRespDelay: number;
  /** Q: read bursts and write bursts the slave holds */
  queueDepth: number;
  /** RREADY low in the cycles c with c % P == P - 1; 0: always high */
  rreadyPeriod: number;
  breadyPeriod: number;
}

/** Handshake cycles, in order, per channel. */
export interface Handshakes {
  ar: number[];
  r: number[];
  aw: number[];
  w: number[];
  b: number[];
}

const readyIn = (period: number, c: number): boolean => c >= 1 && (period === 0 || c % period !== period - 1);

/**
 * The handshake cycles of `readBeats.length` read bursts and `writeBeats.length`
 * write bursts (beats per burst) under the deterministic memory model.
 */
export function predictHandshakes(readBeats: number[], writeBeats: number[], t: MemoryTiming): Handshakes {
  const out: Handshakes = { ar: [], r: [], aw: [], w: [], b: [] };
  // reads
  let readsDone = 0; // bursts whose last beat was accepted
  let rBeat = 0;
  let lastR = -Infinity;
  // writes
  let wBurst = 0; // the burst whose W beats go now
  let wBeat = 0;
  let lastW = -Infinity;
  let writesWithData = 0; // bursts whose last W beat was accepted
  const wlast: number[] = [];
  let lastB = -Infinity;
  const awValidFrom: number[] = []; // the cycle each AW became valid: its W beats are available from then
  const totalR = readBeats.reduce((a, b) => a + b, 0);
  const totalW = writeBeats.reduce((a, b) => a + b, 0);
  const limit = 1_000_000;
  for (let c = 0; out.r.length < totalR || out.w.length < totalW || out.b.length < writeBeats.length; c++) {
    if (c > limit) throw new Error(`predictHandshakes: no end after ${limit} cycles`);
    // ---- reads: the state before cycle c decides the readies and the valids
    const arReady = c >= 1 && out.ar.length - readsDone < t.queueDepth;
    const arValid = c >= 1 && out.ar.length < readBeats.length;
    const k = readsDone;
    const rValid = k < out.ar.length && out.ar[k] + t.latency <= c && lastR + t.interval <= c;
    if (rValid && readyIn(t.rreadyPeriod, c)) {
      out.r.push(c);
      lastR = c;
      if (++rBeat === readBeats[k]) {
        rBeat = 0;
        readsDone++;
      }
    }
    if (arValid && arReady) out.ar.push(c);

    // ---- writes
    const awReady = c >= 1 && out.aw.length - out.b.length < t.queueDepth;
    const awValid = c >= 1 && out.aw.length < writeBeats.length;
    if (awValid && awValidFrom.length === out.aw.length) awValidFrom.push(c);
    const wReady = c >= 1 && out.aw.length - writesWithData > 0 && lastW + t.interval <= c;
    const wValid = wBurst < awValidFrom.length && awValidFrom[wBurst] <= c;
    const kb = out.b.length;
    const bValid = kb < wlast.length && wlast[kb] + t.writeRespDelay <= c && lastB + 1 <= c;
    if (bValid && readyIn(t.breadyPeriod, c)) {
      out.b.push(c);
      lastB = c;
    }
    if (wValid && wReady) {
      out.w.push(c);
      lastW = c;
      if (++wBeat === writeBeats[wBurst]) {
        wlast.push(c);
        wBeat = 0;
        wBurst++;
        writesWithData++;
      }
    }
    if (awValid && awReady) out.aw.push(c);
  }
  return out;
}
