// A passive TCP tap between a flasher (espbak or esptool-js) and espsim.
//
// The flasher connects to the tap; the tap connects to espsim and copies
// bytes both ways unchanged, recording only (arrival time, direction, chunk).
// After the run, `analyseSession` splits the recorded SLIP traffic into
// phases. Both tools are measured at the same point, the TCP boundary of the
// simulated serial line, so neither tool's own clock or report is trusted.
//
// Cost: one extra loopback hop per direction (tens of microseconds), and no
// parsing while bytes flow (the chunks are parsed after the session).
import net from "node:net";

const nowNs = () => process.hrtime.bigint();

export class Tap {
  /** @param {{host: string, port: number}} target espsim's TCP endpoint */
  constructor(target) {
    this.target = target;
    this.server = null;
    this.port = null;
    /** One entry per accepted connection: {acceptedNs, closedNs, chunks: [{t, dir, bytes}]} */
    this.sessions = [];
    this._open = new Set();
  }

  async listen() {
    this.server = net.createServer((client) => this._accept(client));
    await new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    this.port = this.server.address().port;
    return this.port;
  }

  _accept(client) {
    const session = { acceptedNs: nowNs(), closedNs: null, chunks: [] };
    this.sessions.push(session);
    client.setNoDelay(true);
    client.pause();
    const upstream = net.createConnection({ host: this.target.host, port: this.target.port });
    upstream.setNoDelay(true);
    this._open.add(client);
    this._open.add(upstream);
    const close = () => {
      if (session.closedNs === null) session.closedNs = nowNs();
      client.destroy();
      upstream.destroy();
      this._open.delete(client);
      this._open.delete(upstream);
    };
    upstream.once("connect", () => client.resume());
    client.on("data", (buf) => {
      session.chunks.push({ t: nowNs(), dir: "h2d", bytes: buf });
      upstream.write(buf);
    });
    upstream.on("data", (buf) => {
      session.chunks.push({ t: nowNs(), dir: "d2h", bytes: buf });
      client.write(buf);
    });
    for (const s of [client, upstream]) {
      s.on("end", close);
      s.on("close", close);
      s.on("error", close);
    }
  }

  async close() {
    for (const s of this._open) s.destroy();
    this._open.clear();
    if (this.server) await new Promise((resolve) => this.server.close(() => resolve()));
    this.server = null;
  }
}

// ------------------------------------------------------------- SLIP framing

/**
 * Splits one direction's chunks into SLIP frames. Each frame:
 * {start: ns of the chunk holding its first byte, end: ns of the chunk holding
 *  its closing 0xC0, data: decoded bytes (only the first `keep` bytes), length}
 */
export function framesOf(chunks, dir, keep = 16) {
  const frames = [];
  let inFrame = false;
  let escape = false;
  let current = null;
  for (const chunk of chunks) {
    if (chunk.dir !== dir) continue;
    const bytes = chunk.bytes;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0xc0) {
        if (inFrame && current.length > 0) {
          current.end = chunk.t;
          frames.push(current);
          current = null;
          inFrame = false;
          continue;
        }
        // opening delimiter (or an empty frame between two delimiters)
        inFrame = true;
        escape = false;
        current = { start: chunk.t, end: null, head: [], length: 0 };
        continue;
      }
      if (!inFrame) continue; // noise outside frames (boot log)
      let value = b;
      if (escape) {
        value = b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b;
        escape = false;
      } else if (b === 0xdb) {
        escape = true;
        continue;
      }
      if (current.length < keep) current.head.push(value);
      current.length++;
    }
  }
  return frames;
}

const u16 = (h, i) => h[i] | (h[i + 1] << 8);

/** A command (host) or response (device) packet: 8-byte header whose size field matches. */
export function packetOf(frame, direction) {
  const h = frame.head;
  if (frame.length < 8 || h[0] !== direction) return null;
  if (frame.length !== 8 + u16(h, 2)) return null;
  return { op: h[1] };
}

// Opcodes: esptool v5.3.1 esptool/loader.py, ESPLoader.ESP_CMDS (READ_FLASH 0xD2
// is one of the stub-only commands).
export const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  READ_FLASH: 0xd2,
};

export const OHAI = [0x4f, 0x48, 0x41, 0x49];

/**
 * Phases of one flasher session, in seconds from the TCP accept:
 *   connect   accept -> first host frame after the stub runs (OHAI) and,
 *             if the baud changes, after the CHANGE_BAUDRATE reply: reset,
 *             sync, chip detection, stub upload, baud change (and the tool's
 *             settle pauses)
 *   op        connect end -> last byte exchanged (flash id, attach, host-side
 *             compression, erase, data, verification)
 *   data      first READ_FLASH / FLASH_BEGIN / FLASH_DEFL_BEGIN command ->
 *             read: last device frame; write: reply to the last data block
 *   finish    data end -> last byte exchanged (write: MD5 verification, END)
 * Returns null fields where the traffic lacks the marker (e.g. a failed run).
 */
