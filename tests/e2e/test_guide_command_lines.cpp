// Issue 14: esptool command lines as public guides and tools print them,
// each run against espsim and checked for the flash contents and the files
// esptool would leave. The runner and the placeholders are described in
// guide_table.hpp. Expected header bytes (flash mode; size code << 4 |
// frequency code) come from esptool v5.3.1: cmds.py FLASH_MODES (qio 0,
// qout 1, dio 2, dout 3) and _update_image_flash_params; targets/esp8266.py
// FLASH_SIZES (1MB 0x20, 4MB 0x40) and targets/esp32.py FLASH_SIZES (2MB
// 0x10, 4MB 0x20, 8MB 0x30), shared by the ESP32-S3 and -C3; FLASH_FREQUENCY
// (80m 0xF, 40m 0x0, 20m 0x2) on all four. The files start as mode 0x01,
// size/frequency 0x12.
// Lines the guides print that are left out of the table are listed, with
// why, at the end of this file.
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "guide_images.hpp"
#include "guide_table.hpp"

using namespace e2e;

namespace {

void run_all(const std::vector<GuideRow>& rows) {
  for (const auto& row : rows) {
    std::string line;
    for (const auto& a : row.argv) line += a + " ";
    DYNAMIC_SECTION(row.chip << ": " << line) {
      INFO("source: " << row.source);
      run_guide_row(row);
    }
  }
}

}  // namespace

