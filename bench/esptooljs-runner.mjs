// Runs one esptool-js job against a TCP endpoint (espsim, or the bench tap in
// front of it) and prints one JSON line with its own timings. Run as a child
// process by bench/bench.mjs, so esptool-js has a process (and event loop) of
// its own, as espbak has.
//
//   node bench/esptooljs-runner.mjs '{"host":"127.0.0.1","port":1234,"baud":921600,
//        "op":"read"|"write"|"flash_id","address":0,"size":1048576,"file":"/path/image.bin"}'
//
// flash_id: main("no_reset") only (sync, chip detection, stub, baud change,
//        flash id), then the disconnect below: esptool-js's equivalent of
//        `espbak -b BAUD flash_id`; prints the chip and the flash id it read.
// read:  ESPLoader.main("no_reset"), then readFlash(address, size); prints the
//        MD5 of what was read (the harness compares it with the flash image).
// write: main("no_reset"), then writeFlash of `file` at `address`, compressed
//        (esptool-js's usual mode), with calculateMD5Hash so esptool-js checks
//        the stub's SPI_FLASH_MD5 as esptool does.
// Uses the interop test's Web Serial stand-in unchanged (tests/interop/).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

import { TcpSerialPort } from "../tests/interop/serial-adapter.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceRoot = path.resolve(here, "..");
const nodeModules = process.env.ESPBAK_NODE_MODULES || path.join(sourceRoot, "node_modules");
const ROM_BAUD = 115200;

async function loadEsptoolJs() {
  const requireFromModules = createRequire(path.join(nodeModules, "noop.js"));
  const entry = requireFromModules.resolve("esptool-js");
  const version = JSON.parse(fs.readFileSync(requireFromModules.resolve("esptool-js/package.json"), "utf8")).version;
  return { ...(await import(pathToFileURL(entry).href)), version };
}

function silentTerminal() {
  const lines = [];
  return {
    lines,
    clean() {},
    write(text) {
      lines.push(text);
      if (lines.length > 100) lines.shift();
    },
    writeLine(text) {
      this.write(text);
    },
  };
}

const md5Hex = (bytes) => crypto.createHash("md5").update(bytes).digest("hex");
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;

async function main() {
  const job = JSON.parse(process.argv[2] || "{}");
  const esptool = await loadEsptoolJs();
  const device = new TcpSerialPort({ host: job.host, port: job.port });
  const transport = new esptool.Transport(device, false);
  transport.trace = () => {}; // Transport logs a few lines unconditionally
  const terminal = silentTerminal();
  const loader = new esptool.ESPLoader({ transport, baudrate: job.baud, romBaudrate: ROM_BAUD, terminal, debugLogging: false });
  const result = { tool: "esptool-js", version: esptool.version, ok: false };
  try {
    const t0 = process.hrtime.bigint();
    await loader.main("no_reset");
    result.connect_ms = ms(t0);
    const t1 = process.hrtime.bigint();
    if (job.op === "flash_id") {
      result.op_ms = 0;
      result.chip = loader.chip?.CHIP_NAME;
      // main() logs "Flash ID: <hex>" after reading it (esploader.js main()).
      const line = terminal.lines.find((l) => /Flash ID: *[0-9a-f]+/i.test(l));
      result.flash_id = line ? /Flash ID: *([0-9a-f]+)/i.exec(line)[1] : undefined;
      if (!result.flash_id) throw new Error("main() logged no Flash ID");
    } else if (job.op === "read") {
      const data = await loader.readFlash(job.address, job.size);
      result.op_ms = ms(t1);
      result.md5 = md5Hex(data);
      result.bytes = data.length;
    } else if (job.op === "write") {
      const image = new Uint8Array(fs.readFileSync(job.file));
      const t2 = process.hrtime.bigint(); // reading the file is not esptool-js's cost
      await loader.writeFlash({
        fileArray: [{ data: image, address: job.address }],
        flashMode: "keep",
        flashFreq: "keep",
        flashSize: "keep",
        eraseAll: false,
        compress: true,
        calculateMD5Hash: (bytes) => md5Hex(bytes),
      });
      result.op_ms = ms(t2);
      result.bytes = image.length;
      result.verified = terminal.lines.some((l) => /Hash of data verified/.test(l));
    } else {
      throw new Error(`unknown op ${job.op}`);
    }
    result.ok = true;
  } catch (err) {
    result.error = String(err?.message || err);
    result.terminal_tail = terminal.lines.slice(-10);
  } finally {
    try {
      await Promise.race([transport.disconnect(), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      device.destroy();
    }
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  // Transport's read loop may keep the event loop alive after disconnect.
  process.exit(result.ok ? 0 : 1);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ tool: "esptool-js", ok: false, error: String(err?.stack || err) }) + "\n");
  process.exit(1);
});
