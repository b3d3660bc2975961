// espbak benchmark harness: runs the scenario table (bench/scenarios.mjs)
// against espsim's realistic link model, for espbak and esptool-js, one run at
// a time, and writes results.md, results.csv and PNG charts. It measures and
// reports; it never asserts (a wrong result is flagged in the table).
//
//   node bench/bench.mjs --build-dir DIR [--mode quick|full] [--out DIR] [--chip esp32|esp8266]
//                        [--only REGEX] [--tools espbak,esptool-js] [--dry-run]
//                        [--skip-startup] [--skip-memory]
// Usually started by bench/run.sh. Method and caveats: docs/benchmarks.md.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { EspsimProcess } from "../tests/interop/espsim-process.mjs";
import { Tap, analyseSession } from "./tap.mjs";
import { FLASH_SIZE, IMAGES, MB, scenarios } from "./scenarios.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceRoot = path.resolve(here, "..");

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = {
    mode: "quick",
    buildDir: process.env.BUILD_DIR || path.join(sourceRoot, "build-bench"),
    out: path.join(here, "results"),
    chip: "esp32",
    only: null,
    tools: ["espbak", "esptool-js"],
    dryRun: false,
    startup: true,
    memory: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--mode") o.mode = next();
    else if (a === "--quick") o.mode = "quick";
    else if (a === "--full") o.mode = "full";
    else if (a === "--build-dir") o.buildDir = next();
    else if (a === "--out") o.out = next();
    else if (a === "--chip") o.chip = next();
    else if (a === "--only") o.only = new RegExp(next());
    else if (a === "--tools") o.tools = next().split(",");
    else if (a === "--dry-run") o.dryRun = true;
    else if (a === "--skip-startup") o.startup = false;
    else if (a === "--skip-memory") o.memory = false;
    else throw new Error(`unknown option ${a}`);
  }
  if (!["quick", "full"].includes(o.mode)) throw new Error(`--mode must be quick or full`);
  o.buildDir = path.resolve(o.buildDir);
  o.out = path.resolve(o.out);
  return o;
}

// ------------------------------------------------------------------ helpers

const log = (...parts) => console.error("[bench]", ...parts);
const md5Hex = (bytes) => crypto.createHash("md5").update(bytes).digest("hex");
const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits));
const nowNs = () => process.hrtime.bigint();

/** n reproducible, incompressible bytes: the AES-128-CTR key stream of sha256(seed). */
function rand(n, seed) {
  const key = crypto.createHash("sha256").update(`espbak-bench:${seed}`).digest().subarray(0, 16);
  const cipher = crypto.createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return new Uint8Array(Buffer.concat([cipher.update(Buffer.alloc(n)), cipher.final()]));
}

const wireSeconds = (bytes, baud) => (bytes * 10) / baud;

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

function modelCeilings(op, size, baud, latencyMs) {
  const L = latencyMs / 1000;
  if (op === "read") return { late: modelReadLateAck(baud, L), best: modelReadBest(baud, L) };
  const one = modelWriteOneBlock(size, baud, L);
  return { late: one, best: one };
}

/** Rough run time, for --dry-run and progress lines. */
function estimateSeconds(row, tool) {
  const connect = 1.5;
  const wire = wireSeconds(row.size, row.baud);
  const model = modelCeilings(row.op, row.size, row.baud, row.latencyMs);
  let eff = tool === "espbak" ? model.best : model.late;
  if (row.op === "write" && row.image === "typical") eff = 4; // compressible: mostly 0xFF
  // A write is never faster than the flash: page program plus 64 KB erases.
  const flash = row.op === "write" ? (row.size / 256) * PAGE_PROGRAM_S + (row.size / 65536) * BLOCK_ERASE_S : 0;
  const verify = row.op === "write" ? (0.33 * row.size) / MB : 0;
  return connect + Math.max(wire / eff, flash) + verify;
}

function spawnTimed(cmd, args, { timeoutMs, env } = {}) {
  return new Promise((resolve) => {
    const started = nowNs();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: env || process.env });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (t) => (stdout += t));
    child.stderr.on("data", (t) => (stderr = (stderr + t).slice(-20000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    activeChildren.add(child);
    const done = (code, signal, error) => {
      clearTimeout(timer);
      activeChildren.delete(child);
      resolve({ code, signal, error, stdout, stderr, timedOut, seconds: Number(nowNs() - started) / 1e9 });
    };
    child.on("error", (err) => done(null, null, err));
    child.on("exit", (code, signal) => done(code, signal, null));
  });
}

