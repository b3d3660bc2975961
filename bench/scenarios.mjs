// The benchmark scenarios, as data. bench.mjs runs every row the chosen mode
// selects, once per tool, each on a fresh espsim (--link realistic) whose
// flash file starts as `flash` describes.
//
// A row:
//   id        unique, used in file names and --only
//   group     "wire": the issue-6 matrix (fraction of the wire limit)
//             "feature": jobs later espbak features should speed up; measured
//             with whatever espbak does today and labelled so
//   title     what the row means, for the results table
//             "connect": `espbak -b BAUD flash_id` per chip family, both tools
//             "breakdown": a full backup split into its phases (bench/breakdown.mjs)
//   op        "read" | "write" | "flash_id"
//   chip      espsim's --chip (default: bench.mjs --chip, esp32)
//   flash     content of the flash before the run (an IMAGES key)
//   image     write: the file written at address 0 (an IMAGES key)
//   size      bytes the job covers (read length; write: the image size);
//             the wire limit is size * 10 / baud
//   previous  read: the earlier backup an incremental read may compare with
//   baud, latencyMs
//   tools     which tools run it ("espbak", "esptool-js")
//   globalArgs espbak's options after -p and -b (default: -c CHIP --json)
//   defaultTools the tools run when --tools is not given (default: tools)
//   espbakArgs(ctx) -> the espbak command after the global options; ctx has
//             {files: {out, image, previous}, caps} (caps: what `espbak ...
//             --help` offers, so a row picks up a new option once it exists)
//   feature   the espbak feature the row waits for, and `inEffect(caps)`

export const MB = 1024 * 1024;
export const KB = 1024;
export const FLASH_SIZE = "4MB";
export const FLASH_BYTES = 4 * MB;

/**
 * Flash and file images: name -> {bytes, build(rand)} where rand(n, seed)
 * returns n reproducible incompressible bytes. Built once per run.
 */
export const IMAGES = {
  // The chip's flash before a write: old random contents, so a correct write
  // really changes every byte.
  "old-4MB": { bytes: FLASH_BYTES, build: (rand) => rand(FLASH_BYTES, "old") },
  // The chip's flash for raw reads: incompressible data everywhere.
  "random-4MB": { bytes: FLASH_BYTES, build: (rand) => rand(FLASH_BYTES, "random") },
  // Incompressible write images (zlib cannot shrink them).
  "random-1MB": { bytes: 1 * MB, build: (rand) => rand(1 * MB, "write-1MB") },
  "random-4MB-image": { bytes: FLASH_BYTES, build: (rand) => rand(FLASH_BYTES, "write-4MB") },
  // A typical ESP32 board: bootloader at 0x1000 (24 KB), partition table at
  // 0x8000 (3 KB), application at 0x10000, 400 KB of firmware in all; the
  // rest of the 4 MB erased (0xFF), as after `esptool write_flash` of an app.
  typical: { bytes: FLASH_BYTES, build: (rand) => typicalImage(rand) },
  // The same board a little later: 8 KB of NVS at 0x9000 rewritten.
  "typical-8KB-changed": {
    bytes: FLASH_BYTES,
    build: (rand) => {
      const image = typicalImage(rand);
      image.set(rand(8 * KB, "nvs-change"), 0x9000);
      return image;
    },
  },
};

function typicalImage(rand) {
  const image = new Uint8Array(FLASH_BYTES).fill(0xff);
  const bootloader = 24 * KB;
  const partitions = 3 * KB;
  const app = 400 * KB - bootloader - partitions;
  image.set(rand(bootloader, "bootloader"), 0x1000);
  image.set(rand(partitions, "partitions"), 0x8000);
  image.set(rand(app, "app"), 0x10000);
  return image;
}

export const BAUDS = [115200, 460800, 921600, 2000000];
export const LATENCIES_MS = [1, 16];
export const TOOLS = ["espbak", "esptool-js"];

const hex = (n) => "0x" + n.toString(16);

function wireRow(op, size, baud, latencyMs) {
  const sizeName = `${size / MB}MB`;
  if (op === "read") {
    return {
      id: `read-${sizeName}-${baud}-${latencyMs}ms`,
      group: "wire",
      title: `read_flash ${sizeName}`,
      op,
      flash: "random-4MB",
      size,
      baud,
      latencyMs,
      tools: TOOLS,
      espbakArgs: ({ files }) => ["read_flash", "0", hex(size), files.out],
    };
  }
  return {
    id: `write-${sizeName}-${baud}-${latencyMs}ms`,
    group: "wire",
    title: `write_flash ${sizeName} incompressible`,
    op,
    flash: "old-4MB",
    image: size === MB ? "random-1MB" : "random-4MB-image",
    size,
    baud,
    latencyMs,
    tools: TOOLS,
    espbakArgs: ({ files }) => ["write_flash", "0", files.image],
  };
}

