// Tests of report.mjs's CSV round trip and the --baseline reader: node --test bench/
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";

import { PHASES } from "./breakdown.mjs";
import { baselineBreakdowns, csvLine, parseCsvLine } from "./report.mjs";

test("parseCsvLine reads back what csvLine wrote: commas, quotes, empty cells", () => {
  const values = ["read_flash 0 ALL, 4 MB used", 'say "hi"', null, 1.5, "", true];
  assert.deepEqual(parseCsvLine(csvLine(values)), ["read_flash 0 ALL, 4 MB used", 'say "hi"', "", "1.5", "", "true"]);
});

test("baselineBreakdowns: medians per scenario and tool over the runs that came out right", () => {
  const head = ["scenario", "tool", "ok", "process_s", ...PHASES.map(([k]) => `phase_${k}_s`), "note"];
  const line = (scenario, ok, data, total) =>
    csvLine([scenario, "espbak", ok, total, ...PHASES.map(([k]) => (k === "data" ? data : 0.01)), "x, y"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-test-"));
  const file = path.join(dir, "breakdown.csv");
  fs.writeFileSync(file, [head.join(","), line("a", true, 10, 11), line("a", true, 30, 31), line("a", true, 20, 21),
    line("a", false, 99, 99), line("b", true, 5, 6)].join("\n") + "\n");
  const m = baselineBreakdowns(file);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(m.get("a\u0000espbak").seconds.data, 20);
  assert.equal(m.get("a\u0000espbak").total, 21);
  assert.equal(m.get("a\u0000espbak").runs, 3, "the failed run is left out");
  assert.equal(m.get("b\u0000espbak").seconds.sync, 0.01);
  assert.equal(m.file, file);
});
