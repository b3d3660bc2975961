// Interop test: Espressif's own flasher (the esptool-js npm package, pinned in
// package.json) drives espsim over TCP, for every chip espsim simulates.
//
// Environment:
//   ESPSIM_BIN            path of the espsim executable (required)
//   ESPBAK_NODE_MODULES   node_modules holding esptool-js (default: ../../node_modules)
//   ESPBAK_INTEROP_TRACE  1: esptool-js packet trace on stdout
//   ESPBAK_INTEROP_KEEP   1: keep the temporary flash files
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
import {
  SECTOR,
  applyStubWrite,
  assertBytesEqual,
  closeTransport,
  hex,
  makeTerminal,
  md5Hex,
  seededBytes,
  withTimeout,
} from "./helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceRoot = path.resolve(here, "../..");
const nodeModules = process.env.ESPBAK_NODE_MODULES || path.join(sourceRoot, "node_modules");
const espsimBinary = process.env.ESPSIM_BIN || "";
const tracing = process.env.ESPBAK_INTEROP_TRACE === "1";
const keepFiles = process.env.ESPBAK_INTEROP_KEEP === "1";

const ROM_BAUD = 115200;
const STUB_BAUD = 460800; // second session: exercises CHANGE_BAUDRATE on the stub


// ---------------------------------------------------------------- esptool-js

function loadPinnedVersion() {
  const manifest = JSON.parse(fs.readFileSync(path.join(sourceRoot, "package.json"), "utf8"));
  return manifest.dependencies?.["esptool-js"];
}

async function loadEsptoolJs() {
  const requireFromModules = createRequire(path.join(nodeModules, "noop.js"));
  let entry;
  let manifestPath;
  try {
    entry = requireFromModules.resolve("esptool-js");
    manifestPath = requireFromModules.resolve("esptool-js/package.json");
  } catch (err) {
    throw new Error(`esptool-js not found under ${nodeModules} (run npm ci in ${sourceRoot}): ${err.message}`);
  }
  const installed = JSON.parse(fs.readFileSync(manifestPath, "utf8")).version;
  const pinned = loadPinnedVersion();
  if (pinned && installed !== pinned) {
    throw new Error(`esptool-js ${installed} is installed but package.json pins ${pinned} (run npm ci)`);
  }
  const module = await import(pathToFileURL(entry).href);
  return { ...module, version: installed };
}

// ---------------------------------------------------------------- the test

const esptool = await loadEsptoolJs();

