// Tests of the breakdown's pure functions on hand-made tap recordings:
//   node --test bench/
// (No espsim, no tools: the sessions are built here, byte by byte.)
import assert from "node:assert/strict";
import test from "node:test";

import { PHASES, breakdownMarkdown, breakdownSession, median, medianBreakdown, phaseOf, topCommandsMarkdown } from "./breakdown.mjs";
import { OP } from "./tap.mjs";

const ms = (x) => BigInt(Math.round(x * 1e6));

/** SLIP-encodes `bytes` into one frame (0xC0 ... 0xC0, with 0xDB escapes). */
function slip(bytes) {
  const out = [0xc0];
  for (const b of bytes) {
    if (b === 0xc0) out.push(0xdb, 0xdc);
    else if (b === 0xdb) out.push(0xdb, 0xdd);
    else out.push(b);
  }
  out.push(0xc0);
  return Buffer.from(out);
}

/** A request packet: direction 0, opcode, 16-bit size, 32-bit checksum, payload. */
const command = (op, payload = [0, 0, 0, 0]) =>
  slip([0x00, op, payload.length & 0xff, payload.length >> 8, 0, 0, 0, 0, ...payload]);
/** A response packet: direction 1, opcode, size 2, value, status 0 0. */
const reply = (op) => slip([0x01, op, 0x02, 0x00, 0, 0, 0, 0, 0, 0]);

function session(events, acceptedMs = 5) {
  return {
    acceptedNs: ms(acceptedMs),
    chunks: events.map(([t, dir, bytes]) => ({ t: ms(t), dir, bytes })),
  };
}

test("every host command's interval goes to its opcode's phase, acknowledgements open none", () => {
  const s = session([
    [10, "h2d", command(OP.SYNC)],
    [12, "d2h", reply(OP.SYNC)],
    [30, "h2d", command(OP.READ_REG)],
    [40, "h2d", command(OP.MEM_BEGIN)],
    [50, "h2d", command(OP.MEM_DATA, [0xc0, 0xdb, 1, 2])], // escaped bytes inside the payload
    [60, "h2d", command(OP.MEM_END)],
    [70, "d2h", slip([0x4f, 0x48, 0x41, 0x49])], // OHAI
    [80, "h2d", command(OP.CHANGE_BAUDRATE)],
    [100, "h2d", command(OP.READ_REG)],
    [120, "h2d", command(OP.SPI_FLASH_MD5)],
    [150, "h2d", command(OP.READ_FLASH)],
    [160, "h2d", slip([0x00, 0x10, 0x00, 0x00])], // the read stream's acknowledgement: no packet
    [170, "d2h", slip(new Array(64).fill(0xaa))],
    [200, "h2d", command(OP.READ_FLASH)],
    [300, "h2d", command(OP.SPI_FLASH_MD5)],
    [310, "d2h", reply(OP.SPI_FLASH_MD5)],
  ]);
  const b = breakdownSession(s, { startNs: ms(0), endNs: ms(320) });
  const near = (phase, expectedMs) =>
    assert.ok(Math.abs(b.seconds[phase] * 1000 - expectedMs) < 1e-6, `${phase}: ${b.seconds[phase] * 1000} ms, expected ${expectedMs}`);
  near("start", 5); // process start to accept
  near("sync", 25); // accept to SYNC (5 ms) and SYNC to the next command (20 ms)
  near("detect", 10);
  near("stub", 40); // MEM_BEGIN to CHANGE_BAUDRATE, the wait for OHAI included
  near("baud", 20);
  near("attach", 20);
  near("survey", 30);
  near("data", 150); // both READ_FLASH intervals; the acknowledgement splits nothing
  near("verify", 10); // the MD5 after the last read, to the last byte
  near("after", 0);
  near("exit", 10);
  assert.ok(Math.abs(b.total - 0.32) < 1e-9);
  assert.deepEqual(
    { sync: b.commands.sync, stub: b.commands.stub, data: b.commands.data, survey: b.commands.survey },
    { sync: 1, stub: 3, data: 2, survey: 1 },
  );
  const sum = Object.values(b.seconds).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(sum - b.total) < 1e-9, "the phases cover the whole command");
});