const activeChildren = new Set();
const activeSims = new Set();
async function cleanupAndExit(signal) {
  for (const c of activeChildren) c.kill("SIGKILL");
  for (const s of activeSims) await s.stop(500).catch(() => {});
  process.exit(signal === "SIGINT" ? 130 : 143);
}
process.on("SIGINT", () => cleanupAndExit("SIGINT"));
process.on("SIGTERM", () => cleanupAndExit("SIGTERM"));

function firstJsonObject(text) {
  for (const line of text.split("\n").reverse()) {
    const s = line.trim();
    if (s.startsWith("{") && s.endsWith("}")) {
      try {
        return JSON.parse(s);
      } catch {
        // not JSON after all
      }
    }
  }
  return null;
}

// ------------------------------------------------------------------ capabilities

/** What today's espbak offers, from its help text; rows use it to pick options. */
function detectCaps(espbak) {
  const help = (cmd) => spawnSync(espbak, [cmd, "--help"], { encoding: "utf8" }).stdout || "";
  const readHelp = help("read_flash");
  const writeHelp = help("write_flash");
  return {
    diffWith: /--diff-with/.test(readHelp),
    erasedSkip: /skip[\s\S]{0,40}erased|erased[\s\S]{0,40}skip/i.test(readHelp),
    skipUnchanged: /unchanged/i.test(writeHelp),
  };
}

// ------------------------------------------------------------------ one run

class Workspace {
  constructor(dir) {
    this.dir = dir;
    this.cache = new Map();
  }
  image(name) {
    if (!this.cache.has(name)) {
      const spec = IMAGES[name];
      if (!spec) throw new Error(`unknown image ${name}`);
      const bytes = spec.build(rand);
      const file = path.join(this.dir, `${name}.bin`);
      fs.writeFileSync(file, bytes);
      this.cache.set(name, { bytes, file });
    }
    return this.cache.get(name);
  }
}

async function runScenario(row, tool, ctx) {
  const { opts, ws, caps, espbak, espsim } = ctx;
  const flash = ws.image(row.flash);
  const runDir = fs.mkdtempSync(path.join(ws.dir, `${row.id}-${tool}-`));
  const flashFile = path.join(runDir, "flash.bin");
  fs.writeFileSync(flashFile, flash.bytes);
  const files = {
    out: path.join(runDir, "read.bin"),
    image: row.image ? ws.image(row.image).file : null,
    previous: row.previous ? ws.image(row.previous).file : null,
  };
  const expected = row.op === "read" ? md5Hex(flash.bytes.subarray(0, row.size)) : md5Hex(ws.image(row.image).bytes);

  const sim = new EspsimProcess(espsim, [
    "--chip", opts.chip,
    "--flash-size", FLASH_SIZE,
    "--flash-file", flashFile,
    "--listen", "tcp:127.0.0.1:0",
    "--link", "realistic",
    "--latency-ms", String(row.latencyMs),
  ]);
  activeSims.add(sim);
  await sim.start();
  const tap = new Tap({ host: sim.host, port: sim.port });
  await tap.listen();
  const timeoutMs = Math.round(estimateSeconds(row, tool) * 3000 + 60000);

  const result = { ok: false, note: "", toolSeconds: null, processSeconds: null };
  let run;
  if (tool === "espbak") {
    const args = ["-p", `socket://127.0.0.1:${tap.port}`, "-b", String(row.baud), "-c", opts.chip, "--json",
      ...row.espbakArgs({ files, caps })];
    run = await spawnTimed(espbak, args, { timeoutMs });
    const json = firstJsonObject(run.stdout);
    if (json && typeof json.milliseconds === "number") result.toolSeconds = json.milliseconds / 1000;
    if (json && !json.ok) result.note = `espbak: ${json.error}`;
  } else {
    const job = { host: "127.0.0.1", port: tap.port, baud: row.baud, op: row.op, address: 0, size: row.size, file: files.image };
    run = await spawnTimed(process.execPath, [path.join(here, "esptooljs-runner.mjs"), JSON.stringify(job)], { timeoutMs });
    const json = firstJsonObject(run.stdout);
    if (json) {
      result.toolSeconds = json.op_ms !== undefined ? json.op_ms / 1000 : null;
      result.toolConnectSeconds = json.connect_ms !== undefined ? json.connect_ms / 1000 : null;
      if (!json.ok) result.note = `esptool-js: ${json.error}`;
      if (row.op === "read" && json.md5) result.md5 = json.md5;
    }
  }
  result.processSeconds = run.seconds;
  await tap.close();
  await sim.stop();
  activeSims.delete(sim);

  // The flasher's session: the connection that carried the most bytes.
  const session = tap.sessions.reduce(
    (best, s) => (best && total(best) >= total(s) ? best : s),
    null,
  );
  result.phases = session ? analyseSession(session, row.op) : null;
  if (tap.sessions.length > 1) result.note += ` (${tap.sessions.length} connections)`;

  if (run.timedOut) result.note = `timed out after ${timeoutMs / 1000} s ${result.note}`;
  else if (run.code !== 0) result.note = `exit ${run.code} ${result.note} ${run.stderr.trim().split("\n").slice(-2).join(" | ")}`;
  else {
    // Correctness: a fast wrong answer is not a result.
    let actual;
    if (row.op === "read") actual = tool === "espbak" ? (fs.existsSync(files.out) ? md5Hex(fs.readFileSync(files.out)) : "missing") : result.md5;
    else actual = md5Hex(fs.readFileSync(flashFile).subarray(0, ws.image(row.image).bytes.length));
    if (actual === expected) result.ok = true;
    else result.note = `WRONG DATA (md5 ${actual}, expected ${expected}) ${result.note}`;
  }
  fs.rmSync(runDir, { recursive: true, force: true });
  return result;
}