for (const row of CHIPS) {
  const simArgs = row.simArgs ?? [];
  describe(`esptool-js ${esptool.version} vs espsim --chip ${[row.chip, ...simArgs].join(" ")}`, { timeout: 240000 }, () => {
    const flashBytes = Number.parseInt(row.flashSize, 10) * 1024 * 1024;
    const expectedJedec = Number.parseInt(row.jedecId, 16);
    let tempDir;
    let flashFile;
    let sim;
    let session = null;
    let model; // what the flash must hold, byte for byte
    const timings = [];

    const context = () =>
      `\n--- esptool-js terminal (last 40 lines) ---\n${session?.terminal.lines.slice(-40).join("\n") ?? "(no session)"}` +
      `\n--- transport trace (last 20) ---\n${session?.traceTail.slice(-20).join("\n") ?? ""}` +
      `\n--- espsim stderr (tail) ---\n${sim?.stderr.slice(-3000) ?? ""}` +
      `\n--- espsim ${sim?.running ? "running" : `exited ${JSON.stringify(sim?.exit)}`}: ${sim?.commandLine ?? ""}`;

    /** Runs one step, adding the session's context to any failure. */
    async function step(name, ms, body) {
      const started = performance.now();
      try {
        return await withTimeout(Promise.resolve().then(body), ms, name);
      } catch (err) {
        err.message = `${name}: ${err.message}${context()}`;
        throw err;
      } finally {
        timings.push(`${name}: ${((performance.now() - started) / 1000).toFixed(2)} s`);
      }
    }

    async function openSession(baudrate) {
      const device = new TcpSerialPort({ host: sim.host, port: sim.port });
      const transport = new esptool.Transport(device, tracing);
      const traceTail = [];
      if (!tracing) {
        // Transport logs a few lines unconditionally (readLoop, flash size);
        // keep them for failure reports instead of printing them.
        transport.trace = (message) => {
          traceTail.push(message);
          if (traceTail.length > 200) traceTail.shift();
        };
      }
      const terminal = makeTerminal();
      const loader = new esptool.ESPLoader({
        transport,
        baudrate,
        romBaudrate: ROM_BAUD,
        terminal,
        debugLogging: tracing,
      });
      session = { device, transport, loader, terminal, traceTail, description: null };
      // TCP has no DTR/RTS: esptool-js's "no_reset" mode only syncs.
      session.description = await loader.main("no_reset");
      return session;
    }

    async function closeSession() {
      const current = session;
      if (!current) return;
      await closeTransport(current.transport, current.device);
    }

    function readFlashFile() {
      return new Uint8Array(fs.readFileSync(flashFile));
    }

    function assertFlashFileMatchesModel(what) {
      const actual = readFlashFile();
      assertBytesEqual(actual, model, `flash file after ${what}`);
    }

    async function writeFlash(address, data, compress) {
      await session.loader.writeFlash({
        fileArray: [{ data, address }],
        flashMode: "keep",
        flashFreq: "keep",
        flashSize: "keep",
        eraseAll: false,
        compress,
        // esptool-js compares this with the stub's SPI_FLASH_MD5 after writing
        calculateMD5Hash: (image) => md5Hex(image),
      });
      applyStubWrite(model, address, data);
    }

    before(async () => {
      assert.ok(espsimBinary, "ESPSIM_BIN is not set: it must name the espsim executable");
      assert.ok(fs.existsSync(espsimBinary), `ESPSIM_BIN=${espsimBinary} does not exist`);
      tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `espbak-interop-${row.chip}-`));
      flashFile = path.join(tempDir, "flash.bin");
      model = new Uint8Array(flashBytes).fill(0xff);
      sim = new EspsimProcess(espsimBinary, [
        "--chip", row.chip,
        "--flash-size", row.flashSize,
        "--flash-file", flashFile,
        "--mac", row.mac,
        "--jedec-id", row.jedecId,
        "--listen", "tcp:127.0.0.1:0",
        "--link", "instant",
        ...simArgs,
      ]);
      await sim.start();
    });

    after(async (t) => {
      await closeSession();
      const exit = sim ? await sim.stop() : null;
      if (tempDir && !keepFiles) fs.rmSync(tempDir, { recursive: true, force: true });
      const summary = `${row.chip} timings: ${timings.join("; ")}; espsim exit ${JSON.stringify(exit)}`;
      t?.diagnostic?.(summary);
      if (process.env.ESPBAK_INTEROP_VERBOSE === "1") console.log(summary);
    });

    it("creates the flash file 0xFF-filled at the requested size", () => {
      const contents = readFlashFile();
      assert.equal(contents.length, flashBytes, "flash file size");
      assertBytesEqual(contents, model, "fresh flash file");
    });

    it("connects, detects the chip and runs the stub (ESPLoader.main)", async () => {
      await step("main(no_reset)", 60000, () => openSession(ROM_BAUD));
      const { loader, terminal } = session;
      assert.equal(loader.chip.CHIP_NAME, row.chipName, "detected chip");
      assert.match(session.description, row.description, "chip description");
      assert.equal(loader.IS_STUB, true, "the stub runs after main()");
      assert.equal(loader.syncStubDetected, false, "a fresh connection syncs with the ROM, not the stub");
      const text = terminal.text();
      assert.match(text, /Uploading stub\.\.\.[\s\S]*Stub running\.\.\./, "stub upload reported");
      assert.doesNotMatch(text, /Autodetection failed/, "chip detection needed a second connection");
      assert.doesNotMatch(text, /WARNING/, "esptool-js printed a warning");
      assert.match(text, row.crystal ?? /Crystal is (26|40)MHz/, "crystal frequency");
    });

    it("reports the MAC given to espsim", async () => {
      assert.ok(session, "no session (connect failed)");
      const mac = await step("readMac", 10000, () => session.loader.chip.readMac(session.loader));
      assert.equal(mac, row.mac);
    });

    function assertFlashId(flashId) {
      const manufacturer = flashId & 0xff;
      const device = (((flashId >> 8) & 0xff) << 8) | ((flashId >> 16) & 0xff);
      assert.equal(hex(manufacturer, 2), hex(expectedJedec >> 16, 2), "manufacturer");
      assert.equal(hex(device, 4), hex(expectedJedec & 0xffff, 4), "device");
    }

    // esptool-js 0.7.0 cannot read the ESP8266's flash id on its own: its
    // ESP8266 target sets SPI_MOSI_DLEN_OFFS = SPI_MISO_DLEN_OFFS = 0 ("not in
    // esp8266") and runSpiflashCommand tests `!= null`, so it writes the MISO
    // length (23) into SPI_CMD (base + 0) and never sets USR1's MISO bit
    // length. esptool (targets/esp8266.py: both offsets None) writes
    // USR1 = 23 << 8 instead. What the real chip then returns depends on the
    // USR1 value left behind, which no source we have states.
    it(
      "reads the flash id with esptool-js's own register sequence",
      { todo: row.chip === "esp8266" ? "esptool-js 0.7.0 never sets USR1 on ESP8266 (see comment)" : false },
      async () => {
        assert.ok(session, "no session (connect failed)");
        const flashId = await step("readFlashId", 10000, () => session.loader.readFlashId());
        assertFlashId(flashId);
      },
    );

    it("reads the flash id given with --jedec-id (through the stub)", async () => {
      assert.ok(session, "no session (connect failed)");
      const { loader, terminal } = session;
      if (row.chip === "esp8266") {
        // What esptool's run_spiflash_command writes on the ESP8266 for a
        // 24-bit read (USR1: MISO bit length - 1 at bit 8), which esptool-js
        // leaves out (see above); the rest of the sequence is esptool-js's.
        await step("writeReg USR1", 10000, () =>
          loader.writeReg(loader.chip.SPI_REG_BASE + loader.chip.SPI_USR1_OFFS, (24 - 1) << 8),
        );
      }
      const flashId = await step("readFlashId", 10000, () => loader.readFlashId());
      assertFlashId(flashId);
      await step("flashId", 10000, () => loader.flashId());
      assert.ok(
        terminal.lines.includes(`Detected flash size: ${row.flashSize}`),
        `flashId() reported: ${terminal.lines.filter((l) => /Manufacturer|Device|Detected/.test(l)).join(" | ")}`,
      );
    });

    it("writes 256 KB compressed (MD5 checked by esptool-js through the stub)", async () => {
      assert.ok(session, "no session (connect failed)");
      const data = seededBytes(256 * 1024, `${row.chip}-random`);
      await step("writeFlash compressed 256 KB", 60000, () => writeFlash(0x10000, data, true));
      assert.match(session.terminal.text(), /Hash of data verified\./);
      assertFlashFileMatchesModel("compressed write");
    });

    it("writes uncompressed data whose end is inside a sector of earlier data", async () => {
      assert.ok(session, "no session (connect failed)");
      // 10000 bytes: the last 16 KB block esptool-js sends is padded with 0xFF;
      // the stub must drop the padding and leave the sector after the erased
      // range (0x23000..) untouched.
      const data = seededBytes(10000, `${row.chip}-plain`);
      await step("writeFlash uncompressed 10000 B", 30000, () => writeFlash(0x20000, data, false));
      assertFlashFileMatchesModel("uncompressed write");
    });

    it("writes compressible data over part of a sector (erase granularity)", async () => {
      assert.ok(session, "no session (connect failed)");
      const data = new Uint8Array(6000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
      await step("writeFlash compressed 6000 B", 30000, () => writeFlash(0x13000, data, true));
      assertFlashFileMatchesModel("partial-sector compressed write");
    });

    it("reads back what was written (READ_FLASH through the stub)", async () => {
      assert.ok(session, "no session (connect failed)");
      const start = 0x10000;
      const length = 0x40000;
      const data = await step("readFlash 256 KB", 60000, () => session.loader.readFlash(start, length));
      assertBytesEqual(data, model.subarray(start, start + length), "readFlash", start);
      // An unaligned, odd-sized read: the stub aligns flash reads internally.
      const oddStart = 0x13000 + 5;
      const odd = await step("readFlash 1001 B unaligned", 10000, () => session.loader.readFlash(oddStart, 1001));
      assertBytesEqual(odd, model.subarray(oddStart, oddStart + 1001), "unaligned readFlash", oddStart);
    });

    it("computes MD5 of a region like node:crypto (SPI_FLASH_MD5 through the stub)", async () => {
      assert.ok(session, "no session (connect failed)");
      const start = 0x10000 + 123;
      const length = 100001;
      const md5 = await step("flashMd5sum", 10000, () => session.loader.flashMd5sum(start, length));
      assert.equal(md5, md5Hex(model.subarray(start, start + length)));
      const whole = await step("flashMd5sum whole flash", 30000, () => session.loader.flashMd5sum(0, flashBytes));
      assert.equal(whole, md5Hex(model), "MD5 of the whole flash");
    });

    it("starts a new connection in the ROM, changes baud on the stub, keeps the flash", async () => {
      assert.ok(session, "no session (connect failed)");
      await step("disconnect", 10000, () => closeSession());
      session = null;
      await step(`main(no_reset) at ${STUB_BAUD}`, 60000, () => openSession(STUB_BAUD));
      const { loader, terminal, device } = session;
      assert.equal(loader.chip.CHIP_NAME, row.chipName);
      assert.equal(loader.syncStubDetected, false, "new connection must start in the ROM's download mode");
      const text = terminal.text();
      assert.match(text, /Uploading stub\.\.\./);
      assert.match(text, new RegExp(`Changing baudrate to ${STUB_BAUD}`));
      assert.doesNotMatch(text, /Continuing at \d+ baud/, "esptool-js gave up on the new baud rate");
      assert.ok(device.baudLog.includes(STUB_BAUD), `host baud changes: ${device.baudLog}`);
      const start = 0x10000;
      const data = await step("readFlash after reconnect", 60000, () => loader.readFlash(start, 0x40000));
      assertBytesEqual(data, model.subarray(start, start + 0x40000), "readFlash after reconnect", start);
    });

    it("erases the whole flash (ERASE_FLASH through the stub)", async () => {
      assert.ok(session, "no session (connect failed)");
      await step("eraseFlash", 60000, () => session.loader.eraseFlash());
      model.fill(0xff);
      const contents = readFlashFile();
      assert.equal(contents.length, flashBytes, "flash file size after erase");
      assertBytesEqual(contents, model, "flash file after eraseFlash");
      const md5 = await step("flashMd5sum after erase", 10000, () => session.loader.flashMd5sum(0x10000, 0x40000));
      assert.equal(md5, md5Hex(model.subarray(0x10000, 0x50000)), "MD5 after erase");
      const data = await step("readFlash after erase", 10000, () => session.loader.readFlash(0x10000, 0x2000));
      assertBytesEqual(data, model.subarray(0x10000, 0x12000), "readFlash after erase", 0x10000);
    });
  });
}

