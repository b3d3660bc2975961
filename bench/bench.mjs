// espbak benchmark harness: runs the scenario table (bench/scenarios.mjs)
// against espsim's realistic link model, for espbak and esptool-js, one run at
// a time, and writes results.md, results.csv and PNG charts. It measures and
// reports; it never asserts (a wrong result is flagged in the table).
//
//   node bench/bench.mjs --build-dir DIR [--mode quick|full|connect|breakdown] [--out DIR]
//                        [--chip esp32|esp8266] [--only REGEX] [--tools espbak,esptool-js]
//                        [--repeat N] [--baseline OLD/breakdown.csv] [--dry-run]
//                        [--skip-startup] [--skip-memory]
// connect and breakdown run 3 times by default (the median is reported) and
// skip start-up and memory.
// Usually started by bench/run.sh. Method and caveats: docs/benchmarks.md.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { EspsimProcess } from "../tests/interop/espsim-process.mjs";
import { Tap, analyseSession } from "./tap.mjs";
import { breakdownSession } from "./breakdown.mjs";
import { estimateSeconds } from "./models.mjs";
import { fmt, machineInfo, rowRecord, writeCharts, writeResults } from "./report.mjs";
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
    tools: null, // default: each row's defaultTools (or its tools)
    repeat: null, // default: 3 for connect and breakdown, 1 otherwise
    baseline: null, // an earlier breakdown.csv: its medians as the "before" columns
    dryRun: false,
    startup: null, // default: on, but for connect and breakdown
    memory: null,
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
    else if (a === "--repeat") o.repeat = Number(next());
    else if (a === "--baseline") o.baseline = path.resolve(next());
    else if (a === "--connect") o.mode = "connect";
    else if (a === "--breakdown") o.mode = "breakdown";
    else if (a === "--dry-run") o.dryRun = true;
    else if (a === "--skip-startup") o.startup = false;
    else if (a === "--skip-memory") o.memory = false;
    else throw new Error(`unknown option ${a}`);
  }
  if (!["quick", "full", "connect", "breakdown"].includes(o.mode))
    throw new Error(`--mode must be quick, full, connect or breakdown`);
  const focused = o.mode === "connect" || o.mode === "breakdown";
  if (o.repeat === null) o.repeat = focused ? 3 : 1;
  if (!Number.isInteger(o.repeat) || o.repeat < 1) throw new Error(`--repeat needs a whole number >= 1`);
  if (o.startup === null) o.startup = !focused;
  if (o.memory === null) o.memory = !focused;
  o.buildDir = path.resolve(o.buildDir);
  o.out = path.resolve(o.out);
  return o;
}

// ------------------------------------------------------------------ helpers

const log = (...parts) => console.error("[bench]", ...parts);
const md5Hex = (bytes) => crypto.createHash("md5").update(bytes).digest("hex");
const nowNs = () => process.hrtime.bigint();

