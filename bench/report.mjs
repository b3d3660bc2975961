// Reporting for the benchmark harness (bench.mjs): the per-run records, their
// medians over repeated runs, results.csv, results.md and the charts. It only
// formats what was measured; nothing here decides or asserts anything.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { PHASES, breakdownMarkdown, median, medianBreakdown, topCommandsMarkdown } from "./breakdown.mjs";
import { modelCeilings, wireSeconds } from "./models.mjs";
import { FLASH_SIZE, MB } from "./scenarios.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceRoot = path.resolve(here, "..");

const log = (...parts) => console.error("[bench]", ...parts);
export const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits));
const ratioOf = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? a / b : null);

export function machineInfo() {
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

const BREAKDOWN_COLUMNS = PHASES.map(([k]) => `phase_${k}_s`);
const CSV_COLUMNS = [
  "scenario", "group", "title", "tool", "chip", "run", "op", "size_bytes", "baud", "latency_ms", "ok", "wire_s",
  "connect_s", "op_s", "prep_s", "data_s", "finish_s", "session_s", "process_s", "tool_reported_s",
  "fraction_data", "fraction_op", "fraction_whole", "line_utilisation", "model_late_ack", "model_best",
  "bytes_to_device", "bytes_from_device", "data_blocks", "host_turnaround_ms", ...BREAKDOWN_COLUMNS, "note",
];
const NUMERIC = CSV_COLUMNS.filter((c) => /_s$|_ms$|^fraction|^line|^model|^bytes|^data_blocks/.test(c));

export function csvLine(values) {
  return values
    .map((v) => {
      if (v === null || v === undefined || Number.isNaN(v)) return "";
      const s = typeof v === "number" ? String(Number(v.toFixed(6))) : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",");
}

/** One run of one row by one tool, as the CSV has it (plus its breakdown). */
export function rowRecord(row, tool, r, run = 1) {
  const p = r.phases || {};
  const wire = wireSeconds(row.size, row.baud);
  const dataBytes = row.op === "read" ? p.dataBytesFromDevice : p.dataBytesToDevice;
  const model = modelCeilings(row.op, row.size, row.baud, row.latencyMs);
  const rec = {
    scenario: row.id, group: row.group, title: row.title, tool, chip: row.chip, run, op: row.op, size_bytes: row.size,
    baud: row.baud, latency_ms: row.latencyMs, ok: r.ok, wire_s: wire,
    connect_s: p.connect, op_s: p.op, prep_s: p.prep, data_s: p.data, finish_s: p.finish, session_s: p.session,
    process_s: r.processSeconds, tool_reported_s: r.toolSeconds,
    fraction_data: p.data && wire ? wire / p.data : null,
    fraction_op: p.op && wire ? wire / p.op : null,
    fraction_whole: r.processSeconds && wire ? wire / r.processSeconds : null,
    line_utilisation: p.data && dataBytes ? wireSeconds(dataBytes, row.baud) / p.data : null,
    model_late_ack: model.late, model_best: model.best,
    bytes_to_device: p.bytesToDevice, bytes_from_device: p.bytesFromDevice, data_blocks: p.dataBlocks,
    host_turnaround_ms: p.hostTurnaroundMs,
    breakdown: r.breakdown || null,
    note: (r.note || "").trim(),
  };
  for (const [k] of PHASES) rec[`phase_${k}_s`] = r.breakdown ? r.breakdown.seconds[k] : null;
  return rec;
}

/**
 * The median of every numeric field over the runs of one row and tool (over
 * the runs that came out right, if any did). `runs` / `okRuns` say how many.
 */
export function aggregate(records) {
  const groups = new Map();
  for (const r of records) {
    const key = `${r.scenario}\u0000${r.tool}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const out = [];
  for (const list of groups.values()) {
    const good = list.filter((r) => r.ok);
    const use = good.length ? good : list;
    const agg = { ...use[0], runs: list.length, okRuns: good.length, ok: good.length > 0 };
    for (const c of NUMERIC) agg[c] = median(use.map((r) => r[c]));
    const bds = use.map((r) => r.breakdown).filter(Boolean);
    agg.breakdown = bds.length ? medianBreakdown(bds) : null;
    const notes = [...new Set(list.map((r) => r.note).filter(Boolean))];
    agg.note = (good.length < list.length ? `${list.length - good.length} of ${list.length} runs failed; ` : "") + notes.join("; ");
    out.push(agg);
  }
  return out;
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

function wireSection(md, rows, find) {
  const wireRows = rows.filter((r) => r.group === "wire");
  if (!wireRows.length) return;
  md.push("## Wire-limit matrix", "");
  md.push("Per tool: **conn**, **data**, **op** and **whole** (process start to exit) in seconds; **data frac** =");
  md.push("wire / data; **whole frac** = wire / whole (what the user waits for, connect and start-up included).");
  md.push("");
  md.push("| job | baud | lat ms | wire | espbak conn | espbak data | espbak data frac | espbak op | espbak whole | espbak whole frac | esptool-js conn | esptool-js data | esptool-js data frac | esptool-js op | esptool-js whole | esptool-js whole frac | model | ratio op | ratio whole | target |");
  md.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
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
    const ratio = (k) => (a?.ok && b?.ok ? fmt(ratioOf(b[k], a[k])) : "–");
    const tool = (r) => `${cell(r, "connect_s")} | ${cell(r, "data_s")} | ${cell(r, "fraction_data", 3)} | ${cell(r, "op_s")} | ${cell(r, "process_s")} | ${cell(r, "fraction_whole", 3)}`;
    md.push(`| ${row.title} | ${row.baud} | ${row.latencyMs} | ${fmt(wireSeconds(row.size, row.baud))} | ${tool(a)} | ${tool(b)} | ${modelText(row)} | ${ratio("op_s")} | ${ratio("process_s")} | ${verdict} |`);
  }
  md.push("");
}

function featureSection(md, rows, find, caps) {
  const featureRows = rows.filter((r) => r.group === "feature");
  if (!featureRows.length) return;
  md.push("## Feature scenarios (issue 6)", "");
  md.push("\"feature\" says whether espbak offered the option (from its `--help`). **eff** = wire limit of the whole");
  md.push("job / op, **whole eff** = wire limit / whole command (process start to exit); above 1: less than the");
  md.push("whole job crossed the wire.");
  md.push("");
  md.push("| job | baud | lat ms | wire (whole job) | feature | espbak conn | espbak data | espbak op | espbak eff | espbak whole | espbak whole eff | bytes to / from chip | esptool-js op | esptool-js eff | esptool-js whole | esptool-js whole eff | ratio op | ratio whole |");
  md.push("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of featureRows) {
    const a = find(row.id, "espbak");
    const b = find(row.id, "esptool-js");
    const feature = `${row.feature.name}: ${row.feature.inEffect(caps) ? "available" : "not in espbak yet"}`;
    const ok = (r, k, d = 2) => (r ? (r.ok ? fmt(r[k], d) : "FAILED") : "n/a");
    const eff = (r, k) => (r?.ok && r[k] ? fmt(r.wire_s / r[k], 3) : r ? "–" : "n/a");
    const bytes = a?.ok ? `${sizeName(a.bytes_to_device)} / ${sizeName(a.bytes_from_device)}` : "–";
    const ratio = (k) => (a?.ok && b?.ok ? fmt(ratioOf(b[k], a[k])) : "–");
    md.push(`| ${row.title} | ${row.baud} | ${row.latencyMs} | ${fmt(wireSeconds(row.size, row.baud))} | ${feature} | ${ok(a, "connect_s")} | ${ok(a, "data_s")} | ${ok(a, "op_s")} | ${eff(a, "op_s")} | ${ok(a, "process_s")} | ${eff(a, "process_s")} | ${bytes} | ${ok(b, "op_s")} | ${eff(b, "op_s")} | ${ok(b, "process_s")} | ${eff(b, "process_s")} | ${ratio("op_s")} | ${ratio("process_s")} |`);
  }
  md.push("");
}

/** Connect rows: espbak beside esptool-js per chip and latency; ratio = espbak / esptool-js (below 1: espbak faster). */
export function connectSection(md, rows, find) {
  const connectRows = rows.filter((r) => r.group === "connect");
  if (!connectRows.length) return;
  md.push("## Connect per chip family", "");
  md.push("**connect** = port open (TCP accept) to the first command after the stub greeted (OHAI) and the");
  md.push("CHANGE_BAUDRATE reply, i.e. the first frame at the new rate; **whole** = `espbak -b BAUD flash_id`");
  md.push("from process start to exit (esptool-js: its runner's process: Node start, main() = sync, chip detection,");
  md.push("stub, baud change, flash id; disconnect). **ratio** = espbak / esptool-js (below 1: espbak faster).");
  md.push("Target (issue 17): connect ≤ 0.35 s at 1 ms and ≤ 0.8 s at 16 ms on the ESP32 family.");
  md.push("");
  md.push("| chip | baud | lat ms | espbak connect | esptool-js connect | ratio connect | espbak whole | esptool-js whole | ratio whole | runs | target (connect) |");
  md.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const row of connectRows) {
    const a = find(row.id, "espbak");
    const b = find(row.id, "esptool-js");
    const cell = (r, k) => (r ? (r.ok ? fmt(r[k]) : "FAILED") : "n/a");
    const ratio = (k) => (a?.ok && b?.ok ? fmt(ratioOf(a[k], b[k])) : "–");
    const limit = row.chip === "esp8266" ? null : row.latencyMs <= 1 ? 0.35 : row.latencyMs <= 16 ? 0.8 : null;
    let target = "–";
    if (limit !== null && a?.ok) target = a.connect_s <= limit ? `met (≤ ${limit})` : `above ${limit}`;
    const runs = [a, b].filter(Boolean).map((r) => `${r.okRuns}/${r.runs}`).join(", ");
    md.push(`| ${row.chip} | ${row.baud} | ${row.latencyMs} | ${cell(a, "connect_s")} | ${cell(b, "connect_s")} | ${ratio("connect_s")} | ${cell(a, "process_s")} | ${cell(b, "process_s")} | ${ratio("process_s")} | ${runs} | ${target} |`);
  }
  md.push("");
  // The same runs phase by phase (bench/breakdown.mjs), to see where each tool's connect goes.
  const shown = ["start", "sync", "detect", "stub", "baud", "attach", "exit"];
  md.push("Phases of the same runs (medians, seconds; bench/breakdown.mjs):", "");
  md.push(`| chip | lat ms | tool | ${shown.map((k) => PHASES.find(([p]) => p === k)[1]).join(" | ")} |`);
  md.push(`|---|---:|---|${shown.map(() => "---:").join("|")}|`);
  for (const row of connectRows)
    for (const tool of ["espbak", "esptool-js"]) {
      const r = find(row.id, tool);
      if (!r?.ok || !r.breakdown) continue;
      md.push(`| ${row.chip} | ${row.latencyMs} | ${tool} | ${shown.map((k) => fmt(r.breakdown.seconds[k], 3)).join(" | ")} |`);
    }
  md.push("");
}

/** Splits one CSV line as csvLine writes it (quoted fields, "" inside quotes). */
export function parseCsvLine(line) {
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * The breakdowns of an earlier run's CSV (--baseline FILE), as medians per
 * scenario and tool: Map "scenario\0tool" -> medianBreakdown (no command counts).
 */
export function baselineBreakdowns(file) {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  const head = parseCsvLine(lines[0]);
  const groups = new Map();
  for (const line of lines.slice(1)) {
    const v = Object.fromEntries(parseCsvLine(line).map((x, i) => [head[i], x]));
    if (v.ok !== "true" || v.phase_data_s === undefined) continue;
    const num = (x) => (x === "" || x === undefined ? null : Number(x));
    const key = `${v.scenario}\u0000${v.tool}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({
      seconds: Object.fromEntries(PHASES.map(([k]) => [k, num(v[`phase_${k}_s`])])),
      commands: {},
      total: num(v.process_s),
    });
  }
  const map = new Map([...groups].map(([k, list]) => [k, medianBreakdown(list)]));
  map.file = file;
  return map;
}

/**
 * The breakdown table(s): per tool, one column per row of the breakdown
 * group; with a baseline (an earlier run's breakdown.csv), its column first.
 */
export function breakdownSection(md, rows, agg, baseline = null) {
  const bdRows = rows.filter((r) => r.group === "breakdown");
  if (!bdRows.length) return;
  md.push("## Where each second of a full backup goes", "");
  md.push("From the tap's timestamps and the host commands' opcodes (bench/breakdown.mjs): each command's");
  md.push("interval runs to the next command; the process start and exit come from the harness's clock.");
  md.push("Median of each phase over the runs (the phases need not add up to the median whole exactly).");
  md.push("");
  for (const tool of ["espbak", "esptool-js"]) {
    const columns = [];
    for (const row of bdRows) {
      const r = agg.find((x) => x.scenario === row.id && x.tool === tool);
      const before = baseline?.get(`${row.id}\u0000${tool}`);
      const wire = wireSeconds(row.size, row.baud);
      if (before) columns.push({ title: `before ${row.baud} / ${row.latencyMs} ms`, breakdown: before, wire });
      if (r?.ok && r.breakdown)
        columns.push({ title: `${baseline ? "after " : ""}${row.baud} / ${row.latencyMs} ms`, breakdown: r.breakdown, rec: r });
    }
    if (!columns.length) continue;
    md.push(`### ${tool}: ${bdRows[0].op === "read" ? "read_flash 0 ALL" : bdRows[0].title}, ${sizeName(bdRows[0].size)} used`, "");
    if (baseline) md.push(`"before" = medians of ${path.relative(sourceRoot, baseline.file)} (its runs, phase by phase).`, "");
    md.push(breakdownMarkdown(columns));
    md.push("");
    md.push(topCommandsMarkdown(columns.filter((c) => c.rec)));
    for (const c of columns.filter((x) => !x.rec))
      md.push(`- ${c.title}: whole command ${fmt(c.breakdown.total)} s = ${fmt(ratioOf(c.wire, c.breakdown.total), 3)} of the wire limit; ${c.breakdown.runs} runs.`);
    for (const c of columns.filter((x) => x.rec))
      md.push(`- ${c.title}: wire limit ${fmt(c.rec.wire_s)} s; whole command ${fmt(c.rec.process_s)} s = ${fmt(c.rec.fraction_whole, 3)} of the wire limit; data phase fraction ${fmt(c.rec.fraction_data, 3)}; ${c.rec.okRuns} of ${c.rec.runs} runs.`);
    md.push("");
  }
}

/**
 * results.csv (one line per run) and results.md (medians per row and tool).
 * `r`: {info, records, rows, startup, memory, caps, esptoolJsVersion, espbakVersion, elapsed, repeat}
 */
export function writeResults(opts, r) {
  const { info, records, rows, startup, memory, caps, esptoolJsVersion, espbakVersion, elapsed } = r;
  // quick and full write results.*; the focused modes their own files beside them.
  const base = opts.mode === "connect" || opts.mode === "breakdown" ? opts.mode : "results";
  fs.mkdirSync(opts.out, { recursive: true });
  fs.writeFileSync(
    path.join(opts.out, `${base}.csv`),
    [CSV_COLUMNS.join(","), ...records.map((x) => csvLine(CSV_COLUMNS.map((c) => x[c])))].join("\n") + "\n",
  );
  const agg = aggregate(records);
  const find = (id, tool) => agg.find((x) => x.scenario === id && x.tool === tool);
  const chips = [...new Set(rows.map((x) => x.chip || opts.chip))].join(", ");
  const md = [];
  md.push(`# espbak benchmark results (${opts.mode})`, "");
  md.push(`- Date: ${info.date}`);
  md.push(`- Machine: ${info.host}`);
  md.push(`- Load average before / after: ${info.loadBefore} / ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  md.push(`- Commit: ${info.commit}; ${espbakVersion}; esptool-js ${esptoolJsVersion}; Node ${info.node}`);
  md.push(`- Binaries: ${opts.buildDir}/espbak, ${opts.buildDir}/espsim`);
  md.push(`- espsim --chip ${chips} --flash-size ${FLASH_SIZE} --link realistic; run time ${(elapsed / 60).toFixed(1)} min`);
  md.push(`- Method, definitions and caveats: docs/benchmarks.md. Measured at the TCP boundary by bench/tap.mjs;`);
  md.push(r.repeat > 1
    ? `  ${r.repeat} runs per cell (in rounds), the median shown; results.csv has every run.`
    : `  one run per cell, no repetition: on a loaded machine treat differences below a few percent as noise.`);
  md.push("");
  md.push("Columns: **wire** = size × 10 / baud (the wire limit); **conn** = connect cost (sync, chip detection,");
  md.push("stub upload, baud change); **data** = data phase (first READ_FLASH / FLASH_BEGIN to the last data");
  md.push("frame / block reply); **op** = everything after connect (flash id, erase, data, MD5 verification);");
  md.push("**whole** = the tool's process from start to exit; **model** = ceilings of the data phase from the");
  md.push("protocol and espsim's timings: reads \"late / best\" = a host that acknowledges each packet after");
  md.push("receipt (esptool, esptool-js: T/(T+2L)) / the best any host can do with the shipped stub (one packet");
  md.push("in flight: T/max(T, 2L)); writes = one 16 KB block in flight against the flash's page-program and");
  md.push("64 KB-erase times (models.mjs modelWriteOneBlock); **ratio op / whole** = esptool-js / espbak");
  md.push("(above 1: espbak faster; the connect table's ratio is the other way round). All times in seconds.");
  md.push("");
  connectSection(md, rows, find);
  breakdownSection(md, rows, agg, opts.baseline ? baselineBreakdowns(opts.baseline) : null);
  wireSection(md, rows, find);
  featureSection(md, rows, find, caps);
  md.push("## Diagnostics per run", "");
  md.push("**prep** = connect end to first data command (flash id, attach, host-side compression, erase start);");
  md.push("**finish** = last data reply to last byte (MD5 verification); **line** = bytes that crossed the wire in the");
  md.push("busier direction during the data phase (SLIP escapes and headers included) × 10 / baud / data time;");
  md.push("**turn** = median host turnaround in ms (data frame or block reply end to the host's next frame; negative:");
  md.push("sent before the frame ended); **blocks** = FLASH_DATA / FLASH_DEFL_DATA commands; **session** = TCP accept");
  md.push("to the last byte; **whole** = process start to exit. Medians over the runs.");
  md.push("");
  md.push("| scenario | tool | ok runs | conn | prep | data | finish | session | whole | line | turn ms | blocks | to chip | from chip |");
  md.push("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of agg)
    md.push(`| ${r.scenario} | ${r.tool} | ${r.okRuns}/${r.runs} | ${fmt(r.connect_s)} | ${fmt(r.prep_s)} | ${fmt(r.data_s)} | ${fmt(r.finish_s)} | ${fmt(r.session_s)} | ${fmt(r.process_s)} | ${fmt(r.line_utilisation, 3)} | ${fmt(r.host_turnaround_ms)} | ${r.data_blocks ?? "–"} | ${r.bytes_to_device ?? "–"} | ${r.bytes_from_device ?? "–"} |`);
  md.push("");

  const failures = agg.filter((r) => !r.ok || r.note);
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

  if (rows.some((x) => x.group === "wire")) {
    md.push("## Charts", "");
    for (const f of fs.readdirSync(opts.out).filter((f) => f.endsWith(".png")).sort()) md.push(`![${f}](${f})`);
    md.push("");
  }
  const file = path.join(opts.out, `${base}.md`);
  fs.writeFileSync(file, md.join("\n"));
  return file;
}

export function writeCharts(opts, runRecords) {
  const records = aggregate(runRecords);
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