test("a baud change before the stub upload (in the ROM) is still the baud phase", () => {
  const s = session([
    [10, "h2d", command(OP.SYNC)],
    [20, "h2d", command(OP.READ_REG)],
    [30, "h2d", command(OP.CHANGE_BAUDRATE)],
    [90, "h2d", command(OP.MEM_BEGIN)],
    [100, "d2h", slip([0x4f, 0x48, 0x41, 0x49])],
    [110, "h2d", command(OP.READ_REG)],
    [130, "d2h", reply(OP.READ_REG)],
  ]);
  const b = breakdownSession(s, {});
  assert.ok(Math.abs(b.seconds.baud - 0.06) < 1e-9);
  assert.ok(Math.abs(b.seconds.stub - 0.02) < 1e-9);
  assert.ok(Math.abs(b.seconds.attach - 0.02) < 1e-9);
  assert.equal(b.seconds.start, 0, "no process times given: nothing before the accept");
  assert.equal(b.seconds.exit, 0);
  assert.ok(Math.abs(b.total - 0.125) < 1e-9, "accept to last byte without process times");
});

test("phaseOf: MD5 between reads is data, commands after the last read are 'after'", () => {
  const marks = { ohai: 100n, firstData: 200n, lastData: 400n };
  assert.equal(phaseOf(OP.SPI_FLASH_MD5, 300n, marks), "data");
  assert.equal(phaseOf(OP.SPI_FLASH_MD5, 150n, marks), "survey");
  assert.equal(phaseOf(OP.SPI_FLASH_MD5, 500n, marks), "verify");
  assert.equal(phaseOf(OP.READ_REG, 50n, marks), "detect");
  assert.equal(phaseOf(OP.GET_SECURITY_INFO, 50n, marks), "detect");
  assert.equal(phaseOf(OP.READ_REG, 150n, marks), "attach");
  assert.equal(phaseOf(OP.SPI_ATTACH, 150n, marks), "attach");
  assert.equal(phaseOf(OP.READ_REG, 500n, marks), "after");
  assert.equal(phaseOf(OP.READ_REG, 50n, { ohai: null, firstData: null, lastData: null }), "detect");
});

test("median and medianBreakdown take each phase's median on its own", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([null, 5]), 5);
  assert.equal(median([]), null);
  const one = (data, total) => ({
    seconds: Object.fromEntries(PHASES.map(([k]) => [k, k === "data" ? data : 0])),
    commands: Object.fromEntries(PHASES.map(([k]) => [k, 1])),
    total,
  });
  const m = medianBreakdown([one(10, 12), one(30, 31), one(20, 23)]);
  assert.equal(m.seconds.data, 20);
  assert.equal(m.total, 23);
  assert.equal(m.runs, 3);
  const table = breakdownMarkdown([{ title: "921600 / 1 ms", breakdown: m }]);
  assert.match(table, /\| data \(READ_FLASH commands and their streams\) \| 20\.00 \| 87\.0 % \| 1 \|/);
  assert.match(table, /\*\*whole command\*\* \| \*\*23\.00\*\*/);
});

test("byCommand: time and count per phase and opcode", () => {
  const s = session([
    [10, "h2d", command(OP.SYNC)],
    [20, "h2d", command(OP.GET_SECURITY_INFO)],
    [220, "h2d", command(OP.READ_REG)],
    [230, "h2d", command(OP.READ_REG)],
    [240, "d2h", reply(OP.READ_REG)],
  ]);
  const b = breakdownSession(s);
  assert.equal(b.byCommand["detect GET_SECURITY_INFO"].count, 1);
  assert.ok(Math.abs(b.byCommand["detect GET_SECURITY_INFO"].seconds - 0.2) < 1e-9);
  assert.equal(b.byCommand["detect READ_REG"].count, 2);
  assert.ok(Math.abs(b.byCommand["detect READ_REG"].seconds - 0.02) < 1e-9);
  assert.match(topCommandsMarkdown([{ title: "x", breakdown: b }], 1), /^- x, longest command kinds: detect GET_SECURITY_INFO 0\.20 s \(1x\)$/);
});