// Secure Download Mode (ESP32-S3): esptool-js must detect the chip from
// GET_SECURITY_INFO, see the SECURE_DOWNLOAD_ENABLE flag, skip the stub and
// write with ROM commands (FLASH_BEGIN/FLASH_DATA, uncompressed: espsim
// refuses FLASH_DEFL_* in the mode, docs/espsim.md).
describe(`esptool-js ${esptool.version} vs espsim --chip esp32s3 --secure-download-mode`, { timeout: 120000 }, () => {
  let tempDir;
  let flashFile;
  let sim;
  let device;
  let transport;

  before(async () => {
    assert.ok(espsimBinary && fs.existsSync(espsimBinary), "ESPSIM_BIN must name the espsim executable");
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "espbak-interop-sdm-"));
    flashFile = path.join(tempDir, "flash.bin");
    sim = new EspsimProcess(espsimBinary, [
      "--chip", "esp32s3", "--flash-size", "2MB", "--flash-file", flashFile,
      "--listen", "tcp:127.0.0.1:0", "--link", "instant", "--secure-download-mode",
    ]);
    await sim.start();
  });

  after(async () => {
    await closeTransport(transport, device);
    if (sim) await sim.stop();
    if (tempDir && !keepFiles) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it("detects the S3 in Secure Download Mode, skips the stub and writes without it", async () => {
    device = new TcpSerialPort({ host: sim.host, port: sim.port });
    transport = new esptool.Transport(device, tracing);
    if (!tracing) transport.trace = () => {};
    const terminal = makeTerminal();
    const loader = new esptool.ESPLoader({ transport, baudrate: ROM_BAUD, romBaudrate: ROM_BAUD, terminal });
    await withTimeout(loader.main("no_reset"), 60000, "main(no_reset) in SDM");
    const text = terminal.text();
    assert.equal(loader.chip.CHIP_NAME, "ESP32-S3", "detected chip");
    assert.equal(loader.secureDownloadMode, true, "secure download mode flag");
    assert.match(text, /Stub flasher is not supported in Secure Download Mode/);
    assert.doesNotMatch(text, /Uploading stub/);
    assert.equal(loader.IS_STUB, false, "still the ROM loader");

    const data = seededBytes(5000, "esp32s3-sdm");
    await withTimeout(
      loader.writeFlash({
        fileArray: [{ data, address: 0x8000 }],
        flashMode: "keep",
        flashFreq: "keep",
        flashSize: "keep",
        eraseAll: false,
        compress: false,
      }),
      60000,
      "writeFlash in SDM",
    );
    const flash = new Uint8Array(fs.readFileSync(flashFile));
    assertBytesEqual(flash.subarray(0x8000, 0x8000 + data.length), data, "flash after the SDM write", 0x8000);
  });
});