function total(session) {
  let n = 0;
  for (const c of session.chunks) n += c.bytes.length;
  return n;
}

// ------------------------------------------------------------------ start-up and memory

async function measureStartup(espbak) {
  const hyperfine = spawnSync("hyperfine", ["--version"], { encoding: "utf8" });
  if (hyperfine.status === 0) {
    const json = path.join(os.tmpdir(), `espbak-bench-hyperfine-${process.pid}.json`);
    const r = spawnSync(
      "hyperfine",
      ["-N", "--warmup", "20", "--runs", "300", "--export-json", json, `${espbak} --help`, "/bin/true"],
      { encoding: "utf8" },
    );
    if (r.status === 0) {
      const data = JSON.parse(fs.readFileSync(json, "utf8"));
      fs.rmSync(json, { force: true });
      const [help, floor] = data.results;
      return {
        method: `${hyperfine.stdout.trim()} -N --warmup 20 --runs 300`,
        mean: help.mean, stddev: help.stddev, median: help.median, min: help.min,
        user: help.user, system: help.system,
        floorMean: floor.mean, floorMin: floor.min, floorMedian: floor.median, floorUser: floor.user, floorSystem: floor.system,
      };
    }
    log(`hyperfine failed (${r.stderr.trim()}); timing a loop instead`);
  }
  // Fallback: spawnSync in a loop (adds Node's own spawn cost, shown by /bin/true).
  const loop = (cmd, args) => {
    const times = [];
    for (let i = 0; i < 10; i++) spawnSync(cmd, args);
    for (let i = 0; i < 200; i++) {
      const t = nowNs();
      spawnSync(cmd, args, { stdio: "ignore" });
      times.push(Number(nowNs() - t) / 1e9);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const sd = Math.sqrt(times.reduce((a, b) => a + (b - mean) ** 2, 0) / times.length);
    return { mean, stddev: sd, median: times[100], min: times[0], user: null, system: null };
  };
  const help = loop(espbak, ["--help"]);
  const floor = loop("/bin/true", []);
  return {
    method: "Node spawnSync loop, 200 runs (hyperfine not installed)",
    ...help,
    floorMean: floor.mean, floorMin: floor.min, floorMedian: floor.median, floorUser: null, floorSystem: null,
  };
}

async function measureMemory(ctx) {
  const { opts, ws, espbak, espsim } = ctx;
  const timeBin = "/usr/bin/time";
  if (!fs.existsSync(timeBin)) return { error: "/usr/bin/time not installed (Debian package `time`)" };
  const bytes = 16 * MB;
  const dir = fs.mkdtempSync(path.join(ws.dir, "memory-"));
  const flashFile = path.join(dir, "flash.bin");
  const image = rand(bytes, "memory-16MB");
  fs.writeFileSync(flashFile, image);
  const writeImage = path.join(dir, "image.bin");
  fs.writeFileSync(writeImage, rand(bytes, "memory-16MB-write"));
  const sim = new EspsimProcess(espsim, [
    "--chip", opts.chip, "--flash-size", "16MB", "--flash-file", flashFile,
    "--listen", "tcp:127.0.0.1:0", "--link", "instant",
  ]);
  activeSims.add(sim);
  await sim.start();
  const port = `socket://127.0.0.1:${sim.port}`;
  const maxRss = async (args) => {
    const r = await spawnTimed(timeBin, ["-v", espbak, ...args], { timeoutMs: 300000 });
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    return { kb: m ? Number(m[1]) : null, seconds: r.seconds, ok: r.code === 0, tail: r.stderr.trim().split("\n").slice(-3).join(" | ") };
  };
  const out = path.join(dir, "backup.bin");
  const baseline = await maxRss(["--help"]);
  const connectOnly = await maxRss(["-p", port, "-b", "2000000", "flash_id"]);
  const backup = await maxRss(["-p", port, "-b", "2000000", "read_flash", "0", "16M", out]);
  const backupOk = backup.ok && fs.existsSync(out) && md5Hex(fs.readFileSync(out)) === md5Hex(image);
  const restore = await maxRss(["-p", port, "-b", "2000000", "write_flash", "0", writeImage]);
  await sim.stop();
  activeSims.delete(sim);
  fs.rmSync(dir, { recursive: true, force: true });
  return { bytes, baseline, connectOnly, backup, backupOk, restore };
}

// ------------------------------------------------------------------ reporting

function machineInfo() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  let commit = "unknown";
  let dirty = "";
  try {
    commit = execFileSync("git", ["-C", sourceRoot, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const status = execFileSync("git", ["-C", sourceRoot, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" });
    if (status.trim()) dirty = " (working tree has uncommitted changes)";
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    host: `${os.hostname()}: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    commit: process.env.BENCH_COMMIT_LABEL || commit + dirty,
    node: process.version,
  };
}

const CSV_COLUMNS = [
  "scenario", "group", "title", "tool", "op", "size_bytes", "baud", "latency_ms", "ok", "wire_s",
  "connect_s", "op_s", "prep_s", "data_s", "finish_s", "session_s", "process_s", "tool_reported_s",
  "fraction_data", "fraction_op", "line_utilisation", "model_late_ack", "model_best", "bytes_to_device", "bytes_from_device",
  "data_blocks", "host_turnaround_ms", "note",
];

function csvLine(values) {
  return values
    .map((v) => {
      if (v === null || v === undefined || Number.isNaN(v)) return "";
      const s = typeof v === "number" ? String(Number(v.toFixed(6))) : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",");
}

function rowRecord(row, tool, r) {
  const p = r.phases || {};
  const wire = wireSeconds(row.size, row.baud);
  const dataBytes = row.op === "read" ? p.dataBytesFromDevice : p.dataBytesToDevice;
  return {
    scenario: row.id, group: row.group, title: row.title, tool, op: row.op, size_bytes: row.size,
    baud: row.baud, latency_ms: row.latencyMs, ok: r.ok, wire_s: wire,
    connect_s: p.connect, op_s: p.op, prep_s: p.prep, data_s: p.data, finish_s: p.finish, session_s: p.session,
    process_s: r.processSeconds, tool_reported_s: r.toolSeconds,
    fraction_data: p.data ? wire / p.data : null,
    fraction_op: p.op ? wire / p.op : null,
    line_utilisation: p.data && dataBytes ? wireSeconds(dataBytes, row.baud) / p.data : null,
    model_late_ack: modelCeilings(row.op, row.size, row.baud, row.latencyMs).late,
    model_best: modelCeilings(row.op, row.size, row.baud, row.latencyMs).best,
    bytes_to_device: p.bytesToDevice, bytes_from_device: p.bytesFromDevice, data_blocks: p.dataBlocks,
    host_turnaround_ms: p.hostTurnaroundMs,
    note: (r.note || "").trim(),
  };
}

function modelText(row) {
  const m = modelCeilings(row.op, row.size, row.baud, row.latencyMs);
  return row.op === "read" ? `${fmt(m.late, 3)} / ${fmt(m.best, 3)}` : fmt(m.late, 3);
}

function sizeName(bytes) {
  const text = (value, unit) => `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
  if (bytes >= MB) return text(bytes / MB, "MB");
  if (bytes >= 1024) return text(bytes / 1024, "KB");
  return `${bytes} B`;
}

function writeResults(opts, info, records, rows, startup, memory, caps, esptoolJsVersion, espbakVersion, elapsed) {
  fs.mkdirSync(opts.out, { recursive: true });
  fs.writeFileSync(
    path.join(opts.out, "results.csv"),
    [CSV_COLUMNS.join(","), ...records.map((r) => csvLine(CSV_COLUMNS.map((c) => r[c])))].join("\n") + "\n",
  );

  const find = (id, tool) => records.find((r) => r.scenario === id && r.tool === tool);
  const md = [];
  md.push(`# espbak benchmark results (${opts.mode})`, "");
  md.push(`- Date: ${info.date}`);
  md.push(`- Machine: ${info.host}`);
  md.push(`- Load average before / after: ${info.loadBefore} / ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  md.push(`- Commit: ${info.commit}; ${espbakVersion}; esptool-js ${esptoolJsVersion}; Node ${info.node}`);
  md.push(`- Binaries: ${opts.buildDir}/espbak, ${opts.buildDir}/espsim`);
  md.push(`- espsim --chip ${opts.chip} --flash-size ${FLASH_SIZE} --link realistic; run time ${(elapsed / 60).toFixed(1)} min`);
  md.push(`- Method, definitions and caveats: docs/benchmarks.md. Measured at the TCP boundary by bench/tap.mjs;`);
  md.push(`  one run per cell, no repetition: on a loaded machine treat differences below a few percent as noise.`);
  md.push("");
  md.push("Columns: **wire** = size × 10 / baud (the wire limit); **conn** = connect cost (sync, chip detection,");
  md.push("stub upload, baud change); **data** = data phase (first READ_FLASH / FLASH_BEGIN to the last data");
  md.push("frame / block reply); **frac** = wire / data; **op** = everything after connect (flash id, erase,");
  md.push("data, MD5 verification); **model** = ceilings of the data phase from the protocol and espsim's");
  md.push("timings: reads \"late / best\" = a host that acknowledges each packet after receipt (esptool,");
  md.push("esptool-js: T/(T+2L)) / the best any host can do with the shipped stub (one packet in flight:");
  md.push("T/max(T, 2L)); writes = one 16 KB block in flight against the flash's page-program and 64 KB-erase");
  md.push("times (bench.mjs modelWriteOneBlock);");
  md.push("**ratio** = esptool-js op / espbak op (above 1: espbak faster). All times in seconds.");
  md.push("");

  const wireRows = rows.filter((r) => r.group === "wire");
  if (wireRows.length) {
    md.push("## Wire-limit matrix", "");
    md.push("| job | baud | lat ms | wire | espbak conn | espbak data | espbak frac | espbak op | esptool-js conn | esptool-js data | esptool-js frac | esptool-js op | model | ratio | target |");
    md.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
    for (const row of wireRows) {
      const a = find(row.id, "espbak");
      const b = find(row.id, "esptool-js");
      const cell = (r, k, d = 2) => (r ? (r.ok ? fmt(r[k], d) : k === "data_s" ? "FAILED" : "–") : "n/a");
      const target = row.op === "read" ? 0.97 : row.latencyMs <= 1 ? 0.95 : null;
      let verdict = "–";
      if (a?.ok && a.fraction_data !== null)
        verdict = target === null ? "best effort" : a.fraction_data >= target ? `met (≥ ${target})` : `below ${target}`;
      // Say so where no host can reach the target with the shipped stub and espsim's flash.
      const best = modelCeilings(row.op, row.size, row.baud, row.latencyMs).best;
      if (target !== null && best < target) verdict += ` (model ceiling ${fmt(best, 2)})`;
      const ratio = a?.ok && b?.ok ? fmt(b.op_s / a.op_s) : "–";
      md.push(`| ${row.title} | ${row.baud} | ${row.latencyMs} | ${fmt(wireSeconds(row.size, row.baud))} | ${cell(a, "connect_s")} | ${cell(a, "data_s")} | ${cell(a, "fraction_data", 3)} | ${cell(a, "op_s")} | ${cell(b, "connect_s")} | ${cell(b, "data_s")} | ${cell(b, "fraction_data", 3)} | ${cell(b, "op_s")} | ${modelText(row)} | ${ratio} | ${verdict} |`);
    }
    md.push("");
  }

  const featureRows = rows.filter((r) => r.group === "feature");
  if (featureRows.length) {
    md.push("## Scenarios for later issue-6 features", "");
    md.push("Measured with the espbak of this commit. \"feature\" says whether espbak offered the option");
    md.push("(from its `--help`); where it did not, the row is the baseline the feature will be compared with.");
    md.push("**eff** = wire limit of the whole job / op (above 1: less than the whole job crossed the wire).");
    md.push("");
    md.push("| job | baud | lat ms | wire (whole job) | feature | espbak conn | espbak op | espbak eff | bytes to / from chip | esptool-js op | esptool-js eff | ratio |");
    md.push("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of featureRows) {
      const a = find(row.id, "espbak");
      const b = find(row.id, "esptool-js");
      const inEffect = row.feature.inEffect(caps);
      const feature = `${row.feature.name}: ${inEffect ? "available" : "not in espbak yet"}`;
      const ok = (r, k, d = 2) => (r ? (r.ok ? fmt(r[k], d) : "FAILED") : "n/a");
      const eff = (r) => (r?.ok && r.op_s ? fmt(r.wire_s / r.op_s, 3) : r ? "–" : "n/a");
      const bytes = a?.ok ? `${sizeName(a.bytes_to_device)} / ${sizeName(a.bytes_from_device)}` : "–";
      const ratio = a?.ok && b?.ok ? fmt(b.op_s / a.op_s) : "–";
      md.push(`| ${row.title} | ${row.baud} | ${row.latencyMs} | ${fmt(wireSeconds(row.size, row.baud))} | ${feature} | ${ok(a, "connect_s")} | ${ok(a, "op_s")} | ${eff(a)} | ${bytes} | ${ok(b, "op_s")} | ${eff(b)} | ${ratio} |`);
    }
    md.push("");
  }

  md.push("## Diagnostics per run", "");
  md.push("**prep** = connect end to first data command (flash id, attach, host-side compression, erase start);");
  md.push("**finish** = last data reply to last byte (MD5 verification); **line** = bytes that crossed the wire in the");
  md.push("busier direction during the data phase (SLIP escapes and headers included) × 10 / baud / data time;");
  md.push("**turn** = median host turnaround in ms (data frame or block reply end to the host's next frame; negative:");
  md.push("sent before the frame ended); **blocks** = FLASH_DATA / FLASH_DEFL_DATA commands.");
  md.push("");
  md.push("| scenario | tool | ok | conn | prep | data | finish | line | turn ms | blocks | to chip | from chip |");
  md.push("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of records)
    md.push(`| ${r.scenario} | ${r.tool} | ${r.ok ? "yes" : "NO"} | ${fmt(r.connect_s)} | ${fmt(r.prep_s)} | ${fmt(r.data_s)} | ${fmt(r.finish_s)} | ${fmt(r.line_utilisation, 3)} | ${fmt(r.host_turnaround_ms)} | ${r.data_blocks ?? "–"} | ${r.bytes_to_device ?? "–"} | ${r.bytes_from_device ?? "–"} |`);
  md.push("");

  const failures = records.filter((r) => !r.ok || r.note);
  if (failures.length) {
    md.push("## Notes and failures", "");
    for (const r of failures) md.push(`- ${r.scenario} / ${r.tool}: ${r.ok ? "" : "FAILED: "}${r.note}`);
    md.push("");
  }

  if (startup) {
    md.push("## Start-up", "");
    md.push(`\`espbak --help\`, ${startup.method}: mean ${fmt(startup.mean * 1000)} ms ± ${fmt(startup.stddev * 1000)} ms, median ${fmt(startup.median * 1000)} ms, min ${fmt(startup.min * 1000)} ms`);
    md.push(`(process start floor, \`/bin/true\` measured the same way: mean ${fmt(startup.floorMean * 1000)} ms, median ${fmt(startup.floorMedian * 1000)} ms, min ${fmt(startup.floorMin * 1000)} ms).`);
    if (startup.user !== null && startup.user !== undefined)
      md.push(`CPU time per run: espbak --help ${fmt(startup.user * 1000)} ms user + ${fmt(startup.system * 1000)} ms system; ` +
        `/bin/true ${fmt(startup.floorUser * 1000)} ms + ${fmt(startup.floorSystem * 1000)} ms.`);
    md.push(`espbak's own share (median − /bin/true median): ${fmt((startup.median - startup.floorMedian) * 1000)} ms. Target: start-up under 5 ms.`);
    md.push("Where spawning /bin/true alone takes several ms (containers, sandboxes, loaded machines), compare the");
    md.push("own share and the CPU time with the target, not the wall time.");
    md.push("");
  }
  if (memory) {
    md.push("## Peak memory", "");
    if (memory.error) md.push(memory.error);
    else {
      const mb = (kb) => (kb === null ? "–" : `${(kb / 1024).toFixed(1)} MiB`);
      md.push(`/usr/bin/time -v, espsim --link instant, ${opts.chip}, 16 MB flash, 2000000 baud.`, "");
      md.push("| run | max RSS | wall s | ok |", "|---|---:|---:|---|");
      md.push(`| espbak --help | ${mb(memory.baseline.kb)} | ${fmt(memory.baseline.seconds)} | ${memory.baseline.ok} |`);
      md.push(`| espbak flash_id (connect only) | ${mb(memory.connectOnly.kb)} | ${fmt(memory.connectOnly.seconds)} | ${memory.connectOnly.ok} |`);
      md.push(`| espbak read_flash 0 16M (backup) | ${mb(memory.backup.kb)} | ${fmt(memory.backup.seconds)} | ${memory.backupOk} |`);
      md.push(`| espbak write_flash 0 (16 MB incompressible, for information) | ${mb(memory.restore.kb)} | ${fmt(memory.restore.seconds)} | ${memory.restore.ok} |`);
      md.push("");
      if (memory.backup.kb !== null) {
        const overConnect = (memory.backup.kb - (memory.connectOnly.kb ?? 0)) / 1024;
        md.push(`Backup: ${overConnect.toFixed(1)} MiB above the connect-only run, for a 16 MiB image ` +
          `(${overConnect < 16 ? "less than one copy of the image" : overConnect < 32 ? "at most one copy of the image" : "MORE than one copy of the image"}).`);
        md.push("");
      }
    }
  }

  md.push("## Charts", "");
  for (const f of fs.readdirSync(opts.out).filter((f) => f.endsWith(".png")).sort()) md.push(`![${f}](${f})`);
  md.push("");
  fs.writeFileSync(path.join(opts.out, "results.md"), md.join("\n"));
}

function writeCharts(opts, records) {
  const sizes = [...new Set(records.filter((r) => r.group === "wire").map((r) => r.size_bytes))].sort((a, b) => a - b);
  const gnuplot = spawnSync("gnuplot", ["--version"], { encoding: "utf8" });
  for (const size of sizes) {
    const bauds = [...new Set(records.filter((r) => r.group === "wire" && r.size_bytes === size).map((r) => r.baud))].sort((a, b) => a - b);
    const value = (op, baud, lat, tool) => {
      const r = records.find((x) => x.group === "wire" && x.size_bytes === size && x.op === op && x.baud === baud && x.latency_ms === lat && x.tool === tool);
      return r?.ok && r.fraction_data !== null ? r.fraction_data.toFixed(4) : "?";
    };
    const lines = ["# baud read(espbak 1ms, esptool-js 1ms, espbak 16ms, esptool-js 16ms) write(same)"];
    for (const baud of bauds) {
      const cols = [];
      for (const op of ["read", "write"]) for (const lat of [1, 16]) for (const tool of ["espbak", "esptool-js"]) cols.push(value(op, baud, lat, tool));
      lines.push([baud, ...cols].join(" "));
    }
    const base = `fraction-${size / MB}MB`;
    const dat = path.join(opts.out, `${base}.dat`);
    fs.writeFileSync(dat, lines.join("\n") + "\n");
    if (gnuplot.status !== 0) {
      log("gnuplot not installed: chart data left in", dat);
      continue;
    }
    const png = path.join(opts.out, base + ".png");
    const r = spawnSync("gnuplot", ["-e", `datafile='${dat}'; outfile='${png}'; sizelabel='${sizeName(size)}'; chip='${opts.chip}'`, path.join(here, "plot.gp")], { encoding: "utf8" });
    if (r.status !== 0) {
      // gnuplot leaves an empty file behind (e.g. a --only run without both
      // tools at one latency: no complete data row); results.md links every PNG.
      log(`gnuplot failed for ${base}: ${r.stderr}`);
      fs.rmSync(png, { force: true });
    }
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const espbak = path.join(opts.buildDir, "espbak");
  const espsim = path.join(opts.buildDir, "espsim");
  let rows = scenarios(opts.mode).filter((r) => !opts.only || opts.only.test(r.id));
  const plan = [];
  for (const row of rows) for (const tool of row.tools) if (opts.tools.includes(tool)) plan.push({ row, tool });
  const estimate = plan.reduce((s, p) => s + estimateSeconds(p.row, p.tool), 0);
  log(`${opts.mode}: ${plan.length} runs, estimated ${(estimate / 60).toFixed(0)} min (plus start-up and memory, about 1 min)`);
  if (opts.dryRun) {
    for (const p of plan) console.log(`${p.row.id.padEnd(34)} ${p.tool.padEnd(10)} ~${estimateSeconds(p.row, p.tool).toFixed(0)} s`);
    return;
  }
  for (const bin of [espbak, espsim]) if (!fs.existsSync(bin)) throw new Error(`${bin} not found (build it, or pass --build-dir)`);

  const info = { ...machineInfo(), loadBefore: os.loadavg().map((x) => x.toFixed(2)).join(" ") };
  const espbakVersion = (spawnSync(espbak, ["version"], { encoding: "utf8" }).stdout || "").split("\n")[0].trim();
  const esptoolJsVersion = JSON.parse(fs.readFileSync(path.join(sourceRoot, "node_modules/esptool-js/package.json"), "utf8")).version;
  const caps = detectCaps(espbak);
  const ws = new Workspace(fs.mkdtempSync(path.join(os.tmpdir(), "espbak-bench-")));
  const ctx = { opts, ws, caps, espbak, espsim };
  const started = Date.now();
  const records = [];
  try {
    let i = 0;
    for (const { row, tool } of plan) {
      i++;
      log(`[${i}/${plan.length}] ${row.id} ${tool} (~${estimateSeconds(row, tool).toFixed(0)} s)`);
      const r = await runScenario(row, tool, ctx);
      const rec = rowRecord(row, tool, r);
      records.push(rec);
      log(`    ${r.ok ? "ok" : "FAILED"} connect ${fmt(rec.connect_s)} s, data ${fmt(rec.data_s)} s (fraction ${fmt(rec.fraction_data, 3)}), op ${fmt(rec.op_s)} s ${rec.note}`);
    }
    const startup = opts.startup ? await measureStartup(espbak) : null;
    if (startup) log(`start-up: espbak --help mean ${fmt(startup.mean * 1000)} ms`);
    const memory = opts.memory ? await measureMemory(ctx) : null;
    if (memory && !memory.error) log(`peak RSS: 16 MB backup ${memory.backup.kb} kB`);
    fs.mkdirSync(opts.out, { recursive: true });
    writeCharts(opts, records);
    writeResults(opts, info, records, rows, startup, memory, caps, esptoolJsVersion, espbakVersion, (Date.now() - started) / 1000);
    log(`wrote ${path.join(opts.out, "results.md")}`);
  } finally {
    fs.rmSync(ws.dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${err.stack || err}`);
  process.exit(1);
});
