// Interop over the chip's own USB download paths (docs/espsim.md "USB
// download paths"): esptool-js (pinned in package.json) against espsim
// --usb-otg / --usb-jtag-serial over TCP. The adapter reports no USB ids (a
// Web Serial port without usbVendorId/usbProductId), so esptool-js 0.7.0
// decides the path as its esploader.js usesUsbOtg does then: through the
// chip's UARTDEV_BUF_NO helper (targets/esp32s2.js usingUsbOtg, esp32s3.js,
// esp32p4.js usesUsbOtg), as esptool v4 did.
//
// Run: ESPSIM_BIN=build/espsim node --test tests/interop/
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

import { TcpSerialPort } from "./serial-adapter.mjs";
import { EspsimProcess } from "./espsim-process.mjs";
import { CHIPS } from "./chips.mjs";
import { applyStubWrite, assertBytesEqual, closeTransport, makeTerminal, md5Hex, seededBytes, withTimeout } from "./helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceRoot = path.resolve(here, "../..");
const nodeModules = process.env.ESPBAK_NODE_MODULES || path.join(sourceRoot, "node_modules");
const espsimBinary = process.env.ESPSIM_BIN || "";
const USB_RAM_BLOCK = 0x800; // esptool v5.3.1 USB_RAM_BLOCK; espsim refuses larger blocks over OTG

const requireFromModules = createRequire(path.join(nodeModules, "noop.js"));
const esptool = await import(pathToFileURL(requireFromModules.resolve("esptool-js")).href);

function row(chip, revision) {
  const found = CHIPS.find((r) => r.chip === chip && (!revision || (r.simArgs ?? []).includes(revision)));
  assert.ok(found, `no interop row for ${chip} ${revision ?? ""}`);
  return found;
}

/** espsim with `extra` arguments, a fresh flash file, and esptool-js sessions on it. */
function usbBoard(r, extra) {
  const board = { sim: null, dir: null, flashFile: null, session: null };
  board.start = async () => {
    assert.ok(espsimBinary && fs.existsSync(espsimBinary), "ESPSIM_BIN must name the espsim executable");
    board.dir = fs.mkdtempSync(path.join(os.tmpdir(), `espbak-interop-usb-${r.chip}-`));
    board.flashFile = path.join(board.dir, "flash.bin");
    board.sim = new EspsimProcess(espsimBinary, [
      "--chip", r.chip, "--flash-size", r.flashSize, "--flash-file", board.flashFile, "--mac", r.mac,
      "--jedec-id", r.jedecId, "--listen", "tcp:127.0.0.1:0", "--link", "instant", ...(r.simArgs ?? []), ...extra,
    ]);
    await board.sim.start();
  };
  board.open = async () => {
    const device = new TcpSerialPort({ host: board.sim.host, port: board.sim.port });
    const transport = new esptool.Transport(device, false);
    transport.trace = () => {};
    const terminal = makeTerminal();
    const loader = new esptool.ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal });
    board.session = { device, transport, loader, terminal };
    await withTimeout(loader.main("no_reset"), 60000, "main(no_reset)");
    return board.session;
  };
  board.close = async () => {
    if (board.session) await closeTransport(board.session.transport, board.session.device);
    board.session = null;
  };
  board.stop = async () => {
    await board.close().catch(() => {});
    if (board.sim) await board.sim.stop();
    if (board.dir) fs.rmSync(board.dir, { recursive: true, force: true });
  };
  board.context = () => `\n--- esptool-js ---\n${board.session?.terminal.text() ?? ""}\n--- espsim ---\n${board.sim?.stderr ?? ""}`;
  return board;
}

async function writeFlash(loader, model, address, data, compress) {
  await loader.writeFlash({
    fileArray: [{ data, address }],
    flashMode: "keep",
    flashFreq: "keep",
    flashSize: "keep",
    eraseAll: false,
    compress,
    calculateMD5Hash: (image) => md5Hex(image),
  });
  applyStubWrite(model, address, data);
}