// ESP32-H21: esptool-js 0.7.0 has no stub for it (lib/stubFlasher.js: "No
// stub is published in esptool stub_flasher/2 yet"), so runStub() prints
// "Stub flasher is not yet supported on ESP32-H21, it has been disabled."
// and everything after runs on espsim's ROM loader: detection by chip id
// 25, RDID through READ_REG / WRITE_REG, writes with FLASH_BEGIN / DATA and
// FLASH_DEFL_BEGIN / DATA (no FLASH_END: esptool-js sends it only to the
// stub), SPI_FLASH_MD5 in its ROM form. Left out: readFlash and eraseFlash,
// which esptool-js sends only as the stub commands READ_FLASH (0xD2) and
// ERASE_FLASH (0xD0); it has no READ_FLASH_SLOW path.
describe(`esptool-js ${esptool.version} vs espsim --chip esp32h21 (ROM loader only)`, { timeout: 120000 }, () => {
  const flashBytes = 2 * 1024 * 1024;
  const mac = "60:55:f9:12:34:59";
  let tempDir;
  let flashFile;
  let sim;
  let device;
  let transport;
  let loader;
  let terminal;
  let model;

  before(async () => {
    assert.ok(espsimBinary && fs.existsSync(espsimBinary), "ESPSIM_BIN must name the espsim executable");
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "espbak-interop-h21-"));
    flashFile = path.join(tempDir, "flash.bin");
    model = new Uint8Array(flashBytes).fill(0xff);
    sim = new EspsimProcess(espsimBinary, [
      "--chip", "esp32h21", "--flash-size", "2MB", "--flash-file", flashFile, "--mac", mac,
      "--jedec-id", "EF4015", "--listen", "tcp:127.0.0.1:0", "--link", "instant",
    ]);
    await sim.start();
  });

  after(async () => {
    await closeTransport(transport, device);
    if (sim) await sim.stop();
    if (tempDir && !keepFiles) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it("detects the H21, skips the stub it has none of and reads MAC and flash id from the ROM", async () => {
    device = new TcpSerialPort({ host: sim.host, port: sim.port });
    transport = new esptool.Transport(device, tracing);
    if (!tracing) transport.trace = () => {};
    terminal = makeTerminal();
    loader = new esptool.ESPLoader({ transport, baudrate: ROM_BAUD, romBaudrate: ROM_BAUD, terminal });
    const description = await withTimeout(loader.main("no_reset"), 60000, "main(no_reset) on the H21");
    const text = terminal.text();
    assert.equal(loader.chip.CHIP_NAME, "ESP32-H21", "detected chip");
    // targets/esp32h21.js: esptool v5.3.1's word 5 positions, the same text.
    assert.equal(description, "ESP32-H21 (revision v0.1)");
    assert.match(text, /Stub flasher is not yet supported on ESP32-H21, it has been disabled\./);
    assert.doesNotMatch(text, /Uploading stub/);
    assert.equal(loader.IS_STUB, false, "still the ROM loader");
    assert.match(text, /Crystal is 32MHz/);
    assert.equal(await withTimeout(loader.chip.readMac(loader), 10000, "readMac"), mac);
    // esptool-js 0.7.0 main() reads the flash id without attaching the flash
    // first (esploader.js main: readFlashId, no flashSpiAttach anywhere), and
    // the H21 ROM does not attach it at boot (esptool v5.3.1
    // test_esptool.py test_attach_flash skips only the S2 and P4), so no
    // device answers: esptool-js's reading, all ones and its warning.
    // esptool attaches first (cmds.py attach_flash: SPI_ATTACH on the ROM).
    assert.match(text, /Flash ID: ffffff/);
    assert.match(text, /Failed to communicate with the flash chip/);
    await withTimeout(loader.flashSpiAttach(0), 10000, "flashSpiAttach");
    const flashId = await withTimeout(loader.readFlashId(), 10000, "readFlashId");
    assert.equal(hex(flashId & 0xffffff, 6), "0x1540ef", "RDID: manufacturer ef, device 4015");
  });

  it("writes through the ROM, compressed and not, and the flash file holds the data", async () => {
    assert.ok(loader, "no session (connect failed)");
    const packed = seededBytes(20000, "esp32h21-rom-deflate");
    const plain = seededBytes(5000, "esp32h21-rom-plain");
    for (const [address, data, compress] of [[0x10000, packed, true], [0x20000, plain, false]]) {
      await withTimeout(
        loader.writeFlash({
          fileArray: [{ data, address }],
          flashMode: "keep",
          flashFreq: "keep",
          flashSize: "keep",
          eraseAll: false,
          compress,
        }),
        60000,
        `writeFlash at ${hex(address)} on the ROM`,
      );
      // The ROM's FLASH_BEGIN erases the sectors the range touches; the 0xFF
      // padding of the last uncompressed block programs nothing.
      applyStubWrite(model, address, data);
    }
    assertBytesEqual(new Uint8Array(fs.readFileSync(flashFile)), model, "flash file after the ROM writes");
  });

  it("reads the ROM's SPI_FLASH_MD5 the way esptool-js 0.7.0 does", async () => {
    assert.ok(loader, "no session (connect failed)");
    // The ROM answers 32 ASCII hex digits (esptool loader.py flash_md5sum:
    // res.decode("utf-8") when not IS_STUB). esptool-js's flashMd5sum hex-
    // encodes those 32 bytes again (toHex of the result, ROM length 32), so
    // it returns the hex of the ASCII digest, 64 characters: its reading is
    // what is asserted; esptool decodes the same reply to the plain digest.
    const md5 = await withTimeout(loader.flashMd5sum(0x10000, 20000), 10000, "flashMd5sum on the ROM");
    const digest = md5Hex(model.subarray(0x10000, 0x10000 + 20000));
    assert.equal(md5, Buffer.from(digest, "ascii").toString("hex"));
  });
});
