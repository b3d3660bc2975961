// Helpers of the esptool-js interop test: byte comparison, reproducible
// data, the flash model of a stub write, a terminal that records lines.
import assert from "node:assert/strict";
import crypto from "node:crypto";

export const SECTOR = 0x1000;


export function md5Hex(bytes) {
  return crypto.createHash("md5").update(bytes).digest("hex");
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function hex(n, width = 0) {
  return "0x" + (n >>> 0).toString(16).padStart(width, "0");
}

/** A readable verdict for two byte arrays that should be equal. */
export function describeMismatch(actual, expected, base = 0) {
  if (actual.length !== expected.length) {
    return `length ${actual.length}, expected ${expected.length}`;
  }
  let first = -1;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return null;
  const show = (a) => Buffer.from(a.subarray(first, first + 16)).toString("hex");
  return (
    `${count} byte(s) differ, first at ${hex(base + first)}: ` +
    `got ${show(actual)}, expected ${show(expected)}`
  );
}

export function assertBytesEqual(actual, expected, what, base = 0) {
  const verdict = describeMismatch(actual, expected, base);
  assert.equal(verdict, null, `${what}: ${verdict}`);
}

/** Pseudo-random but reproducible bytes (the seed is printed on failure). */
export function seededBytes(length, seed) {
  const out = new Uint8Array(length);
  let counter = 0;
  let offset = 0;
  while (offset < length) {
    const block = crypto.createHash("sha256").update(`${seed}:${counter++}`).digest();
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/**
 * What the flash must hold after a stub write of `data` at `address`: the
 * stub erases every sector the range touches, then programs the bytes
 * (esp-flasher-stub src/command_handler.c: s_init_flash_operation rounds the
 * erase range to sector boundaries; s_flash_data_post_process writes at most
 * the BEGIN size, so esptool-js's 0xFF padding of the last block is dropped).
 */
export function applyStubWrite(model, address, data) {
  const eraseStart = Math.floor(address / SECTOR) * SECTOR;
  const eraseEnd = Math.ceil((address + data.length) / SECTOR) * SECTOR;
  model.fill(0xff, eraseStart, eraseEnd);
  model.set(data, address);
}

export function makeTerminal() {
  const lines = [];
  let partial = "";
  return {
    lines,
    clean() {},
    write(text) {
      partial += text;
    },
    writeLine(text) {
      lines.push(partial + text);
      partial = "";
    },
    text() {
      return [...lines, partial].join("\n");
    },
  };
}


/** Closes an esptool-js Transport (5 s at most), else drops its socket. */
export async function closeTransport(transport, device) {
  if (!transport) return;
  try {
    await withTimeout(transport.disconnect(), 5000, "disconnect");
  } catch {
    device?.destroy();
  }
}