export function analyseSession(session, kind) {
  const h2d = framesOf(session.chunks, "h2d");
  const d2h = framesOf(session.chunks, "d2h");
  const t0 = session.acceptedNs;
  const sec = (ns) => (ns === null || ns === undefined ? null : Number(ns - t0) / 1e9);

  const ohai = d2h.find((f) => f.length === 4 && OHAI.every((v, i) => f.head[i] === v));
  const baudReply = d2h.find((f) => packetOf(f, 0x01)?.op === OP.CHANGE_BAUDRATE);
  let setupDone = ohai ? ohai.end : null;
  if (baudReply && (setupDone === null || baudReply.end > setupDone)) setupDone = baudReply.end;
  const opStartFrame = setupDone === null ? null : h2d.find((f) => f.start > setupDone);
  const connectEnd = opStartFrame ? opStartFrame.start : setupDone;

  const startOps = kind === "read" ? [OP.READ_FLASH] : [OP.FLASH_BEGIN, OP.FLASH_DEFL_BEGIN];
  const dataStartFrame = h2d.find((f) => startOps.includes(packetOf(f, 0x00)?.op));
  let dataEnd = null;
  if (dataStartFrame) {
    if (kind === "read") {
      // The last raw (non-packet) frame from the device: the final MD5 frame.
      for (const f of d2h) if (f.start >= dataStartFrame.start && !packetOf(f, 0x01)) dataEnd = f.end;
    } else {
      for (const f of d2h) {
        const op = packetOf(f, 0x01)?.op;
        if (op === OP.FLASH_DATA || op === OP.FLASH_DEFL_DATA) dataEnd = f.end;
      }
    }
  }
  const dataCommands = h2d.filter((f) => {
    const op = packetOf(f, 0x00)?.op;
    return op === OP.FLASH_DATA || op === OP.FLASH_DEFL_DATA;
  });
  let lastByte = null;
  for (const c of session.chunks) if (lastByte === null || c.t > lastByte) lastByte = c.t;
  const bytes = { h2d: 0, d2h: 0 };
  for (const c of session.chunks) bytes[c.dir] += c.bytes.length;

  // Host turnaround: from the end of a data frame (read) or of a data-block
  // reply (write), as the tap saw it, to the start of the host's first frame
  // begun after that frame began. It is what the tool itself adds to every
  // round trip (median, ms); negative = the tool answered before the frame
  // ended (an early acknowledgement, or the next block already on its way).
  const turnarounds = [];
  if (dataStartFrame) {
    const triggers = d2h.filter((f) => {
      if (f.start < dataStartFrame.start) return false;
      if (kind === "read") return !packetOf(f, 0x01) && f.length > 16;
      const op = packetOf(f, 0x01)?.op;
      return op === OP.FLASH_DATA || op === OP.FLASH_DEFL_DATA;
    });
    let j = 0;
    for (const f of triggers) {
      while (j < h2d.length && h2d[j].start < f.start) j++;
      if (j >= h2d.length) break;
      turnarounds.push(Number(h2d[j].start - f.end) / 1e6);
    }
  }
  turnarounds.sort((a, b) => a - b);
  const median = turnarounds.length ? turnarounds[Math.floor(turnarounds.length / 2)] : null;

  // Bytes each way inside the data phase (chunk arrival times), for the line
  // utilisation: how busy the wire was, SLIP escapes and headers included.
  const dataBytes = { h2d: 0, d2h: 0 };
  if (dataStartFrame && dataEnd !== null)
    for (const c of session.chunks) if (c.t >= dataStartFrame.start && c.t <= dataEnd) dataBytes[c.dir] += c.bytes.length;

  const connect = sec(connectEnd);
  const end = sec(lastByte);
  const dataStart = dataStartFrame ? sec(dataStartFrame.start) : null;
  const dataStop = sec(dataEnd);
  return {
    connect,
    op: connect !== null && end !== null ? end - connect : null,
    data: dataStart !== null && dataStop !== null ? dataStop - dataStart : null,
    finish: dataStop !== null && end !== null ? end - dataStop : null,
    prep: connect !== null && dataStart !== null ? dataStart - connect : null,
    session: end,
    bytesToDevice: bytes.h2d,
    bytesFromDevice: bytes.d2h,
    dataBlocks: dataCommands.length,
    dataBytesToDevice: dataBytes.h2d,
    hostTurnaroundMs: median,
    dataBytesFromDevice: dataBytes.d2h,
  };
}
