// The chips the esptool-js interop test runs against espsim, one row each,
// with the text esptool-js 0.7.0 prints for espsim's part and, where that
// differs from esptool v5.3.1, why (tests/interop/README.md).
// One row per chip espsim simulates. The JEDEC ids are real parts whose
// capacity byte matches the flash size (esptool DETECTED_FLASH_SIZES:
// 0x15 = 2MB, 0x16 = 4MB): Winbond W25Q16 (EF 40 15), GigaDevice GD25Q32 (C8 40 16).
export const CHIPS = [
  {
    chip: "esp8266",
    chipName: "ESP8266",
    description: /^ESP8266EX$/,
    flashSize: "2MB",
    jedecId: "EF4015",
    mac: "5c:cf:7f:a1:b2:c3",
  },
  {
    chip: "esp32",
    chipName: "ESP32",
    description: /^ESP32-\S+.*\(revision \S+\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "24:0a:c4:12:34:56",
  },
  {
    chip: "esp32s3",
    chipName: "ESP32-S3",
    description: /^ESP32-S3 \(QFN56\) \(revision v0\.2\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "7c:df:a1:12:34:56",
  },
  {
    chip: "esp32c3",
    chipName: "ESP32-C3",
    // esptool-js 0.7.0 targets/esp32c3.js decodes package and revision with
    // esptool's bit positions (BLOCK1 word 3 bits 21-23, word 5 bits 23-25
    // and word 3 bits 18-20): the same text esptool prints.
    description: /^ESP32-C3 \(QFN32\) \(revision v0\.4\)$/,
    flashSize: "4MB",
    jedecId: "204016",
    mac: "84:fc:e6:12:34:56",
  },
  {
    chip: "esp32c6",
    chipName: "ESP32-C6",
    // esptool-js 0.7.0 targets/esp32c6.js reads the C6 eFuses with the C3's
    // layout: package at BLOCK1 word 3 bits 21-23 and a 3-bit "revision" at
    // bits 18-20, where esptool v5.3.1 (targets/esp32c6.py) has the minor
    // revision at bits 18-21, the major at 22-23 and the package at 24-26.
    // On espsim's ESP32-C6FH4 v0.2 (package 1, major 0, minor 2) esptool-js
    // therefore sees package 0 and revision 2, and prints "ESP32-C6
    // (revision 2)" where esptool prints "ESP32-C6FH4 (QFN32) (revision
    // v0.2)". espsim keeps esptool's layout; the row expects what esptool-js
    // really derives from it. (Its SPI_REG_BASE is 0x60003000 in 0.7.0,
    // esptool's value: the pre-PR #253 bug is gone, RDID works.)
    description: /^ESP32-C6 \(revision 2\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "60:55:f9:12:34:56",
  },
  {
    chip: "esp32h2",
    chipName: "ESP32-H2",
    // esptool-js 0.7.0 targets/esp32h2.js decodes with esptool v5.3.1's bit
    // positions (package BLOCK1 word 4 bits 0-2, minor word 3 bits 18-20,
    // major bits 21-22): on espsim's ESP32-H2 v0.1 the text esptool prints.
    // (Only its unknown-package wording differs: "unknown ESP32-H2", where
    // esptool prints "Unknown ESP32-H2"; not reached here.)
    description: /^ESP32-H2 \(revision v0\.1\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "60:55:f9:12:34:57",
    // getCrystalFreq: a constant 32, as esptool's get_crystal_freq.
    crystal: /Crystal is 32MHz/,
  },
  // ESP32-P4, both stub images: esptool-js 0.7.0 runStub takes
  // getChipRevision (major * 100 + minor) to stubFlasher.js, which picks
  // esp32p4-rev1.json when `chipRevision && chipRevision < 300` and
  // esp32p4.json otherwise (targets/esp32p4.js getStubJsonPath says the
  // same), as esptool's stub_json_name does, except on a v0.0 part (revision
  // 0 is falsy there: not simulated). espsim starts only the image for its
  // revision, so "Stub running" checks that choice. On
  // v3.1 esptool-js's postConnect runs powerOnFlash (esptool's register
  // sequence) before it reads the flash, which espsim's v3.1 keeps off until
  // then. getChipDescription decodes esptool's bits (BLOCK1 word 2), so the
  // description is esptool's; its getChipFeatures is ["High-Performance
  // MCU"] where esptool v5.3.1 says "Dual Core + LP Core, 400MHz" (not
  // checked here: main() prints no features).
  {
    chip: "esp32p4",
    simArgs: ["--chip-revision", "1.0"],
    chipName: "ESP32-P4",
    description: /^ESP32-P4 \(revision v1\.0\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "30:ed:a0:12:34:57",
  },
  {
    chip: "esp32p4",
    simArgs: ["--chip-revision", "3.1"],
    chipName: "ESP32-P4",
    description: /^ESP32-P4 \(revision v3\.1\)$/,
    flashSize: "2MB",
    jedecId: "EF4015",
    mac: "30:ed:a0:12:34:58",
  },
  {
    chip: "esp32h4",
    chipName: "ESP32-H4",
    // esptool-js 0.7.0 targets/esp32h4.js agrees with esptool v5.3.1's
    // targets/esp32h4.py: IMAGE_CHIP_ID 28, SPI_REG_BASE 0x60099000, eFuse
    // base 0x600B1800 with BLOCK1 at +0x44, package BLOCK1 word 4 bits 12-14,
    // minor word 3 bits 18-21, major bits 22-23, so on espsim's ESP32-H4 v0.1
    // it prints what esptool prints. Its readMac is the C3's (base MAC only,
    // MAC_EXT ignored), esptool's BASE_MAC. (Its UART_CLKDIV_REG, inherited
    // from its C3 target, is 0x3FF40014 where esptool's C3 class has
    // 0x60000014; neither reads it with the H4's fixed 32 MHz crystal.)
    description: /^ESP32-H4 \(QFN40\) \(revision v0\.1\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "60:55:f9:12:34:58",
    crystal: /Crystal is 32MHz/,
  },
  {
    chip: "esp32s31",
    chipName: "ESP32-S31",
    // esptool-js 0.7.0 targets/esp32s31.js agrees with esptool v5.3.1's
    // targets/esp32s31.py on IMAGE_CHIP_ID 32, SPI_REG_BASE 0x20501000, the
    // eFuse base 0x20715000 with BLOCK1 at +0x50, package word 4 bits 6-7 and
    // the revision bits (word 3, 18-21 / 22-23): "ESP32-S31 (revision v0.0)"
    // as esptool prints it. One disagreement, not reached: its
    // UART_CLKDIV_REG is 0x2038A000 + 0x14, where esptool's S31 class
    // inherits the C3's 0x60000014 (esp32c3.py); both read a fixed 40 MHz
    // crystal instead. Over TCP (no USB ids) its usesUsbOtg() is false, so
    // the 0x800 USB_RAM_BLOCK is not used; USB-OTG is not modelled.
    description: /^ESP32-S31 \(revision v0\.0\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "60:55:f9:12:34:59",
    crystal: /Crystal is 40MHz/,
  },
  {
    chip: "esp32c2",
    chipName: "ESP32-C2",
    // esptool-js 0.7.0 targets/esp32c2.js reads esptool's package field
    // (BLOCK2 word 1 bits 22-24) but names packages 0 and 1 both "ESP32-C2",
    // and its "revision" is the major version alone (bits 20-21). On espsim's
    // ESP8684H v1.0 (package 1, major 1, minor 0) it prints "ESP32-C2
    // (revision 1)" where esptool v5.3.1 prints "ESP8684H (revision v1.0)".
    // Default 40 MHz crystal: see tests/interop/README.md for why not 26.
    description: /^ESP32-C2 \(revision 1\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "08:3a:8d:12:34:56",
    crystal: /Crystal is 40MHz/,
  },
  {
    chip: "esp32c5",
    chipName: "ESP32-C5",
    // esptool-js 0.7.0 targets/esp32c5.js decodes with esptool v5.3.1's bit
    // positions (BLOCK1 word 2: package 26-28, major 4-5, minor 0-3): on
    // espsim's ESP32-C5 v1.0 the text esptool prints. Default 40 MHz crystal
    // (README: esptool-js does not scale a ROM baud change for 48 MHz).
    description: /^ESP32-C5 \(revision v1\.0\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "60:55:f9:12:34:58",
    crystal: /Crystal is 40MHz/,
  },
  {
    chip: "esp32s2",
    chipName: "ESP32-S2",
    // esptool-js 0.7.0 targets/esp32s2.js finds the S2 by its magic value
    // after a 12-byte GET_SECURITY_INFO without a chip id (esploader.js
    // getSecurityInfo / identifyChipByMagic), and names the part with
    // esptool's table and bit positions (flash cap word 3 bits 21-24, PSRAM
    // cap bits 28-31, revision word 3 bits 18-20 and word 4 bits 4-6): the
    // text esptool prints for espsim's S2FNR2 v1.0. (Its features differ:
    // no "Single Core, 240MHz", and "No Embedded Flash" for PSRAM cap 0; not
    // asserted here.)
    description: /^ESP32-S2FNR2 \(revision v1\.0\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "80:65:99:12:34:57",
  },
  {
    chip: "esp32c61",
    chipName: "ESP32-C61",
    // esptool-js 0.7.0 targets/esp32c61.js decodes BLOCK1 word 2 as esptool
    // v5.3.1 does (minor bits 0-3, major 4-5, package 26-28): the same text.
    // (Features differ: "WiFi 6, BT 5"; not asserted.) SPI_REG_BASE is the
    // C6's 0x60003000 in 0.7.0, as in esptool.
    description: /^ESP32-C61 \(revision v1\.0\)$/,
    flashSize: "4MB",
    jedecId: "C84016",
    mac: "60:55:f9:12:34:58",
  },
  // ESP32-H21: no stub in esptool-js 0.7.0, so not a row here: the describe
  // block at the end runs esptool-js's ROM-only path instead.
];