for (const r of [row("esp32s2"), row("esp32s3"), row("esp32p4", "1.0"), row("esp32p4", "3.1")]) {
  describe(`esptool-js over USB-OTG: espsim --chip ${r.chip} ${(r.simArgs ?? []).join(" ")} --usb-otg`, { timeout: 120000 }, () => {
    const board = usbBoard(r, ["--usb-otg"]);
    before(() => board.start());
    after(() => board.stop());

    // esptool-js 0.7.0 targets/esp32s3.js has no usesUsbOtg/usingUsbOtg
    // helper (its usesUsbJtagSerial compares UARTDEV_BUF_NO with 3, the OTG
    // value of esptool v4.8.1 esp32s3.py): without a USB PID it keeps
    // 0x1800-byte RAM blocks over OTG, which the ROM cannot take (espsim
    // refuses them). Reported on every run, not failing it.
    const todo = r.chip === "esp32s3" ? "esptool-js 0.7.0 cannot tell OTG on the S3 without a USB PID (see comment)" : false;
    it("detects OTG through UARTDEV_BUF_NO, uploads the stub, writes, reads and hashes in 0x800-byte blocks", { todo }, async () => {
      const { loader, terminal } = await board.open();
      assert.equal(loader.chip.CHIP_NAME, r.chipName, board.context());
      assert.equal(loader.IS_STUB, true, `stub upload in 0x800-byte RAM blocks${board.context()}`);
      assert.equal(loader.ESP_RAM_BLOCK, USB_RAM_BLOCK, "esptool-js postConnect over OTG");
      const flashBytes = Number.parseInt(r.flashSize, 10) * 1024 * 1024;
      const model = new Uint8Array(flashBytes).fill(0xff);
      const data = seededBytes(64 * 1024, `${r.chip}-otg`);
      await withTimeout(writeFlash(loader, model, 0x10000, data, true), 60000, "compressed writeFlash");
      assert.equal(loader.FLASH_WRITE_SIZE, USB_RAM_BLOCK, "applyUsbFlashWriteSize over OTG");
      assert.match(terminal.text(), /Hash of data verified\./);
      const plain = seededBytes(5000, `${r.chip}-otg-plain`);
      await withTimeout(writeFlash(loader, model, 0x30000, plain, false), 60000, "uncompressed writeFlash");
      assertBytesEqual(new Uint8Array(fs.readFileSync(board.flashFile)), model, "flash file after the writes");
      const back = await withTimeout(loader.readFlash(0x10000, data.length), 60000, "readFlash");
      assertBytesEqual(back, data, "readFlash", 0x10000);
      assert.equal(await loader.flashMd5sum(0x30000, plain.length), md5Hex(plain));
      assert.doesNotMatch(board.sim.stderr, /USB device left the bus/);
    });
  });
}

// USB-Serial/JTAG, where the RTC watchdog outlives the USB reset (esptool
// disable_watchdogs). esptool-js 0.7.0 disables it only on the P4, whose
// target reads UARTDEV_BUF_NO (targets/esp32p4.js postConnect,
// disableWatchdogs); its C3 target has no such helper, so without a USB PID
// it leaves the watchdog running, as esptool v5.3.1 does without one
// (uses_usb_jtag_serial is VID/PID only). Then the watchdog's system reset
// takes the port away (espsim drops the TCP client and refuses connections
// for --usb-reenumerate-ms), and a new session finds the chip again.
describe("esptool-js over USB-Serial/JTAG: the watchdog and the port going away", { timeout: 120000 }, () => {
  it("the P4 session disables the watchdog and outlives it", async () => {
    const board = usbBoard(row("esp32p4", "3.1"), ["--usb-jtag-serial", "--usb-jtag-wdt-ms", "1000"]);
    await board.start();
    try {
      const { loader } = await board.open();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const back = await withTimeout(loader.readFlash(0, 0x1000), 20000, "readFlash after the watchdog's time");
      assert.equal(back.length, 0x1000);
      assert.doesNotMatch(board.sim.stderr, /USB device left the bus/, board.context());
    } finally {
      await board.stop();
    }
  });

  it("the C3's watchdog resets the chip, the port vanishes and comes back", async () => {
    // 3 s: main() (sync, stub upload) is done well before the watchdog fires.
    const board = usbBoard(row("esp32c3"), ["--usb-jtag-serial", "--usb-jtag-wdt-ms", "3000", "--usb-reenumerate-ms", "400"]);
    await board.start();
    try {
      const opened = performance.now();
      const { loader } = await board.open();
      assert.ok(performance.now() - opened < 3000, "main() outlasted the watchdog");
      await new Promise((resolve) => setTimeout(resolve, 3500 - (performance.now() - opened)));
      await assert.rejects(withTimeout(loader.readFlash(0, 0x1000), 20000, "readFlash on the vanished port"));
      assert.match(board.sim.stderr, /USB device left the bus/, board.context());
      await board.close().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.match(board.sim.stderr, /USB device back/, board.context());
      const again = await board.open();
      assert.equal(again.loader.chip.CHIP_NAME, "ESP32-C3");
      assert.equal(again.loader.IS_STUB, true);
    } finally {
      await board.stop();
    }
  });
});