/** Jobs later issue-6 features target; today they show what espbak does without them. */
function featureRows(baud, latencyMs, tools) {
  return [
    {
      id: `typical-backup-${baud}-${latencyMs}ms`,
      group: "feature",
      title: "backup of a typical 4 MB board (400 KB firmware, rest erased)",
      op: "read",
      flash: "typical",
      size: FLASH_BYTES,
      baud,
      latencyMs,
      tools,
      feature: { name: "erased-block skipping", inEffect: (caps) => caps.erasedSkip },
      espbakArgs: ({ files }) => ["read_flash", "0", hex(FLASH_BYTES), files.out],
    },
    {
      id: `second-backup-${baud}-${latencyMs}ms`,
      group: "feature",
      title: "second backup of that board, 8 KB changed (--diff-with the first)",
      op: "read",
      flash: "typical-8KB-changed",
      previous: "typical",
      size: FLASH_BYTES,
      baud,
      latencyMs,
      tools,
      feature: { name: "incremental backup (--diff-with)", inEffect: (caps) => caps.diffWith },
      espbakArgs: ({ files, caps }) => [
        "read_flash",
        ...(caps.diffWith ? ["--diff-with", files.previous] : []),
        "0",
        hex(FLASH_BYTES),
        files.out,
      ],
    },
    {
      id: `restore-unchanged-${baud}-${latencyMs}ms`,
      group: "feature",
      title: "restore of the typical image onto a board that already holds it",
      op: "write",
      flash: "typical",
      image: "typical",
      size: FLASH_BYTES,
      baud,
      latencyMs,
      tools,
      feature: { name: "unchanged-region skipping on write", inEffect: (caps) => caps.skipUnchanged },
      espbakArgs: ({ files }) => ["write_flash", "0", files.image],
    },
  ];
}

/** The chip families of the connect rows (one ROM and stub each; docs/benchmarks.md). */
export const CONNECT_CHIPS = ["esp8266", "esp32", "esp32s3", "esp32c3", "esp32c6", "esp32p4"];

/**
 * Connect rows: what `espbak -b 921600 flash_id` costs from process start to
 * exit, and its connect phase (port open to the stub running at the new
 * rate), per chip; esptool-js does the same (main(): sync, chip detection,
 * stub, baud change, flash id; then disconnect). No -c: espbak detects the
 * chip, as the user's command does.
 */
function connectRows(baud = 921600) {
  const rows = [];
  for (const chip of CONNECT_CHIPS)
    for (const latencyMs of LATENCIES_MS)
      rows.push({
        id: `connect-${chip}-${baud}-${latencyMs}ms`,
        group: "connect",
        title: `flash_id ${chip}`,
        op: "flash_id",
        chip,
        flash: "random-4MB",
        size: 0,
        baud,
        latencyMs,
        tools: TOOLS,
        globalArgs: [],
        espbakArgs: () => ["flash_id"],
      });
  return rows;
}

/**
 * Breakdown rows: `espbak -b 921600 read_flash 0 ALL FILE` of a fully used,
 * incompressible 4 MB ESP32 flash, split into its phases. esptool-js can run
 * them too (`--tools espbak,esptool-js`: readFlash of the whole 4 MB), but is
 * left out by default (87 s per run at 16 ms).
 */
function breakdownRows(baud = 921600) {
  return LATENCIES_MS.map((latencyMs) => ({
    id: `breakdown-read-4MB-${baud}-${latencyMs}ms`,
    group: "breakdown",
    title: `read_flash 0 ALL, 4 MB used, ${baud} / ${latencyMs} ms`,
    op: "read",
    chip: "esp32",
    flash: "random-4MB",
    size: FLASH_BYTES,
    baud,
    latencyMs,
    tools: TOOLS,
    defaultTools: ["espbak"],
    globalArgs: [],
    espbakArgs: ({ files }) => ["read_flash", "0", "ALL", files.out],
  }));
}

/**
 * connect:   the connect rows (6 chips x 2 latencies x 2 tools), 3 runs each
 * breakdown: the full-backup breakdown at 921600, 1 and 16 ms, 3 runs each
 * quick: 1 MB at 921600 and 2000000 baud, 1 and 16 ms, both tools; the
 *        feature rows at 2000000 baud / 1 ms, espbak only.
 * full:  1 MB and 4 MB at every baud and latency, both tools; the feature
 *        rows at 921600 and 2000000 baud, 1 and 16 ms, both tools; the connect rows.
 */
export function scenarios(mode) {
  if (mode === "connect") return connectRows();
  if (mode === "breakdown") return breakdownRows();
  const rows = [];
  const quick = mode === "quick";
  const sizes = quick ? [MB] : [MB, 4 * MB];
  const bauds = quick ? [921600, 2000000] : BAUDS;
  for (const op of ["read", "write"])
    for (const size of sizes)
      for (const baud of bauds) for (const latency of LATENCIES_MS) rows.push(wireRow(op, size, baud, latency));
  if (quick) rows.push(...featureRows(2000000, 1, ["espbak"]));
  else {
    for (const baud of [921600, 2000000]) for (const latency of LATENCIES_MS) rows.push(...featureRows(baud, latency, TOOLS));
    rows.push(...connectRows());
  }
  return rows;
}
