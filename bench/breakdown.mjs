// "Where each second goes": splits one flasher session, as the tap recorded
// it (bench/tap.mjs), into the phases a user waits through, from the tool's
// process start to its exit. Pure functions over the recorded chunks; the
// harness (bench.mjs) runs the sessions and prints the table.
//
// Each host command (a SLIP frame holding a request packet: direction byte 0,
// the opcode, a size field that matches) opens an interval that lasts until
// the next host command starts (the last one: until the last byte either way
// crossed). The interval belongs to the phase of the command's opcode; frames
// that are not commands (the read stream's acknowledgements) open none.
// Before the first command: reset and sync (the tool opened the port; a TCP
// port takes no DTR/RTS reset). After the last byte: the tool's own work
// until its process ended (file sync and rename, manifest, exit).
import { OHAI, OP, framesOf, packetOf } from "./tap.mjs";

/** Phase keys in timeline order, with the label the table prints. */
export const PHASES = [
  ["start", "process start to port open"],
  ["sync", "reset + sync"],
  ["detect", "chip detection (ROM register reads)"],
  ["stub", "stub upload (MEM_* to OHAI)"],
  ["baud", "baud change (CHANGE_BAUDRATE to next command)"],
  ["attach", "flash id / attach / SPI params"],
  ["survey", "erased-block survey (MD5 before the first read)"],
  ["data", "data (READ_FLASH commands and their streams)"],
  ["verify", "final verification (MD5 after the last read)"],
  ["after", "other commands after the data"],
  ["exit", "last byte to process exit"],
];

const OP_NAMES = Object.fromEntries(Object.entries(OP).map(([name, op]) => [op, name]));
const STUB_OPS = new Set([OP.MEM_BEGIN, OP.MEM_DATA, OP.MEM_END]);
const DATA_OPS = new Set([OP.READ_FLASH, OP.FLASH_BEGIN, OP.FLASH_DATA, OP.FLASH_DEFL_BEGIN, OP.FLASH_DEFL_DATA]);

/**
 * The phase of one host command, from its opcode and where it falls: before
 * the stub greeted (OHAI), before the first data command, after the last.
 */
export function phaseOf(op, t, marks) {
  if (op === OP.SYNC) return "sync";
  if (STUB_OPS.has(op)) return "stub";
  if (op === OP.CHANGE_BAUDRATE) return "baud";
  if (DATA_OPS.has(op)) return "data";
  const beforeData = marks.firstData === null || t < marks.firstData;
  const afterData = marks.lastData !== null && t > marks.lastData;
  if (op === OP.SPI_FLASH_MD5) return beforeData ? "survey" : afterData ? "verify" : "data";
  if (marks.ohai === null || t < marks.ohai) return "detect";
  if (beforeData) return "attach";
  return afterData ? "after" : "data";
}

/**
 * @param session {acceptedNs, chunks: [{t, dir, bytes}]} from Tap
 * @param times {startNs, endNs}: the tool's process start and exit, on the
 *        same clock (process.hrtime.bigint); either may be missing
 * @returns {seconds: {phase: s}, commands: {phase: n}, byCommand: {"phase OP": {seconds, count}}, total: s}
 *          (total = process start to exit, or accept to last byte without times)
 */
