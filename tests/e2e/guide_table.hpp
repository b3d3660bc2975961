#pragma once
// One row of the guide command-line table (issue 14): an esptool command
// line as a public guide or tool output prints it, with `esptool.py` /
// `esptool` / `python -m esptool` dropped (espbak is the program), the port
// replaced by {PORT} and file names by placeholders the runner creates:
//   {BOOT}  a bootloader image for the row's chip (digest appended after
//           the ESP8266), {APP} an application image, {FW} a one-file
//           firmware (the ESP8266 application, MicroPython's merged
//           image: bootloader image then more data), {PART} a partition
//           table, {OTA} boot_app0 / otadata, {DATA} plain data,
//   {OUT}   the file read_flash is to write, @{ARGS} an argument file (the
//           row's args_file text, its placeholders replaced).
// Every file the guides name starts with the header bytes mode 0x01 (qout)
// and size/frequency 0x12, which no guide asks for, so a patch shows.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace e2e {

// Header bytes 2 and 3 at the chip's bootloader offset afterwards, worked
// out from esptool v5.3.1 cmds.py _update_image_flash_params: a field set
// to `keep` (the v5 default) leaves the file's value, `detect` becomes the
// simulated flash's size (the JEDEC id), and nothing is patched at any
// other address.
struct Header {
  std::uint8_t mode;
  std::uint8_t size_freq;
};

enum class Start { erased, random, holds_files };

struct GuideRow {
  const char* source;  // where the line is printed
  const char* chip;    // espsim --chip
  const char* flash;   // espsim --flash-size
  std::vector<std::string> argv;
  std::optional<Header> header = std::nullopt;  // nullopt: the file's own bytes
  Start start = Start::erased;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> read = std::nullopt;  // {OUT} = flash[a, a+n)
  bool erased_after = false;  // the whole flash 0xFF afterwards, but the files the line writes
  std::optional<std::pair<std::uint32_t, std::uint32_t>> erased_range = std::nullopt;  // [a, a+n) 0xFF after
  std::vector<std::string> says = {};  // in the output (whitespace folded)
  const char* args_file = "";
};

// Runs one row against a fresh espsim and checks the flash and files.
void run_guide_row(const GuideRow& row);

}  // namespace e2e
