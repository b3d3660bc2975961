// The benchmark's ceilings: what the protocol and espsim's timings allow a
// host at best, in the same terms as the measurement (wire-limit time / data
// time), and a rough run-time estimate for --dry-run. Used by bench.mjs and
// report.mjs.
import { MB } from "./scenarios.mjs";

export const wireSeconds = (bytes, baud) => (bytes * 10) / baud;

// ------------------------------------------------------------------ models
//
// Ceilings from the protocol and espsim's timings (docs/espsim.md, fact sheet
// section 8), in the same terms as the measurement (wire-limit time / data
// time), so the tables show how far each tool is from what its protocol
// pattern allows. Random data grows by 2/256 through SLIP escaping.
const SLIP_GROWTH = 1 + 2 / 256;
const FLASH_READ_S_PER_KB = 0.0001; // espsim: SPI read 0.1 ms/KB
const PAGE_PROGRAM_S = 0.0007; // W25Q32 tPP per 256 bytes
const BLOCK_ERASE_S = 0.150; // W25Q32 tBE2, 64 KB

/** Read, host acknowledging each 4096-byte packet after receiving it (esptool, esptool-js): T/(T+2L+read). */
function modelReadLateAck(baud, latencyS) {
  const T = wireSeconds(4096 * SLIP_GROWTH + 2, baud);
  return wireSeconds(4096, baud) / (T + 2 * latencyS + 4 * FLASH_READ_S_PER_KB);
}

/**
 * Read, best any host can do with the shipped stub (one unacknowledged packet,
 * counted in frames): acknowledge as soon as the packet has begun, so the
 * stub waits only when a round trip is longer than a packet. While the
 * stream flows, the flash read of the next packet overlaps the last 128 bytes
 * draining from the UART FIFO; when the stub waits for the acknowledgement
 * it does not.
 */
function modelReadBest(baud, latencyS) {
  const T = wireSeconds(4096 * SLIP_GROWTH + 2, baud);
  const tRead = 4 * FLASH_READ_S_PER_KB;
  const hidden = Math.min(tRead, wireSeconds(128, baud));
  return wireSeconds(4096, baud) / Math.max(T + tRead - hidden, 2 * latencyS + tRead);
}

/**
 * Write of incompressible data in 16 KB FLASH_DATA blocks, the next block sent
 * when the previous reply arrives (esptool, esptool-js). A small event model
 * of espsim's stub: a block is taken (and acknowledged) once it has arrived
 * and the flash finished the previous block; the flash then programs 64 pages
 * (0.7 ms each), erasing the 64 KB block first where the block starts one
 * (the first erase runs from FLASH_BEGIN on).
 */
function modelWriteOneBlock(size, baud, latencyS) {
  const block = 16384;
  const blocks = Math.ceil(size / block);
  const T16 = wireSeconds(block * SLIP_GROWTH + 16 + 2, baud);
  const reply = wireSeconds(14, baud);
  const program = (block / 256) * PAGE_PROGRAM_S;
  let send = 0;
  let flashFree = BLOCK_ERASE_S; // erase of the first 64 KB block started at FLASH_BEGIN
  let replyAtHost = 0;
  for (let k = 0; k < blocks; k++) {
    const arrived = send + T16 + latencyS;
    const taken = Math.max(arrived, flashFree);
    const erase = k > 0 && (k * block) % 65536 === 0 ? BLOCK_ERASE_S : 0;
    flashFree = taken + erase + program;
    replyAtHost = taken + reply + latencyS;
    send = replyAtHost;
  }
  return wireSeconds(size, baud) / replyAtHost;
}

export function modelCeilings(op, size, baud, latencyMs) {
  const L = latencyMs / 1000;
  if (op === "flash_id") return { late: null, best: null }; // no data phase
  if (op === "read") return { late: modelReadLateAck(baud, L), best: modelReadBest(baud, L) };
  const one = modelWriteOneBlock(size, baud, L);
  return { late: one, best: one };
}

/** Rough run time, for --dry-run and progress lines. */
export function estimateSeconds(row, tool) {
  const connect = 1.5;
  if (row.op === "flash_id") return connect + 0.5;
  const wire = wireSeconds(row.size, row.baud);
  const model = modelCeilings(row.op, row.size, row.baud, row.latencyMs);
  let eff = tool === "espbak" ? model.best : model.late;
  if (row.op === "write" && row.image === "typical") eff = 4; // compressible: mostly 0xFF
  // A write is never faster than the flash: page program plus 64 KB erases.
  const flash = row.op === "write" ? (row.size / 256) * PAGE_PROGRAM_S + (row.size / 65536) * BLOCK_ERASE_S : 0;
  const verify = row.op === "write" ? (0.33 * row.size) / MB : 0;
  return connect + Math.max(wire / eff, flash) + verify;
}