export function breakdownSession(session, times = {}) {
  const h2d = framesOf(session.chunks, "h2d");
  const d2h = framesOf(session.chunks, "d2h");
  const ohaiFrame = d2h.find((f) => f.length === 4 && OHAI.every((v, i) => f.head[i] === v));
  const commands = [];
  for (const f of h2d) {
    const p = packetOf(f, 0x00);
    if (p) commands.push({ t: f.start, op: p.op });
  }
  const data = commands.filter((c) => DATA_OPS.has(c.op));
  const marks = {
    ohai: ohaiFrame ? ohaiFrame.end : null,
    firstData: data.length ? data[0].t : null,
    lastData: data.length ? data[data.length - 1].t : null,
  };
  let lastByte = session.acceptedNs;
  for (const c of session.chunks) if (c.t > lastByte) lastByte = c.t;

  const seconds = Object.fromEntries(PHASES.map(([k]) => [k, 0]));
  const counts = Object.fromEntries(PHASES.map(([k]) => [k, 0]));
  const byCommand = {}; // "phase OPNAME" -> {seconds, count}
  const add = (phase, from, to, op) => {
    if (from === null || from === undefined || to === null || to === undefined || to < from) return;
    const s = Number(to - from) / 1e9;
    seconds[phase] += s;
    if (op === undefined) return;
    const key = `${phase} ${OP_NAMES[op] ?? `0x${op.toString(16).padStart(2, "0")}`}`;
    byCommand[key] ??= { seconds: 0, count: 0 };
    byCommand[key].seconds += s;
    byCommand[key].count++;
  };
  add("start", times.startNs, session.acceptedNs);
  add("sync", session.acceptedNs, commands.length ? commands[0].t : lastByte);
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i];
    const phase = phaseOf(c.op, c.t, marks);
    counts[phase]++;
    add(phase, c.t, i + 1 < commands.length ? commands[i + 1].t : lastByte, c.op);
  }
  add("exit", lastByte, times.endNs);
  const from = times.startNs ?? session.acceptedNs;
  const to = times.endNs ?? lastByte;
  return { seconds, commands: counts, byCommand, total: Number(to - from) / 1e9 };
}

/** Median of the numbers in `values` (nulls skipped); null when there are none. */
export function median(values) {
  const v = values.filter((x) => typeof x === "number" && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Medians over several breakdowns of one job: {seconds, commands, total, runs}.
 * Each phase's median is taken on its own, so the phases need not add up to
 * the median total exactly.
 */
export function medianBreakdown(list) {
  const seconds = {};
  const commands = {};
  for (const [k] of PHASES) {
    seconds[k] = median(list.map((b) => b.seconds[k]));
    commands[k] = median(list.map((b) => b.commands[k]));
  }
  const byCommand = {};
  for (const key of new Set(list.flatMap((b) => Object.keys(b.byCommand || {}))))
    byCommand[key] = {
      seconds: median(list.map((b) => b.byCommand?.[key]?.seconds ?? 0)),
      count: median(list.map((b) => b.byCommand?.[key]?.count ?? 0)),
    };
  return { seconds, commands, byCommand, total: median(list.map((b) => b.total)), runs: list.length };
}

/**
 * A markdown table: one row per phase, one column per job
 * (columns: [{title, breakdown: medianBreakdown(...)}]), seconds and share.
 */
export function breakdownMarkdown(columns) {
  const f = (x) => (x === null || x === undefined ? "–" : x.toFixed(2));
  const lines = [];
  lines.push(`| phase | ${columns.map((c) => `${c.title} (s) | share | cmds`).join(" | ")} |`);
  lines.push(`|---|${columns.map(() => "---:|---:|---:").join("|")}|`);
  for (const [k, label] of PHASES) {
    const cells = columns.map(({ breakdown: b }) => {
      const s = b.seconds[k];
      const share = s !== null && b.total ? `${((100 * s) / b.total).toFixed(1)} %` : "–";
      return `${f(s)} | ${share} | ${b.commands[k] ?? "–"}`;
    });
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  lines.push(`| **whole command** | ${columns.map(({ breakdown: b }) => `**${f(b.total)}** | 100 % | `).join(" | ")} |`);
  return lines.join("\n");
}

/** The `n` command kinds that took longest, per column: "phase OP: s (count)". */
export function topCommandsMarkdown(columns, n = 6) {
  const lines = [];
  for (const { title, breakdown: b } of columns) {
    const top = Object.entries(b.byCommand || {})
      .sort((x, y) => y[1].seconds - x[1].seconds)
      .slice(0, n)
      .map(([key, v]) => `${key} ${v.seconds.toFixed(2)} s (${v.count}x)`);
    lines.push(`- ${title}, longest command kinds: ${top.join("; ")}`);
  }
  return lines.join("\n");
}