TEST_CASE("the table's own SHA-256 gives FIPS 180-4's digests", "[guides]") {
  // FIPS 180-4 examples: "abc", and the 56-byte two-block message.
  const std::string abc = "abc";
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  auto hex = [](const std::array<std::uint8_t, 32>& d) {
    std::string s;
    for (auto v : d) s += hex_addr(0x100u + v).substr(3);
    return s;
  };
  CHECK(hex(sha256_of(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size())) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256_of(reinterpret_cast<const std::uint8_t*>(two.data()), two.size())) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("guide command lines for the ESP8266 (Tasmota, ESPurna, NodeMCU, MicroPython, Arduino)",
          "[cli][esptool][guides]") {
  run_all({
      // Tasmota's restore line, quoted at http://esp32.io/viewtopic.php?f=2&t=15622
      // dout = 3; 1MB = 0x20 with the file's 20m (2) kept.
      {.source = "http://esp32.io/viewtopic.php?f=2&t=15622",
       .chip = "esp8266", .flash = "1MB",
       .argv = {"--port", "{PORT}", "--baud", "460800", "write_flash", "-fs", "1MB", "-fm", "dout", "0x0", "{FW}"},
       .header = Header{0x03, 0x22}},
      // Flash Tasmota to Sonoff using a Raspberry Pi (backup, erase, flash).
      {.source = "https://klaverstyn.com.au/david/wiki/index.php?title=Flash_Tasmota_to_Sonoff_using_Raspberry_Pi",
       .chip = "esp8266", .flash = "1MB",
       .argv = {"--port", "{PORT}", "write_flash", "-fm", "dout", "0x0", "{FW}"},
       .header = Header{0x03, 0x12}},
      {.source = "https://klaverstyn.com.au/david/wiki/index.php?title=Flash_Tasmota_to_Sonoff_using_Raspberry_Pi",
       .chip = "esp8266", .flash = "1MB",
       .argv = {"--port", "{PORT}", "flash_id"},
       .start = Start::random,
       .says = {"Detected flash size: 1MB"}},
      {.source = "https://klaverstyn.com.au/david/wiki/index.php?title=Flash_Tasmota_to_Sonoff_using_Raspberry_Pi",
       .chip = "esp8266", .flash = "1MB",
       .argv = {"--port", "{PORT}", "read_flash", "0x00000", "0x100000", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x100000u}},
      {.source = "https://klaverstyn.com.au/david/wiki/index.php?title=Flash_Tasmota_to_Sonoff_using_Raspberry_Pi",
       .chip = "esp8266", .flash = "1MB",
       .argv = {"--port", "{PORT}", "erase_flash"},
       .start = Start::random, .erased_after = true},
      // Backup / restore of stock firmware (Sonoff), 4M flash.
      {.source = "https://community.blynk.cc/t/how-to-backup-restore-official-firmware-on-any-espressif-esp8266-esp32/34309",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"-b", "115200", "--port", "{PORT}", "read_flash", "0x00000", "0x400000", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x400000u}},
      // --flash_freq 80m alone: mode and size kept, frequency 0xF.
      {.source = "https://community.blynk.cc/t/how-to-backup-restore-official-firmware-on-any-espressif-esp8266-esp32/34309",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"-b", "115200", "--port", "{PORT}", "write_flash", "--flash_freq", "80m", "0x000000", "{FW}"},
       .header = Header{0x01, 0x1F}},
      // ESPurna on a NodeMCU: detect = the simulated 4MB (0x40).
      {.source = "https://maker.itnerd.space/flashing-espurna-on-your-nodemcu/",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write_flash", "--flash_size", "detect", "--flash_mode", "dout", "0x00000", "{FW}"},
       .header = Header{0x03, 0x42}},
      {.source = "https://maker.itnerd.space/flashing-espurna-on-your-nodemcu/",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "read_flash", "0x00000", "0x400000", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x400000u}},
      // NodeMCU.
      {.source = "https://pastebin.com/HC5Yhzt5",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write_flash", "-fm", "dio", "0x00000", "{FW}"},
       .header = Header{0x02, 0x12}},
      {.source = "https://gist.github.com/rezonn/5e8b3cadba10274942d71409a5b2d44b",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write_flash", "--flash_size=detect", "0", "{FW}"},
       .header = Header{0x01, 0x42}},
      {.source = "https://gist.github.com/robertfoss/2291a9beb9bb889acc8b",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write_flash", "0x000000", "{FW}"}},
      // NodeMCU's `make flash`: two files, all settings kept.
      {.source = "https://github.com/themadinventor/esptool/issues/68",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write_flash", "0x00000", "{FW}", "0x10000", "{DATA}"}},
      // MicroPython's ESP8266 tutorial line ("-fm dio is required for some NodeMCU boards").
      {.source = "MicroPython docs esp8266/tutorial/intro.rst, as quoted in public notes (find_string hit 5260751086)",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "--baud", "460800", "write_flash", "--flash_size=detect", "-fm", "dio", "0", "{FW}"},
       .header = Header{0x02, 0x42}},
      // ESP8266 Open SDK FOTA notes: a 2 KB read near the end, erase at 115200.
      {.source = "https://wiki.oscardegroot.nl/doku.php?id=esp:esp8266:open-sdk:flash-fota-firmware",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "--baud", "115200", "read_flash", "0x3fe000", "2048", "{OUT}"},
       .start = Start::random, .read = std::pair{0x3fe000u, 2048u}},
      {.source = "https://wiki.oscardegroot.nl/doku.php?id=esp:esp8266:open-sdk:flash-fota-firmware",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "--baud", "115200", "erase_flash"},
       .start = Start::random, .erased_after = true},
      // Arduino ESP8266 core 2.6.3 SPIFFS upload, printed by the IDE.
      {.source = "esp8266/Arduino 2.6.3 tools/esptool as printed in a public build log (find_string hit 38825118052)",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"-c", "esp8266", "-b", "921600", "-p", "{PORT}", "write_flash", "0x200000", "{DATA}"}},
      // rboot-based firmware: -fs 4MB -fm dout at 0x0.
      {.source = "https://pastebin.com/VQ9MkQqp",
       .chip = "esp8266", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write_flash", "-fs", "4MB", "-fm", "dout", "0x0000", "{FW}"},
       .header = Header{0x03, 0x42}},
  });
}

