// read_mem, write_mem, dump_mem: one register or a block of memory through
// READ_REG / WRITE_REG, printed as esptool v5.3.1 cmds.py prints them.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

void cmd_read_mem(Session& s, std::uint32_t address) {
  s.refuse_in_secure_download_mode("read_mem", "register and memory reads are refused");
  std::uint32_t value = s.with_recovery("reading memory", [&] { return s.loader().read_reg(address); });
  s.report().result(fmt::format("{:#010x} = {:#010x}", address, value));
  s.report().json().set("address", fmt::format("{:#010x}", address));
  s.report().json().set("value", fmt::format("{:#010x}", value));
}

void cmd_write_mem(Session& s, std::uint32_t address, std::uint32_t value, std::uint32_t mask) {
  s.refuse_in_secure_download_mode("write_mem", "register and memory writes are refused");
  s.with_recovery("writing memory", [&] { s.loader().write_reg(address, value, mask); });
  s.report().result(fmt::format("Wrote {:#010x} with mask {:#010x} to {:#010x}.", value, mask, address));
}

void check_dump_mem_args(std::uint32_t address, std::uint32_t size, const std::string& file) {
  if (size == 0) throw Error(ErrorKind::usage, "dump_mem: size must not be 0");
  // The same checks of the output as read_flash's: before the port is opened.
  ReadFlashArgs as_read;
  as_read.address = address;
  as_read.size = size;
  as_read.file = file;
  check_read_flash_args(as_read);
  if (size % 4 != 0 || address % 4 != 0)
    throw Error(ErrorKind::usage,
                fmt::format("dump_mem reads whole words: address {:#x} and size {:#x} must be multiples of 4",
                            address, size));
}

namespace {

void dump_words(Session& s, std::uint32_t address, std::uint32_t size, PartFile& out) {
  Reporter& r = s.report();
  std::vector<unsigned char> chunk;
  for (std::uint32_t done = 0; done < size; done += 4) {
    check_interrupted();
    std::uint32_t word = s.with_recovery("reading memory", [&] { return s.loader().read_reg(address + done); });
    for (int b = 0; b < 4; ++b) chunk.push_back(static_cast<unsigned char>(word >> (8 * b)));
    if (chunk.size() == 1024 || done + 4 == size) {
      out.write(chunk);
      chunk.clear();
      r.progress("Dumping", done + 4, size);
    }
  }
  r.progress_end();
}

}  // namespace

void cmd_dump_mem(Session& s, std::uint32_t address, std::uint32_t size, const std::string& file) {
  s.refuse_in_secure_download_mode("dump_mem", "register and memory reads are refused");
  Reporter& r = s.report();
  r.info(fmt::format("Dumping {} bytes from {:#010x} to file '{}'...", size, address, file));
  PartFile out(file);  // the file appears under its name only when complete
  out.reserve(size);
  const auto t0 = s.clock().now();
  try {
    dump_words(s, address, size, out);
  } catch (const Interrupted& e) {
    throw e.with(out.interrupted_note());
  }
  out.commit();
  const double seconds = std::chrono::duration<double>(s.clock().now() - t0).count();
  const std::string speed = seconds > 0 ? fmt::format(" ({:.1f} kbit/s)", size / seconds * 8 / 1000) : "";
  r.info(fmt::format("Dumped {} bytes from {:#010x} in {:.1f} seconds{} to '{}'.", size, address, seconds, speed,
                     file));
  r.json().set("file", file);
  r.json().set("bytes", size);
}

}  // namespace espbak