/** n reproducible, incompressible bytes: the AES-128-CTR key stream of sha256(seed). */
function rand(n, seed) {
  const key = crypto.createHash("sha256").update(`espbak-bench:${seed}`).digest().subarray(0, 16);
  const cipher = crypto.createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return new Uint8Array(Buffer.concat([cipher.update(Buffer.alloc(n)), cipher.final()]));
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
      const ended = nowNs();
      resolve({ code, signal, error, stdout, stderr, timedOut, seconds: Number(ended - started) / 1e9, startNs: started, endNs: ended });
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
  const chip = row.chip || opts.chip;
  const expected =
    row.op === "read" ? md5Hex(flash.bytes.subarray(0, row.size)) : row.op === "write" ? md5Hex(ws.image(row.image).bytes) : null;

  const sim = new EspsimProcess(espsim, [
    "--chip", chip,
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
    const globalArgs = row.globalArgs ?? ["-c", chip, "--json"];
    const args = ["-p", `socket://127.0.0.1:${tap.port}`, "-b", String(row.baud), ...globalArgs, ...row.espbakArgs({ files, caps })];
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
      if (json.flash_id) result.flashId = json.flash_id;
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
  result.breakdown = session ? breakdownSession(session, { startNs: run.startNs, endNs: run.endNs }) : null;
  if (tap.sessions.length > 1) result.note += ` (${tap.sessions.length} connections)`;

  if (run.timedOut) result.note = `timed out after ${timeoutMs / 1000} s ${result.note}`;
  else if (run.code !== 0) result.note = `exit ${run.code} ${result.note} ${run.stderr.trim().split("\n").slice(-2).join(" | ")}`;
  else {
    // Correctness: a fast wrong answer is not a result.
    let actual;
    if (row.op === "flash_id") {
      // espbak prints the flash's maker and device (docs/cli.md); esptool-js's main() its Flash ID.
      const id = tool === "espbak" ? /Manufacturer: *([0-9a-f]+)/i.exec(run.stdout)?.[1] : result.flashId;
      if (id) result.ok = true;
      else result.note = `no flash id in the output ${result.note}`;
    } else if (row.op === "read") actual = tool === "espbak" ? (fs.existsSync(files.out) ? md5Hex(fs.readFileSync(files.out)) : "missing") : result.md5;
    else actual = md5Hex(fs.readFileSync(flashFile).subarray(0, ws.image(row.image).bytes.length));
    if (row.op === "flash_id") {
      // judged above
    } else if (actual === expected) result.ok = true;
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

// ------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const espbak = path.join(opts.buildDir, "espbak");
  const espsim = path.join(opts.buildDir, "espsim");
  const rows = scenarios(opts.mode)
    .filter((r) => !opts.only || opts.only.test(r.id))
    .map((r) => ({ chip: opts.chip, ...r }));
  const plan = [];
  // Rounds: every row and tool once, then again (a load change hits both tools alike).
  for (let round = 1; round <= opts.repeat; round++)
    for (const row of rows)
      for (const tool of row.tools)
        if ((opts.tools || row.defaultTools || row.tools).includes(tool)) plan.push({ row, tool, round });
  const estimate = plan.reduce((s, p) => s + estimateSeconds(p.row, p.tool), 0);
  const extras = opts.startup || opts.memory ? " (plus start-up and memory, about 1 min)" : "";
  log(`${opts.mode}: ${plan.length} runs (${opts.repeat} per cell), estimated ${(estimate / 60).toFixed(0)} min${extras}`);
  if (opts.dryRun) {
    for (const p of plan) console.log(`${p.row.id.padEnd(34)} ${p.tool.padEnd(10)} run ${p.round} ~${estimateSeconds(p.row, p.tool).toFixed(0)} s`);
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
    for (const { row, tool, round } of plan) {
      i++;
      log(`[${i}/${plan.length}] ${row.id} ${tool} run ${round} (~${estimateSeconds(row, tool).toFixed(0)} s)`);
      const r = await runScenario(row, tool, ctx);
      const rec = rowRecord(row, tool, r, round);
      records.push(rec);
      log(`    ${r.ok ? "ok" : "FAILED"} connect ${fmt(rec.connect_s)} s, data ${fmt(rec.data_s)} s (fraction ${fmt(rec.fraction_data, 3)}), op ${fmt(rec.op_s)} s, whole ${fmt(rec.process_s)} s ${rec.note}`);
    }
    const startup = opts.startup ? await measureStartup(espbak) : null;
    if (startup) log(`start-up: espbak --help mean ${fmt(startup.mean * 1000)} ms`);
    const memory = opts.memory ? await measureMemory(ctx) : null;
    if (memory && !memory.error) log(`peak RSS: 16 MB backup ${memory.backup.kb} kB`);
    fs.mkdirSync(opts.out, { recursive: true });
    writeCharts(opts, records);
    const elapsed = (Date.now() - started) / 1000;
    const md = writeResults(opts, { info, records, rows, startup, memory, caps, esptoolJsVersion, espbakVersion, elapsed, repeat: opts.repeat });
    log(`wrote ${md}`);
    // The focused modes are read at the terminal: print their tables too.
    if (opts.mode === "connect" || opts.mode === "breakdown") process.stdout.write(fs.readFileSync(md, "utf8"));
  } finally {
    fs.rmSync(ws.dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${err.stack || err}`);
  process.exit(1);
});