TEST_CASE("guide command lines for the ESP32 (ESP-IDF, Arduino, PlatformIO, MicroPython, esptool docs)",
          "[cli][esptool][guides]") {
  run_all({
      // MicroPython's ESP32 download page steps, in a project's script.
      {.source = "hueyy/eink-screen-esp32 mcu/scripts/flash_micropython.sh",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "erase_flash"},
       .start = Start::random, .erased_after = true},
      {.source = "hueyy/eink-screen-esp32 mcu/scripts/flash_micropython.sh",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "write_flash", "-z", "0x1000", "{FW}"}},
      {.source = "https://iot49.org/ide/micropython/flash.html",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "460800", "write_flash", "-z", "0x1000", "{FW}"}},
      // MicroPython on ESP32 (esptool v2.1 era): dio, 4MB = 0x20 with 20m kept;
      // the digest after the image is recomputed, the data after it kept.
      {.source = "http://stefanjansen.nl/micropython-op-esp32.html",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--port", "{PORT}", "--baud", "230400", "write_flash", "--flash_mode", "dio", "--flash_size=4MB",
                "0x1000", "{FW}"},
       .header = Header{0x02, 0x22}},
      {.source = "http://stefanjansen.nl/micropython-op-esp32.html",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--port", "{PORT}", "chip_id"},
       .start = Start::random,
       .says = {"MAC: "}},
      {.source = "https://forum.micropython.org/viewtopic.php?f=18&t=3945",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "460800", "write_flash", "--compress", "-fs", "4MB",
                "-fm", "dio", "0x1000", "{FW}"},
       .header = Header{0x02, 0x22}},
      // ESP-IDF `make` (GNU Make build) printed command: files out of address order.
      {.source = "http://esp32.io/viewtopic.php?f=2&t=2075",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "921600", "--before", "default_reset", "--after",
                "hard_reset", "write_flash", "-z", "--flash_mode", "dio", "--flash_freq", "40m", "--flash_size",
                "detect", "0x1000", "{BOOT}", "0x10000", "{APP}", "0x8000", "{PART}"},
       .header = Header{0x02, 0x20}},
      // ESP-IDF v5's printed flash command (esptool v5 spellings).
      {.source = "esptool v5.3.1 docs/en/esptool/flashing-firmware.rst (ESP-IDF)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--chip", "esp32", "-b", "460800", "--before", "default-reset", "--after",
                "hard-reset", "write-flash", "--flash-mode", "dio", "--flash-size", "2MB", "--flash-freq", "40m",
                "0x1000", "{BOOT}", "0x8000", "{PART}", "0x10000", "{APP}"},
       .header = Header{0x02, 0x10}},
      // ... and its "@flash_args" form; the file laid out as ESP-IDF writes it
      // (options line, then one address and file a line: UNVERIFIED, not read
      // from ESP-IDF source here).
      {.source = "esptool v5.3.1 docs/en/esptool/flashing-firmware.rst (ESP-IDF, @flash_args)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--chip", "esp32", "-b", "460800", "--before", "default-reset", "--after",
                "hard-reset", "write-flash", "@{ARGS}"},
       .header = Header{0x02, 0x10},
       .args_file = "--flash_mode dio --flash_freq 40m --flash_size 2MB\n0x1000 {BOOT}\n0x10000 {APP}\n"
                    "0x8000 {PART}\n"},
      {.source = "esptool v5.3.1 docs/en/esptool/flashing-firmware.rst (a successful flash)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "460800", "--before", "default-reset", "--after", "hard-reset", "--chip",
                "esp32", "write-flash", "--flash-mode", "dio", "--flash-size", "detect", "--flash-freq", "40m",
                "0x1000", "{BOOT}", "0x8000", "{PART}", "0x10000", "{APP}"},
       .header = Header{0x02, 0x20}},
      // PlatformIO's verbose upload.
      {.source = "esptool v5.3.1 docs/en/esptool/flashing-firmware.rst (PlatformIO)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "921600", "--before", "default-reset", "--after",
                "hard-reset", "write-flash", "-z", "--flash-mode", "dio", "--flash-freq", "40m", "--flash-size",
                "detect", "0x1000", "{BOOT}", "0x8000", "{PART}", "0xe000", "{OTA}", "0x10000", "{APP}"},
       .header = Header{0x02, 0x20}},
      {.source = "nnctroboticsclub/esp-stm32 esp32_writecommand.sh (PlatformIO build output)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "460800", "--before", "default_reset", "--after",
                "hard_reset", "write_flash", "-z", "--flash_mode", "dio", "--flash_freq", "40m", "--flash_size", "4MB",
                "0x1000", "{BOOT}", "0x8000", "{PART}", "0x10000", "{APP}"},
       .header = Header{0x02, 0x20}},
      // Arduino-ESP32 1.0.3's upload recipe, as the IDE printed it: 80m = 0xF.
      {.source = "http://esp32.io/viewtopic.php?f=2&t=15622 (arduino-esp32 1.0.3 platform.txt)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "460800", "--before", "default_reset", "--after",
                "hard_reset", "write_flash", "-z", "--flash_mode", "dio", "--flash_freq", "80m", "--flash_size",
                "detect", "0xe000", "{OTA}", "0x1000", "{BOOT}", "0x10000", "{APP}", "0x8000", "{PART}"},
       .header = Header{0x02, 0x2F}},
      // Arduino-ESP32 3.x's recipe: keep, keep, keep - the bootloader untouched.
      {.source = "espressif/arduino-esp32 3.x platform.txt tools.esptool_py.upload.pattern_args",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "921600", "--before", "default-reset", "--after",
                "hard-reset", "write-flash", "-z", "--flash-mode", "keep", "--flash-freq", "keep", "--flash-size",
                "keep", "0x1000", "{BOOT}", "0x8000", "{PART}", "0xe000", "{OTA}", "0x10000", "{APP}"}},
      {.source = "movoleg/aqua-controller utils/flashme.sh",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--chip", "esp32", "--port", "{PORT}", "--baud", "115200", "--before", "default_reset", "--after",
                "hard_reset", "write_flash", "-z", "--flash_freq", "80m", "--flash_mode", "dio", "--flash_size", "4MB",
                "0x1000", "{BOOT}", "0x8000", "{PART}", "0xe000", "{OTA}", "0x10000", "{APP}"},
       .header = Header{0x02, 0x2F}},
      // --before=no_reset: the chip already waits in the bootloader.
      {.source = "https://stackoverflow.com/questions/67730421/esp32-phy-init-partition-has-no-size",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "115200", "--before=no_reset", "--after=hard_reset", "write_flash",
                "--flash_mode", "dio", "--flash_freq", "40m", "--flash_size", "2MB", "0x1000", "{BOOT}", "0x8000",
                "{PART}", "0x10000", "{APP}"},
       .header = Header{0x02, 0x10}},
      {.source = "quadule/knobby flash.sh",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--port", "{PORT}", "--baud", "921600", "--before", "default_reset", "--after", "hard_reset",
                "write_flash", "-z", "--flash_mode", "dio", "--flash_freq", "40m", "--flash_size", "detect", "0x1000",
                "{BOOT}", "0x8000", "{PART}", "0xe000", "{OTA}", "0x10000", "{APP}", "0x3b0000", "{DATA}"},
       .header = Header{0x02, 0x20}},
      // TTGO LoRa32 backup and restore: the restore writes at 0x0, not the
      // ESP32's bootloader offset, so --flash_freq changes nothing.
      {.source = "http://www.steveio.com/category/esp32/",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-b", "115200", "--port", "{PORT}", "read_flash", "0x00000", "0x400000", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x400000u}},
      {.source = "http://www.steveio.com/category/esp32/",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-b", "115200", "--port", "{PORT}", "write_flash", "--flash_freq", "80m", "0x000000", "{BOOT}"}},
      // esptool v5's own examples (basic-commands.rst), dashed commands.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "460800", "read-flash", "0", "ALL", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x400000u}},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "460800", "read-flash", "0", "0x200000", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x200000u}},
      // "0x200000 in example can be replaced with 2M".
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "460800", "read-flash", "0", "2M", "{OUT}"},
       .start = Start::random, .read = std::pair{0x0u, 0x200000u}},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "erase-region", "0x20000", "16k"},
       .start = Start::random, .erased_range = std::pair{0x20000u, 0x4000u}},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "erase-flash"},
       .start = Start::random, .erased_after = true},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "read-mac"},
       .start = Start::random, .says = {"MAC: "}},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "flash-id"},
       .start = Start::random, .says = {"Detected flash size: 4MB"}},
      // Data, not an image, at the bootloader offset, no options: as is.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write-flash", "0x1000", "{DATA}"}},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst",
       .chip = "esp32", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write-flash", "0x00000", "{DATA}", "0x40000", "{APP}"}},
      // basic-commands.rst "Fast Reflashing" (esptool 5.2's --diff-with, the
      // options after the files): {OTA} stands for the old build, which the
      // flash does not hold, so every sector that differs is written.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst (Fast Reflashing)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "0x10000", "{APP}", "--diff-with", "{OTA}"}},
      // One old file per new one, `skip` for a file without one.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst (Fast Reflashing)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "0x1000", "{BOOT}", "0x10000", "{APP}", "0x20000", "{DATA}",
                "--diff-with", "{OTA}", "skip", "{PART}"}},
      // --trust-flash-content: the flash is taken to hold the old file (here
      // the same application), so nothing needs writing.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst (Fast Reflashing)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "0x10000", "{APP}", "--diff-with", "{APP}", "--trust-flash-content"},
       .start = Start::holds_files},
      // advanced-options.rst: dashed choice values and v5's global flags.
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-options.rst (--before no-reset)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--before", "no-reset", "flash-id"},
       .start = Start::random, .says = {"Detected flash size: 4MB"}},
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-options.rst (--verbose)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--verbose", "flash-id"},
       .start = Start::random, .says = {"Detected flash size: 4MB"}},
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-options.rst (--silent)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-s", "write-flash", "0x0", "{DATA}"}},
      // advanced-commands.rst: chip-id (the ESP32 has none: the MAC instead).
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-commands.rst (chip-id)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "chip-id"},
       .start = Start::random, .says = {"has no Chip ID. Reading MAC instead.", "MAC: 24:0a:c4:"}},
      // One --diff-with file for three: the other two are written whole.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst:102 (Fast Reflashing)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "0x1000", "{BOOT}", "0x10000", "{APP}", "0x20000", "{DATA}",
                "--diff-with", "{OTA}"}},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst:67 (--skip-flashed)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "--skip-flashed", "0x10000", "{APP}"},
       .start = Start::holds_files},
      // -s after the command is --skip-flashed; on an erased chip it writes.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst:67 (-s)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "-s", "0x10000", "{APP}"}},
      // -e: the whole flash erased, then the file.
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst:62 (-e/--erase-all)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "-e", "0x10000", "{APP}"},
       .start = Start::random, .erased_after = true},
      {.source = "esptool v5.3.1 docs/en/esptool/basic-commands.rst:54 (-u/--no-compress)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "-u", "0x1000", "{BOOT}", "0x10000", "{APP}"}},
      // An option after the files: detect = 4MB (0x20), mode and 20m kept.
      {.source = "esptool v5.3.1 docs/en/esptool/flash-modes.rst:77 (`write-flash [...] -fs detect`)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "0x1000", "{BOOT}", "-fs", "detect"},
       .header = Header{0x01, 0x22}},
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-options.rst:38 (--after no-reset)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--after", "no-reset", "read-mac"},
       .start = Start::random, .says = {"MAC: "}},
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-options.rst:39 (--after no-reset-stub)",
       .chip = "esp32", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--after", "no-reset-stub", "flash-id"},
       .start = Start::random, .says = {"Detected flash size: 4MB", "Staying in flasher stub."}},
  });
}

TEST_CASE("guide command lines for the ESP32-S3 and ESP32-C3 (bootloader at 0x0)", "[cli][esptool][guides]") {
  run_all({
      // MicroPython on an ESP32-S3 devkit: erase, then the download page's line.
      {.source = "https://press.oye.mlga.ek.gov.ng/espressif-esp32-s3-wroom-1-micropython-invalid-header-0xffffffff.html",
       .chip = "esp32s3", .flash = "8MB",
       .argv = {"--port", "{PORT}", "--baud", "460800", "--before", "default_reset", "--after", "hard_reset", "--chip",
                "esp32s3", "erase_flash"},
       .start = Start::random, .erased_after = true},
      {.source = "https://press.oye.mlga.ek.gov.ng/espressif-esp32-s3-wroom-1-micropython-invalid-header-0xffffffff.html",
       .chip = "esp32s3", .flash = "8MB",
       .argv = {"--chip", "esp32s3", "--port", "{PORT}", "write_flash", "-z", "0", "{FW}"}},
      // The user's own line there, at 0x1000: not the S3's bootloader offset.
      {.source = "https://press.oye.mlga.ek.gov.ng/espressif-esp32-s3-wroom-1-micropython-invalid-header-0xffffffff.html",
       .chip = "esp32s3", .flash = "8MB",
       .argv = {"--chip", "esp32s3", "--port", "{PORT}", "--baud", "460800", "write_flash", "-z", "0x1000", "{FW}"}},
      // detect on 8MB = 0x30; 80m = 0xF.
      {.source = "intechstudio/knot Firmware/bootloader/burn_test_firmware.sh",
       .chip = "esp32s3", .flash = "8MB",
       .argv = {"-p", "{PORT}", "--chip", "esp32s3", "--before=default_reset", "--after=hard_reset", "write_flash",
                "--flash_mode", "dio", "--flash_size", "detect", "--flash_freq", "80m", "0x0", "{BOOT}", "0x8000",
                "{PART}", "0xe000", "{OTA}", "0x10000", "{APP}", "0x410000", "{DATA}"},
       .header = Header{0x02, 0x3F}},
      // An application alone at 0x10000: nothing patched, 16MB board.
      {.source = "a T-Halow scanner README (code search hit, 'Most ESP32S3/C3')",
       .chip = "esp32s3", .flash = "16MB",
       .argv = {"--chip", "esp32s3", "--port", "{PORT}", "--baud", "115200", "--before", "default_reset", "--after",
                "hard_reset", "write_flash", "-z", "--flash_mode", "dio", "--flash_freq", "80m", "--flash_size",
                "16MB", "0x10000", "{APP}"}},
      // MicroPython on an ESP32-C3-DevKitM-1.
      {.source = "https://embedded-things.blogspot.com/2021/10/flash-micropython-firmware-on-esp32-c3.html",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"--chip", "esp32c3", "-p", "{PORT}", "-b", "460800", "--before=default_reset", "--after=hard_reset",
                "write_flash", "--flash_mode", "dio", "--flash_freq", "80m", "--flash_size", "4MB", "0x0", "{FW}"},
       .header = Header{0x02, 0x2F}},
      // esptool v4's --diff yes|no spelling (v5 made --diff a flag).
      {.source = "https://embedded-things.blogspot.com/2021/10/flash-micropython-firmware-on-esp32-c3.html",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "verify_flash", "--diff", "yes", "0x0", "{FW}"},
       .start = Start::holds_files,
       .says = {"-- verify OK (digest matched)"}},
      // esptool v5's flag form (v5.3.1 docs/en/esptool/advanced-commands.rst:
      // `esptool -p PORT verify-flash --diff 0x40000 my_app.elf-0x40000.bin`).
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-commands.rst",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "verify-flash", "--diff", "0x0", "{FW}"},
       .start = Start::holds_files,
       .says = {"-- verify OK (digest matched)"}},
      // advanced-commands.rst prints this one with an underscore.
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-commands.rst (get_security_info)",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "get_security_info"},
       .start = Start::random, .says = {"Chip ID: 5"}},
      {.source = "https://embedded-things.blogspot.com/2021/10/flash-micropython-firmware-on-esp32-c3.html",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"--port", "{PORT}", "erase_flash"},
       .start = Start::random, .erased_after = true},
      // M5Stamp-C3 at 1500000 baud.
      {.source = "https://forum.m5stack.com/topic/3733/micropython-on-m5stamp-c3/4",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "1500000", "--before", "default_reset", "erase_flash"},
       .start = Start::random, .erased_after = true},
      {.source = "https://forum.m5stack.com/topic/3733/micropython-on-m5stamp-c3/4",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "-b", "1500000", "--before", "default_reset", "write_flash", "-z", "0x0", "{FW}"}},
      // esptool v5's flash-modes example at the C3's bootloader offset 0x0:
      // dio = 2, 4MB = 0x20 with the file's 20m (2) kept.
      {.source = "esptool v5.3.1 docs/en/esptool/flash-modes.rst:22",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write-flash", "--flash-mode", "dio", "--flash-size", "4MB", "0x0", "{BOOT}"},
       .header = Header{0x02, 0x22}},
      // The short forms flash-modes.rst lists beside the long ones: dout 3,
      // 2MB 0x10, 80m 0xF.
      {.source = "esptool v5.3.1 docs/en/esptool/flash-modes.rst (-fm, -ff, -fs)",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"--port", "{PORT}", "write-flash", "-fm", "dout", "-ff", "80m", "-fs", "2MB", "0x0", "{BOOT}"},
       .header = Header{0x03, 0x1F}},
      {.source = "esptool v5.3.1 docs/en/esptool/scripting.rst:236",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "write-flash", "0x10000", "{APP}"}},
      // Not on the ESP32 (advanced-options.rst:40's list); the C3 has it.
      {.source = "esptool v5.3.1 docs/en/esptool/advanced-options.rst:40 (--after watchdog-reset)",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"-p", "{PORT}", "--after", "watchdog-reset", "flash-id"},
       .start = Start::random, .says = {"Detected flash size: 4MB", "Hard resetting with a watchdog..."}},
      {.source = "unseel/docker-micropython-tools-esp32 README (code search hit)",
       .chip = "esp32c3", .flash = "4MB",
       .argv = {"--chip", "esp32c3", "--port", "{PORT}", "--baud", "460800", "write_flash", "--flash_size=detect",
                "-fm", "dio", "0", "{FW}"},
       .header = Header{0x02, 0x22}},
  });
}

// Left out of the table:
// - `--p COM5` (https://forum.creationx.de/lexicon/index.php?entry/31/):
//   argparse's prefix of --port; esptool v5 (click) refuses it as espbak does.
// - `-fs 32m`, `--flash_size 32m-c1`, `--flash-size 32m`
//   (https://gist.github.com/HoriLiu/3bf808a37806dabd40455323c89139c5,
//   https://wiki.oscardegroot.nl/doku.php?id=esp:esp8266:open-sdk:flash-fota-firmware,
//   esptool v5.3.1 docs basic-commands.rst): sizes esptool v5's
//   click.Choice no longer lists; espbak refuses them too.
// - image-info, merge-bin, elf2image, read-flash-status, load-ram lines
//   (esptool docs, oscardegroot wiki): covered by their own tests; so are
//   advanced-commands.rst's dump-mem, read-mem / write-mem and
//   read-flash-sfdp (test_device_cmds*.cpp).
