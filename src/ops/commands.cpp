// The espbak commands on top of a Session. Messages follow esptool (v4
// wording for the connect flow, v5 for the rest; esptool/cmds.py v5.3.1).
#include "espbak/ops/commands.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"
#include "espbak/ops/survey.hpp"
#include "espbak/util/md5.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string hex(const Md5::Digest& d) { return to_hex(d); }

// What one SPI_FLASH_MD5 costs on this link, for choosing how finely to
// compare flash with an image: the round trip (the quicker of two 4 KB MD5s,
// so that one hiccup of the host's scheduler does not decide) and the chip's
// hashing of [at, at + length), whose digest comes along.
struct Md5Costs {
  double round_trip, hashing;
  Md5::Digest digest;
};

template <class Md5At>
Md5Costs measure_md5_costs(Md5At md5_at, std::uint64_t at, std::uint32_t length) {
  constexpr std::uint32_t kProbe = 4096;
  Md5Costs costs{1e9, 0.0, {}};
  for (int i = 0; i < 2; ++i) {
    const auto t0 = Clock::now();
    md5_at(at, std::min(kProbe, length));
    costs.round_trip = std::min(costs.round_trip, seconds_since(t0));
  }
  const auto t0 = Clock::now();
  costs.digest = md5_at(at, length);
  costs.hashing = seconds_since(t0) - costs.round_trip;
  return costs;
}

// Flash size for SPI_SET_PARAMS and for the region checks, resolving
// --flash_size keep|detect|<size> the way esptool _set_flash_parameters does.
// Returns the size name to put in image headers ("keep" stays "keep").
struct FlashSizeChoice {
  std::string header_size = "keep";      // what patch_image_header gets
  std::optional<std::uint32_t> flash_end;  // writes must end before this
};

std::optional<std::uint32_t> size_of_name(std::string name) {
  // "2MB-c1" / "4MB-c1" are ESP8266 layouts of 2 / 4 MB chips.
  if (auto dash = name.find('-'); dash != std::string::npos) name.resize(dash);
  return parse_flash_size_name(name);
}

FlashSizeChoice set_flash_parameters(Session& s, const std::string& requested) {
  FlashSizeChoice choice;
  Reporter& r = s.report();
  auto detected = s.detected_flash_size();
  std::optional<std::uint32_t> set_size;
  if (requested == "detect") {
    std::string name;
    if (detected) {
      name = flash_size_name(*detected);
      r.info("Auto-detected flash size: " + name);
    } else {
      r.warning("Could not auto-detect flash size, defaulting to 4MB.");
      name = "4MB";
    }
    choice.header_size = name;
    set_size = size_of_name(name);
  } else if (requested == "keep") {
    if (!s.stub()) r.info("Note: In case of failure, please set a specific flash size.");
  } else {
    choice.header_size = requested;
    set_size = size_of_name(requested);
  }
  if (auto params = set_size ? set_size : detected) s.configure_flash_size(*params);
  if (set_size && detected && *set_size > *detected)
    r.warning(fmt::format("Set flash_size {} is larger than the available flash size of {}.", requested,
                          flash_size_name(*detected)));
  choice.flash_end = detected;
  if (set_size) choice.flash_end = detected ? std::min(*set_size, *detected) : *set_size;
  return choice;
}

Progress progress_for(Reporter& r, const char* what, std::uint64_t base, std::uint64_t total) {
  return [&r, what, base, total](std::uint64_t done, std::uint64_t) { r.progress(what, base + done, total); };
}

// Rewrites after a failed write or a verification mismatch go by blocks of
// this size, aligned to the flash (so a block's sector erase never touches a
// neighbour block).
constexpr std::uint32_t kRewriteBlock = 64 * 1024;

struct Span {
  std::uint32_t offset, length;  // within the region
};

// Where a round trip costs more than hashing 64 KB on the chip (a 16 ms
// bridge latency), the read survey and the write comparison ask for the MD5
// of blocks this size first.
constexpr std::uint32_t kCoarseBlock = 256 * 1024;

// When the read survey and the write comparison compare a kCoarseBlock block
// that is neither skippable (erased / unchanged) again by 64 KB blocks.
// That costs four round trips and a second hashing pass, and pays only where
// skippable and other flash alternate within 256 KB: once kFruitlessInARow
// such refinements in a row found nothing skippable, blocks are planned
// whole, until a skippable block comes. The block planned whole just before
// it (where used or changed flash often ends) is then refined after all (the
// caller takes it back out of its plan, which nothing has acted on yet).
class CoarsePace {
 public:
  static constexpr int kFruitlessInARow = 2;
  bool refine() const { return fruitless_ < kFruitlessInARow; }
  void refined(bool found_skippable) { fruitless_ = found_skippable ? 0 : fruitless_ + 1; }
  // A block refined after all, on the way back: finding something starts refining again.
  void refined_back(bool found_skippable) {
    if (found_skippable) fruitless_ = 0;
  }
  void planned_whole(std::uint64_t end) { whole_end_ = end; }
  // Whether the block planned whole last ends at `at`; it is then forgotten.
  bool take_whole_ending_at(std::uint64_t at) {
    if (whole_end_ == 0 || whole_end_ != at) return false;
    whole_end_ = 0;
    return true;
  }

 private:
  int fruitless_ = 0;
  std::uint64_t whole_end_ = 0;  // 0: none (a block ends past address 0)
};

std::uint64_t rewrite_block_end(std::uint64_t at, std::uint64_t end) {
  return std::min<std::uint64_t>(end, (at / kRewriteBlock + 1) * kRewriteBlock);
}

// The parts of the region [address, address + image.size()) whose MD5 on the
// chip differs from `image`, by kRewriteBlock blocks, adjacent ones merged.
// `first_digest`: the chip's MD5 of the first block, where already known.
//
// `coarse` (a round trip costs more than hashing a block, e.g. a 16 ms bridge
// latency): kCoarseBlock blocks first, as in the read survey, and a
// differing one is compared again by 64 KB blocks as CoarsePace says (an
// image that differs everywhere is soon written in whole 256 KB blocks).

std::vector<Span> differing_blocks(Session& s, std::uint32_t address, const Bytes& image,
                                   std::optional<Md5::Digest> first_digest = std::nullopt, bool coarse = false) {
  std::vector<Span> out;
  const std::uint64_t end = std::uint64_t(address) + image.size();
  auto differs = [&](std::uint64_t at, std::uint64_t next) {
    auto offset = std::uint32_t(at - address), length = std::uint32_t(next - at);
    auto got = at == address && first_digest ? *first_digest : s.loader().flash_md5(std::uint32_t(at), length);
    if (got == Md5::of(std::span(image).subspan(offset, length))) return false;
    if (!out.empty() && out.back().offset + out.back().length == offset) out.back().length += length;
    else out.push_back({offset, length});
    return true;
  };
  // Compares [from, to) by kRewriteBlock blocks; whether one was unchanged.
  auto compare_fine = [&](std::uint64_t from, std::uint64_t to) {
    bool found_unchanged = false;
    for (std::uint64_t at = from; at < to; at = rewrite_block_end(at, to))
      if (!differs(at, rewrite_block_end(at, to))) found_unchanged = true;
    return found_unchanged;
  };
  CoarsePace pace;
  std::uint64_t at = address;
  if (first_digest) {  // already paid for: 64 KB blocks up to the first 256 KB boundary
    at = rewrite_block_end(address, end);
    compare_fine(address, at);
  }
  while (at < end) {
    if (!coarse || at % kCoarseBlock != 0 || end - at < kCoarseBlock) {
      const auto next = rewrite_block_end(at, end);
      compare_fine(at, next);
      at = next;
      continue;
    }
    const auto next = at + kCoarseBlock;
    const auto offset = std::uint32_t(at - address);
    if (s.loader().flash_md5(std::uint32_t(at), kCoarseBlock) ==
        Md5::of(std::span(image).subspan(offset, kCoarseBlock))) {
      if (pace.take_whole_ending_at(at)) {
        out.back().length -= kCoarseBlock;
        if (out.back().length == 0) out.pop_back();
        pace.refined_back(compare_fine(at - kCoarseBlock, at));
      }
    } else if (!pace.refine()) {
      if (!out.empty() && out.back().offset + out.back().length == offset) out.back().length += kCoarseBlock;
      else out.push_back({offset, kCoarseBlock});
      pace.planned_whole(next);
    } else {
      pace.refined(compare_fine(at, next));
    }
    at = next;
  }
  return out;
}

// Writes `image` at `address` and returns the chip's MD5 of the region
// (nullopt where the ROM has no SPI_FLASH_MD5). A write that fails on the
// way (timeout, garbled reply, link lost) recovers the session and writes
// the blocks that differ; so does a region whose MD5 differs after writing.
// At most Session::kUnitAttempts writes; after the last one the digest is
// returned as it is, for the caller to report a mismatch.
//
// With `diff`, even the first write compares block MD5s with the chip and
// sends only the blocks that differ. Compression is decided per part
// written (Loader::write_flash), so an image the flash already holds is
// never compressed.
struct RegionWriteStats {
  std::uint64_t unchanged = 0;  // bytes the first write left alone
  std::uint64_t sent = 0;       // data bytes sent, over all attempts (zlib stream bytes where compressed)
  bool compressed = false;      // some part went compressed
};

std::optional<Md5::Digest> write_region(Session& s, std::uint32_t address, const Bytes& image, const Md5::Digest& want,
                                        bool compress, bool diff, const std::string& what, const Progress& progress,
                                        RegionWriteStats& stats) {
  std::uint64_t& unchanged = stats.unchanged;
  // No SPI_FLASH_MD5 in Secure Download Mode: no diff, no verification.
  const bool can_verify = (s.stub() || s.chip().rom.flash_md5) && !s.secure_download_mode();
  const auto size = std::uint32_t(image.size());
  bool first = true;
  std::uint64_t left = std::uint64_t(size) + 1;  // bytes still to (re)write; shrinking counts as progress
  for (int attempt = 1;; ++attempt) {
    try {
      std::vector<Span> todo{{0, size}};
      if (first && diff && can_verify) {
        // Block MD5s (the first one measures what an MD5 costs, which
        // decides between 64 KB and 256 KB blocks). All equal: the region is
        // already there, and those MD5s are the final check. A region within
        // one block is one MD5.
        const std::uint64_t end = std::uint64_t(address) + size;
        const std::uint64_t first_end = rewrite_block_end(address, end);
        if (first_end == end) {
          auto got = s.loader().flash_md5(address, size);
          if (got == want) {
            unchanged = size;
            return got;
          }
        } else {
          const auto costs = measure_md5_costs(
              [&](std::uint64_t at, std::uint32_t n) { return s.loader().flash_md5(std::uint32_t(at), n); }, address,
              std::uint32_t(first_end - address));
          todo = differing_blocks(s, address, image, costs.digest, costs.round_trip > costs.hashing);
          if (todo.empty()) {
            unchanged = size;
            return want;
          }
        }
      } else if (!first && can_verify) {
        todo = differing_blocks(s, address, image);
      }
      std::uint64_t now_left = 0;
      for (const Span& part : todo) now_left += part.length;
      if (first) unchanged = size - now_left;
      const bool whole = todo.size() == 1 && todo.front().length == size;
      if (now_left < left && attempt > 1) attempt = 1;  // the last try got somewhere: a fresh budget
      left = now_left;
      for (const Span& part : todo) {
        const auto sent = s.loader().write_flash(address + part.offset,
                                                 std::span(image).subspan(part.offset, part.length), compress,
                                                 first && whole ? progress : Progress{});
        stats.sent += sent;
        if (compress && sent < part.length) stats.compressed = true;
      }
      first = false;
      if (!can_verify) return std::nullopt;
      auto got = s.loader().flash_md5(address, size);
      if (got == want || attempt >= Session::kUnitAttempts) return got;
      s.report().warning(fmt::format("{}: the MD5 of the region on the chip differs from the data sent; rewriting "
                                     "the blocks that differ (attempt {} of {})",
                                     what, attempt + 1, Session::kUnitAttempts));
    } catch (const Error& e) {
      // "unsupported" here is a garbled command: FLASH_* are always there.
      if (!Session::recoverable(e) && e.kind() != ErrorKind::unsupported) throw;
      if (attempt >= Session::kUnitAttempts) throw Session::gave_up(e, what, attempt);
      first = false;
      s.recover(e, what, attempt);
    }
  }
}

}  // namespace

std::string rate_text(std::uint64_t bytes, double seconds) {
  if (seconds <= 0.0) return "";
  return fmt::format(" ({:.1f} kbit/s)", double(bytes) / seconds * 8 / 1000);
}

// ---- chip_id, read_mac, flash_id -------------------------------------------

void cmd_read_mac(Session& s) {
  s.refuse_in_secure_download_mode("read_mac", "the MAC is in eFuse registers, and register reads are refused");
  std::string mac = format_mac(s.with_recovery("reading the MAC", [&] { return s.loader().mac(); }));
  s.report().result("MAC: " + mac);
  s.report().json().set("mac", mac);
}

void cmd_chip_id(Session& s) {
  s.refuse_in_secure_download_mode("chip_id", "it needs register reads, which are refused");
  auto id = s.with_recovery("reading the chip ID", [&] {
    FieldReader fields(s.loader().reg_reader());
    return s.chip().chip_id(fields);
  });
  if (!id) {
    // esptool cmds.py chip_id(): NotSupportedError -> warning, then the MAC.
    s.report().warning(fmt::format("{} has no Chip ID. Reading MAC instead.", s.chip().name));
    cmd_read_mac(s);
    return;
  }
  s.report().result(fmt::format("Chip ID: {:#010x}", *id));
  s.report().json().set("chip_id", fmt::format("{:#010x}", *id));
}

void cmd_flash_id(Session& s) {
  s.refuse_in_secure_download_mode("flash_id", "RDID needs register access, which is refused");
  std::uint32_t id = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return s.flash_id();
  });
  // esptool print_flash_id(): manufacturer = byte 0; device = byte 1, byte 2.
  std::string manufacturer = fmt::format("{:02x}", id & 0xFF);
  std::string device = fmt::format("{:02x}{:02x}", (id >> 8) & 0xFF, (id >> 16) & 0xFF);
  auto size = flash_size_from_id(id);
  std::string size_text = size ? flash_size_name(*size) : "Unknown";
  s.report().result("Manufacturer: " + manufacturer);
  s.report().result("Device: " + device);
  s.report().result("Detected flash size: " + size_text);
  auto& j = s.report().json();
  j.set("manufacturer", manufacturer);
  j.set("device", device);
  j.set("flash_size", size_text);
  if (size) j.set("flash_size_bytes", *size);
}

// ---- read_flash -----------------------------------------------------------

void check_read_flash_args(const ReadFlashArgs& args) {
  namespace fs = std::filesystem;
  if (args.file.empty()) throw Error(ErrorKind::usage, "read_flash needs an output file name");
  fs::path out(args.file);
  fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': directory '{}' does not exist", args.file,
                                              dir.string()));
  if (fs::is_directory(out, ec))
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': it is a directory", args.file));
  if (!PartFile::directory_writable(dir.string()))
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': directory '{}' is not writable", args.file,
                                              dir.string()));
  if (args.size && *args.size == 0) throw Error(ErrorKind::usage, "read_flash: size must not be 0");
  if (args.size && std::uint64_t(args.address) + *args.size > 0x100000000ull)
    throw Error(ErrorKind::input, "read_flash: address + size is past 4 GB");
}

namespace {

// Unit of the read survey and of the write comparison: one SPI_FLASH_MD5
// round trip per block, blocks aligned to the flash (64 KB = one erase block).
constexpr std::uint32_t kSurveyBlock = 64 * 1024;

enum class BlockSource { read, erased, old };

struct ReadBlock {
  std::uint32_t offset, length;  // within the region read
  BlockSource source;
  std::uint64_t blocks = 1;      // survey blocks merged into this one
};

struct ReadPlan {
  std::vector<ReadBlock> blocks;
  std::vector<SurveyedBlock> survey;  // empty when no survey was taken
};

Bytes load_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, fmt::format("cannot read '{}'", path));
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::input, fmt::format("error reading '{}'", path));
  return data;
}

// --diff-with names a file, or a directory of earlier backups: then the
// newest regular file in it (by modification time) whose size is the size
// being read, else the newest regular file at all; FILE.part leftovers and
// the output file itself are never chosen.
std::string pick_old_image(const std::string& given, std::uint32_t size, const std::string& output) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(given, ec)) {
    if (!fs::is_regular_file(given, ec))
      throw Error(ErrorKind::input, fmt::format("--diff-with: '{}' is neither a file nor a directory", given));
    return given;
  }
  std::optional<fs::directory_entry> best_sized, best_any;
  auto newer = [](const fs::directory_entry& a, const std::optional<fs::directory_entry>& b) {
    return !b || a.last_write_time() > b->last_write_time();
  };
  const auto out = fs::weakly_canonical(output, ec);
  for (const auto& entry : fs::directory_iterator(given, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".part") continue;
    std::error_code ec2;
    if (fs::equivalent(entry.path(), out, ec2)) continue;
    if (newer(entry, best_any)) best_any = entry;
    if (entry.file_size() == size && newer(entry, best_sized)) best_sized = entry;
  }
  if (best_sized) return best_sized->path().string();
  if (best_any) return best_any->path().string();
  throw Error(ErrorKind::input, fmt::format("--diff-with: directory '{}' holds no earlier image", given));
}

Md5::Digest erased_md5(std::uint32_t length) {
  static const Md5::Digest full = Md5::of(Bytes(kSurveyBlock, 0xFF));
  return length == kSurveyBlock ? full : Md5::of(Bytes(length, 0xFF));
}

// Where one survey block's bytes come from, judged by the chip's MD5 of them.
BlockSource source_of(const Md5::Digest& digest, std::uint32_t offset, std::uint32_t length, bool skip_erased,
                      const Bytes* old) {
  if (skip_erased && digest == erased_md5(length)) return BlockSource::erased;
  if (old && std::uint64_t(offset) + length <= old->size() &&
      Md5::of(std::span(*old).subspan(offset, length)) == digest)
    return BlockSource::old;
  return BlockSource::read;
}

void append(std::vector<ReadBlock>& plan, ReadBlock block) {
  if (!plan.empty() && plan.back().source == block.source && plan.back().offset + plan.back().length == block.offset) {
    plan.back().length += block.length;
    plan.back().blocks += block.blocks;
  } else {
    plan.push_back(block);
  }
}

// A 64 KB block that differs from the old image usually differs in a few
// 4 KB sectors only (an NVS update, a config change): the chip hashes its
// sectors one by one and only those that differ are read. Hashing a sector
// costs one round trip; that pays while 16 of them cost less than half the
// block's wire time (measured on the first sector: at 1 ms latency it does
// at 921600 and 2 Mbaud, at 16 ms it does not). A block whose first
// kGiveUpRun sectors all differ was rewritten wholesale: the rest is read
// without asking, so a firmware update costs at most that many extra round
// trips per block.
constexpr std::uint32_t kSector = 4096;
constexpr int kGiveUpRun = 3;

// Whether hashing by sector pays on this link: no longer once two sectors in
// a row took too long (one slow sector can be the host's scheduler, and the
// plan should not depend on that).
class SectorPace {
 public:
  bool pays() const { return pays_; }
  void record(double seconds, double block_wire_seconds) {
    slow_in_a_row_ = 16 * seconds > block_wire_seconds / 2 ? slow_in_a_row_ + 1 : 0;
    if (slow_in_a_row_ >= 2) pays_ = false;
  }

 private:
  bool pays_ = true;
  int slow_in_a_row_ = 0;
};

void refine_block(Session& s, SectorPace& pace, const ReadFlashArgs& args, std::uint32_t offset, std::uint32_t length,
                  const Bytes* old, std::vector<ReadBlock>& plan) {
  const double block_wire_seconds = double(length) * 10.0 / double(std::max<std::uint32_t>(s.baud(), 1));
  int differing_run = 0;
  bool counted = false;  // the survey block counts once in blocks_read
  for (std::uint32_t done = 0; done < length;) {
    if (!pace.pays() || differing_run >= kGiveUpRun) {
      append(plan, {offset + done, length - done, BlockSource::read, counted ? 0u : 1u});
      return;
    }
    const std::uint32_t n = std::min(kSector, length - done);
    const std::uint32_t at = args.address + offset + done;
    const auto t0 = Clock::now();
    auto digest = s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                                  [&] { return s.loader().flash_md5(at, n); });
    pace.record(seconds_since(t0), block_wire_seconds);
    const BlockSource source = source_of(digest, offset + done, n, args.skip_erased, old);
    std::uint64_t count = 0;
    if (source == BlockSource::read) {
      ++differing_run;
      if (!counted) count = 1, counted = true;
    } else {
      differing_run = 0;
    }
    append(plan, {offset + done, n, source, count});
    done += n;
  }
}

// A block that is not erased but has no old image to compare with often
// ends in erased flash (the last block of a firmware, a partition partly
// used): the chip hashes its sectors from the end while they are erased, and
// only the part before them is read. A fully used block costs one sector
// round trip. Same pay rule as refine_block.
void trim_erased_tail(Session& s, SectorPace& pace, const ReadFlashArgs& args, std::uint32_t offset,
                      std::uint32_t length, std::vector<ReadBlock>& plan) {
  const double block_wire_seconds = double(length) * 10.0 / double(std::max<std::uint32_t>(s.baud(), 1));
  std::uint32_t keep = length;  // bytes from the block's start that must be read
  while (keep > 0 && pace.pays()) {
    const std::uint32_t n = keep % kSector ? keep % kSector : kSector;
    const std::uint32_t at = args.address + offset + keep - n;
    const auto t0 = Clock::now();
    auto digest = s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                                  [&] { return s.loader().flash_md5(at, n); });
    pace.record(seconds_since(t0), block_wire_seconds);
    if (digest != erased_md5(n)) break;
    keep -= n;
  }
  if (keep > 0) append(plan, {offset, keep, BlockSource::read});
  if (keep < length) append(plan, {offset + keep, length - keep, BlockSource::erased, keep > 0 ? 0u : 1u});
}

// One SPI_FLASH_MD5 per block (one at a time: the stub has a single
// receive buffer, protocol-facts.md section 8), then each block's source;
// blocks that differ from the old image are refined by sector (above).
// Adjacent parts of the same source are merged.
//
// Each MD5 costs a round trip plus the chip's hashing. Where a round trip
// costs more than hashing a 64 KB block (a 16 ms bridge latency), the survey
// first asks for whole 256 KB blocks, and only those that are neither erased
// nor unchanged are surveyed again in 64 KB blocks: a mostly erased or
// unchanged flash then costs a quarter of the round trips, a fully used one
// about a third more chip time. Both costs are measured on the region's
// first block (4 KB MD5s for the round trip, the 64 KB survey MD5). Used
// 256 KB blocks are surveyed again in 64 KB blocks as CoarsePace says: a
// fully used flash would pay that everywhere (at 16 ms, 12 % of a 4 MB read
// at 921600 baud, bench/results).

std::uint64_t skippable_bytes(const std::vector<ReadBlock>& plan) {
  std::uint64_t n = 0;
  for (const ReadBlock& b : plan)
    if (b.source != BlockSource::read) n += b.length;
  return n;
}

ReadPlan plan_read(Session& s, const ReadFlashArgs& args, std::uint32_t size, const Bytes* old) {
  Reporter& r = s.report();
  ReadPlan result;
  SectorPace pace;
  auto md5_at = [&](std::uint64_t at, std::uint32_t length) {
    return s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                           [&] { return s.loader().flash_md5(std::uint32_t(at), length); });
  };
  // Judges [at, at + length) by its digest; `survey_blocks` 64 KB blocks.
  auto settle = [&](std::uint64_t at, std::uint32_t length, const Md5::Digest& digest, std::uint64_t survey_blocks) {
    const auto offset = std::uint32_t(at - args.address);
    result.survey.push_back({offset, length, digest});
    const BlockSource source = source_of(digest, offset, length, args.skip_erased, old);
    const bool old_covers = old && std::uint64_t(offset) + length <= old->size();
    if (source == BlockSource::read && old_covers && length > kSector)
      refine_block(s, pace, args, offset, length, old, result.blocks);
    else if (source == BlockSource::read && args.skip_erased && pace.pays() && length > kSector)
      trim_erased_tail(s, pace, args, offset, length, result.blocks);
    else
      append(result.blocks, {offset, length, source, survey_blocks});
    r.progress("Comparing", offset + length, size);
  };
  auto fine_block_end = [&](std::uint64_t at) {
    return std::min<std::uint64_t>(args.address + std::uint64_t(size), (at / kSurveyBlock + 1) * kSurveyBlock);
  };

  const std::uint64_t end = std::uint64_t(args.address) + size;
  bool coarse = false;
  std::uint64_t at = args.address;
  if (size > kCoarseBlock) {
    // Below kCoarseMinRoundTrip (a local or 1 ms link) the fine survey is
    // kept whatever the hashing costs.
    constexpr double kCoarseMinRoundTrip = 0.005;
    const auto first_end = fine_block_end(at);
    const auto costs = measure_md5_costs(md5_at, at, std::uint32_t(first_end - at));
    coarse = costs.round_trip > kCoarseMinRoundTrip && costs.round_trip > costs.hashing;
    settle(at, std::uint32_t(first_end - at), costs.digest, 1);
    at = first_end;
  }
  // Surveys [from, to) by 64 KB blocks; returns the bytes found skippable.
  auto survey_fine = [&](std::uint64_t from, std::uint64_t to) {
    const std::uint64_t before = skippable_bytes(result.blocks);
    for (std::uint64_t a = from; a < to;) {
      const auto next = fine_block_end(a);
      settle(a, std::uint32_t(next - a), md5_at(a, std::uint32_t(next - a)), 1);
      a = next;
    }
    return skippable_bytes(result.blocks) - before;
  };
  CoarsePace coarse_pace;
  // A skippable block at `at` follows a block planned whole: that one is
  // taken out of the plan (its survey entry is the last one) and refined.
  auto refine_whole_before = [&] {
    if (!coarse_pace.take_whole_ending_at(at)) return;
    result.survey.pop_back();
    ReadBlock& last = result.blocks.back();  // a read block ending at `at`, merged or not
    last.length -= kCoarseBlock;
    last.blocks -= kCoarseBlock / kSurveyBlock;
    if (last.length == 0) result.blocks.pop_back();
    coarse_pace.refined_back(survey_fine(at - kCoarseBlock, at) > 0);
  };
  while (at < end) {
    if (coarse && at % kCoarseBlock == 0 && end - at >= kCoarseBlock) {
      const auto digest = md5_at(at, kCoarseBlock);
      const auto offset = std::uint32_t(at - args.address);
      if (source_of(digest, offset, kCoarseBlock, args.skip_erased, old) != BlockSource::read) {
        refine_whole_before();
        settle(at, kCoarseBlock, digest, kCoarseBlock / kSurveyBlock);
      } else if (!coarse_pace.refine()) {
        result.survey.push_back({offset, kCoarseBlock, digest});
        append(result.blocks, {offset, kCoarseBlock, BlockSource::read, kCoarseBlock / kSurveyBlock});
        r.progress("Comparing", offset + kCoarseBlock, size);
        coarse_pace.planned_whole(at + kCoarseBlock);
      } else {
        coarse_pace.refined(survey_fine(at, at + kCoarseBlock) > 0);
      }
      at += kCoarseBlock;
      continue;
    }
    const auto next = fine_block_end(at);
    const auto length = std::uint32_t(next - at);
    const auto digest = md5_at(at, length);
    if (source_of(digest, std::uint32_t(at - args.address), length, args.skip_erased, old) != BlockSource::read)
      refine_whole_before();
    settle(at, length, digest, 1);
    at = next;
  }
  r.progress_end();
  return result;
}

}  // namespace

void cmd_read_flash(Session& s, const ReadFlashArgs& args) {
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  s.refuse_in_secure_download_mode(
      "read_flash", args.size ? "the ROM refuses flash reads there"
                              : "the ROM refuses flash reads there, and flash size detection (for ALL) is "
                                "impossible in it");
  if (!s.stub() && !chip.rom.read_flash_slow)
    throw Error(ErrorKind::unsupported,
                fmt::format("the {} ROM loader cannot read flash; run without --no-stub so the flasher stub can",
                            chip.name));
  auto detected = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    auto found = s.detected_flash_size();
    if (found) s.configure_flash_size(*found);
    return found;
  });

  std::uint32_t size;
  if (!args.size) {
    std::uint32_t flash = s.require_flash_size();
    r.info("Detected flash size: " + flash_size_name(flash));
    if (args.address >= flash)
      throw Error(ErrorKind::input, fmt::format("address {:#x} is past the end of the {} flash", args.address,
                                                flash_size_name(flash)));
    size = flash - args.address;
  } else {
    size = *args.size;
    if (detected) {
      // esptool v5 cli_util.parse_size_arg, plus the end of the region.
      if (size > *detected)
        throw Error(ErrorKind::input, fmt::format("Specified size {:#x} is greater than detected flash size {:#x}.",
                                                  size, *detected));
      if (std::uint64_t(args.address) + size > *detected)
        throw Error(ErrorKind::input,
                    fmt::format("region {:#x}..{:#x} ends past the end of the {} flash", args.address,
                                std::uint64_t(args.address) + size, flash_size_name(*detected)));
    }
  }

  // Which blocks need the wire at all (docs/cli.md "read_flash"): the chip
  // hashes each block on its own (SPI_FLASH_MD5, at flash speed); an erased
  // block is written as 0xFF, a block equal to the old image is copied from
  // it, the rest is read.
  Bytes old_image;
  std::string old_path;
  if (!args.diff_with.empty()) {
    old_path = pick_old_image(args.diff_with, size, args.file);
    old_image = load_whole_file(old_path);
    r.info(fmt::format("Comparing with '{}' ({} bytes)", old_path, old_image.size()));
  }
  const bool want_survey = args.skip_erased || !args.diff_with.empty();
  const bool can_survey = s.stub() || chip.rom.flash_md5;
  if (want_survey && !can_survey)
    r.warning(fmt::format("The {} ROM cannot compute flash MD5; reading every block.", chip.name));
  const auto start = Clock::now();
  ReadPlan plan = want_survey && can_survey
                     ? plan_read(s, args, size, args.diff_with.empty() ? nullptr : &old_image)
                     : ReadPlan{{{0, size, BlockSource::read}}, {}};

  // Each chunk is verified on its own (the stub sends the MD5 of every
  // READ_FLASH; READ_FLASH_SLOW in the ROM carries none, so the chip's
  // SPI_FLASH_MD5 of the chunk is compared). FILE.part receives verified
  // chunks only, and a chunk whose stream is lost or garbled is read again
  // after the session is recovered: the read resumes at the last verified
  // chunk instead of starting over (docs/exit-codes.md "Retries").
  // After a failure the retry reads a quarter as much, down to
  // kMinReadChunk (one READ_FLASH packet), so a link that garbles a byte
  // every few tens of KB still gets chunks through; each verified chunk
  // doubles the size again. Shrinking always makes the next try more likely
  // to pass, so the attempt budget (Session::kUnitAttempts) is spent only
  // at the smallest size: a position in the read gets at most
  // log4(chunk / kMinReadChunk) + kUnitAttempts tries.
  constexpr std::uint32_t kMinReadChunk = 4 * 1024;
  PartFile part(args.file);
  Md5 md5;
  Bytes chunk;
  std::uint32_t piece = args.chunk;
  int attempt = 1;
  std::uint64_t transferred = 0;
  std::uint64_t blocks_erased = 0, blocks_copied = 0, blocks_read = 0, bytes_erased = 0, bytes_copied = 0;
  for (const ReadBlock& block : plan.blocks) {
    const std::uint32_t block_end = block.offset + block.length;
    if (block.source != BlockSource::read) {
      if (block.source == BlockSource::erased) {
        chunk.assign(block.length, 0xFF);
        blocks_erased += block.blocks, bytes_erased += block.length;
      } else {
        chunk.assign(old_image.begin() + block.offset, old_image.begin() + block_end);
        blocks_copied += block.blocks, bytes_copied += block.length;
      }
      part.write(chunk);
      md5.update(chunk);
      r.progress("Reading", block_end, size);
      continue;
    }
    blocks_read += block.blocks;
    for (std::uint32_t done = block.offset; done < block_end;) {
      const std::uint32_t n = std::min(piece, block_end - done);
      const std::uint32_t at = args.address + done;
      try {
        s.loader().read_flash(at, n, chunk, progress_for(r, "Reading", done, size));
        if (chunk.size() != n)
          throw Error(ErrorKind::internal, fmt::format("loader returned {} bytes for a {}-byte read", chunk.size(), n));
        if (!s.stub()) {
          auto remote = s.loader().flash_md5(at, n);
          auto local = Md5::of(chunk);
          if (remote != local)
            throw Error(ErrorKind::verify, fmt::format("data read from {:#010x} (MD5 {}) does not match the flash (MD5 {})",
                                                       at, hex(local), hex(remote)));
        }
      } catch (const Error& e) {
        // "unsupported" here is a garbled command (READ_FLASH / READ_FLASH_SLOW are there).
        if (!Session::recoverable(e) && e.kind() != ErrorKind::unsupported) throw;
        const std::string what = fmt::format("reading {:#x} bytes at {:#010x}", n, at);
        if (piece <= kMinReadChunk && attempt >= Session::kUnitAttempts) throw Session::gave_up(e, what, attempt);
        s.recover(e, what, attempt);
        if (piece <= kMinReadChunk) ++attempt;
        piece = std::max(kMinReadChunk, piece / 4);
        continue;
      }
      part.write(chunk);
      md5.update(chunk);
      transferred += n;
      done += n;
      attempt = 1;
      piece = std::min(args.chunk, piece * 2);
    }
  }
  r.progress_end();
  const auto local = md5.finish();
  verify_file_against_survey(part, plan.survey, args.address);
  const double t = seconds_since(start);
  part.commit();
  if (blocks_erased || blocks_copied) {
    std::string line = fmt::format("Transferred {} bytes; skipped {} erased bytes", transferred, bytes_erased);
    if (!old_path.empty()) line += fmt::format(", copied {} unchanged bytes from '{}'", bytes_copied, old_path);
    r.info(line);
  }
  r.info(fmt::format("Read {} bytes at {:#010x} in {:.1f} seconds{}...", size, args.address, t, rate_text(size, t)));
  r.info(fmt::format("Flash read to '{}' completed.", args.file));
  auto& j = r.json();
  j.set("address", args.address);
  j.set("size", size);
  j.set("file", args.file);
  j.set("md5", hex(local));
  j.set("milliseconds", std::int64_t(std::llround(t * 1000)));
  j.set("bytes_transferred", transferred);
  j.set("block_size", kSurveyBlock);
  j.set("blocks_read", blocks_read);
  j.set("blocks_skipped", blocks_erased);
  j.set("blocks_copied", blocks_copied);
  if (!old_path.empty()) j.set("diff_with", old_path);
}

// ---- write_flash ----------------------------------------------------------

namespace {

// Input files are checked before anything is sent (docs/errors.md): a
// directory or an empty file is refused with one line. esptool skips an
// empty file with a warning; espbak refuses it, since a restore that writes
// nothing is almost certainly the wrong file.
void check_input_files(const std::vector<std::pair<std::uint32_t, std::string>>& pairs) {
  namespace fs = std::filesystem;
  for (const auto& [address, file] : pairs) {
    std::error_code ec;
    auto status = fs::status(file, ec);
    if (ec || !fs::exists(status)) continue;  // load_regions names the open error (missing, permission)
    if (fs::is_directory(status))
      throw Error(ErrorKind::input, fmt::format("cannot read '{}': it is a directory", file));
    if (fs::is_regular_file(status) && fs::file_size(file, ec) == 0 && !ec)
      throw Error(ErrorKind::input, fmt::format("'{}' is empty: nothing to write at {:#x}", file, address));
  }
}

}  // namespace

std::vector<FlashRegion> prepare_write_flash(const WriteFlashArgs& args, Reporter&) {
  if (args.pairs.empty()) throw Error(ErrorKind::usage, "write_flash needs ADDRESS FILE pairs");
  check_input_files(args.pairs);
  auto regions = load_regions(args.pairs);
  check_no_overlap(regions);
  if (args.params.size != "keep" && args.params.size != "detect") {
    auto end = size_of_name(args.params.size);
    if (!end) throw Error(ErrorKind::usage, fmt::format("invalid --flash_size '{}'", args.params.size));
    check_regions_fit(regions, *end);
  }
  return regions;
}

void cmd_write_flash(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion> regions) {
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  const bool sdm = s.secure_download_mode();
  if (sdm && args.params.size == "detect")
    s.refuse_in_secure_download_mode("write_flash --flash_size detect",
                                     "flash size detection is impossible in it: give a size, or keep");
  if (sdm && args.erase_all)
    s.refuse_in_secure_download_mode("write_flash --erase-all", "the ROM has no ERASE_FLASH");
  check_flash_params(chip, args.params);
  if (args.erase_all && !s.stub())
    throw Error(ErrorKind::unsupported,
                fmt::format("--erase-all needs the flasher stub (the {} ROM has no ERASE_FLASH); "
                            "run without --no-stub",
                            chip.name));
  FlashSizeChoice size = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return set_flash_parameters(s, args.params.size);
  });
  // Every region must fit before anything is erased (esptool write_flash).
  if (size.flash_end) check_regions_fit(regions, *size.flash_end);

  bool compress = args.compress.value_or(s.stub());  // esptool v5: compress when the stub runs
  if (sdm) {
    // esptool writes uncompressed there (no stub); whether the ROM takes
    // FLASH_DEFL_* in the mode is unverified (docs/espsim.md).
    if (compress) r.warning("Secure Download Mode: writing uncompressed (FLASH_DATA).");
    compress = false;
    r.warning("Secure Download Mode: the ROM offers no flash MD5, so the data written cannot be verified.");
  }
  if (compress && !s.stub() && !chip.rom.deflate) {
    r.warning(fmt::format("The {} ROM cannot decompress; writing uncompressed.", chip.name));
    compress = false;
  }
  FlashParams params = args.params;
  params.size = size.header_size;

  if (args.erase_all) {
    r.info("Erasing flash (this may take a while)...");
    const auto t0 = Clock::now();
    s.loader().erase_flash();
    r.info(fmt::format("Chip erase completed successfully in {:.1f} seconds.", seconds_since(t0)));
  } else {
    for (const auto& region : regions) {
      if (region.data.empty()) continue;
      std::uint32_t over = region.address % kFlashSectorSize;
      if (over)
        r.info(fmt::format("Note: Flash address {:#010x} is not aligned to a {:#x} byte flash sector. "
                           "{:#x} bytes before this address will be erased.",
                           region.address, kFlashSectorSize, over));
      std::uint64_t end = std::uint64_t(region.address) + region.data.size();
      std::uint64_t last = (end + kFlashSectorSize - 1) / kFlashSectorSize * kFlashSectorSize - 1;
      r.info(fmt::format("Flash will be erased from {:#010x} to {:#010x}...", region.address - over, last));
    }
  }

  for (auto& region : regions) {
    if (region.data.empty()) {
      r.warning(fmt::format("File {} is empty", region.file));
      continue;
    }
    Bytes image = pad_to(std::move(region.data), 4);
    std::uint32_t address = region.address;
    if (!s.stub()) {
      // The ROM writes whole sectors from the start address: pad the front
      // with erased bytes (esptool write_flash does the same).
      std::uint32_t over = address % kFlashSectorSize;
      address -= over;
      image.insert(image.begin(), over, 0xFF);
    }
    if (sdm) {
      // esptool write_flash: no header patching with security features on.
      if (address == chip.bootloader_offset) r.warning("Security features enabled, so not changing any flash settings.");
    } else {
      PatchOutcome patched = patch_image_header(chip, address, params, std::move(image));
      for (const auto& w : patched.warnings) r.warning(w);
      for (const auto& n : patched.notes) r.info(n);
      image = std::move(patched.image);
    }

    const auto local_md5 = Md5::of(image);
    const auto t0 = Clock::now();
    const std::string what = fmt::format("writing {} at {:#010x}", region.file, address);
    RegionWriteStats stats;
    auto flash_md5 = write_region(s, address, image, local_md5, compress, args.diff && !args.erase_all, what,
                                  progress_for(r, "Writing", 0, image.size()), stats);
    r.progress_end();
    const double t = seconds_since(t0);
    const std::uint64_t unchanged = stats.unchanged, written = image.size() - unchanged;
    if (unchanged == image.size())
      r.info(fmt::format("Skipped all {} bytes at {:#010x}: the flash already holds them.", unchanged, address));
    else if (unchanged)
      r.info(fmt::format("Skipped {} unchanged bytes at {:#010x}; wrote the {} bytes that differ.", unchanged, address,
                         written));
    if (written && stats.compressed) {
      std::string speed = t > 0 ? fmt::format(" (effective {:.1f} kbit/s)", double(written) / t * 8 / 1000) : "";
      r.info(fmt::format("Wrote {} bytes ({} compressed) at {:#010x} in {:.1f} seconds{}...", written, stats.sent,
                         address, t, speed));
    } else if (written) {
      r.info(fmt::format("Wrote {} bytes at {:#010x} in {:.1f} seconds{}...", written, address, t,
                         rate_text(written, t)));
    }

    JsonObject rj;
    rj.set("address", address);
    rj.set("file", region.file);
    rj.set("size", std::uint64_t(image.size()));
    rj.set("compressed", stats.compressed);
    rj.set("bytes_unchanged", unchanged);
    rj.set("bytes_written", written);
    rj.set("bytes_sent", stats.sent);
    rj.set("md5", hex(local_md5));
    if (!flash_md5) {
      // esptool skips the check where the ROM has no SPI_FLASH_MD5 (and in
      // Secure Download Mode, warned about once above).
      if (!sdm)
        r.warning(fmt::format("The {} ROM cannot compute MD5; data written at {:#010x} not verified.", chip.name,
                              address));
      rj.set("verified", false);
    } else {
      if (*flash_md5 != local_md5) {
        r.info("File  MD5: " + hex(local_md5));
        r.info("Flash MD5: " + hex(*flash_md5));
        Bytes erased(image.size(), 0xFF);
        if (*flash_md5 == Md5::of(erased))
          throw Error(ErrorKind::verify, fmt::format("Write failed, the written flash region at {:#010x} ({}) is empty.",
                                                     address, region.file));
        throw Error(ErrorKind::verify,
                    fmt::format("MD5 of file does not match data in flash! (region {:#010x}, {}; written {} times)",
                                address, region.file, Session::kUnitAttempts));
      }
      r.info("Hash of data verified.");
      rj.set("verified", true);
    }
    r.json().push("regions", rj);
  }
}

// ---- verify_flash ---------------------------------------------------------

std::vector<FlashRegion> prepare_verify_flash(const VerifyFlashArgs& args) {
  if (args.pairs.empty()) throw Error(ErrorKind::usage, "verify_flash needs ADDRESS FILE pairs");
  check_input_files(args.pairs);
  auto regions = load_regions(args.pairs);
  check_no_overlap(regions);
  return regions;
}

void cmd_verify_flash(Session& s, const VerifyFlashArgs& args, std::vector<FlashRegion> regions) {
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  s.refuse_in_secure_download_mode("verify_flash", "the ROM refuses flash reads and MD5 there");
  check_flash_params(chip, args.params);
  if (!s.stub() && !chip.rom.flash_md5)
    throw Error(ErrorKind::unsupported,
                fmt::format("the {} ROM loader cannot compute flash MD5; run without --no-stub", chip.name));
  FlashSizeChoice size = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return set_flash_parameters(s, args.params.size);
  });
  FlashParams params = args.params;
  params.size = size.header_size;

  bool mismatch = false;
  for (auto& region : regions) {
    if (region.data.empty()) {
      r.warning(fmt::format("File {} is empty", region.file));
      continue;
    }
    PatchOutcome patched = patch_image_header(chip, region.address, params, pad_to(std::move(region.data), 4));
    for (const auto& w : patched.warnings) r.warning(w);
    for (const auto& n : patched.notes) r.info(n);
    const Bytes& image = patched.image;
    const auto n = std::uint32_t(image.size());
    r.info(fmt::format("Verifying {:#x} ({}) bytes @ {:#010x} in flash against {}...", n, n, region.address,
                       region.file));
    JsonObject rj;
    rj.set("address", region.address);
    rj.set("file", region.file);
    rj.set("size", n);
    auto digest = s.with_recovery(fmt::format("computing the MD5 at {:#010x}", region.address),
                                  [&] { return s.loader().flash_md5(region.address, n); });
    if (digest == Md5::of(image)) {
      r.result("-- verify OK (digest matched)");
      rj.set("ok", true);
      r.json().push("regions", rj);
      continue;
    }
    mismatch = true;
    rj.set("ok", false);
    if (!args.diff) {
      r.result("-- verify FAILED (digest mismatch)");
      r.json().push("regions", rj);
      continue;
    }
    Bytes flash;
    s.with_recovery(fmt::format("reading {:#x} bytes at {:#010x}", n, region.address),
                    [&] { s.loader().read_flash(region.address, n, flash, progress_for(r, "Reading", 0, n)); });
    r.progress_end();
    std::vector<std::uint32_t> differences;
    for (std::uint32_t i = 0; i < n && i < flash.size(); ++i)
      if (flash[i] != image[i]) differences.push_back(i);
    if (differences.empty()) {
      r.result("-- verify FAILED (digest mismatch, but the data read back matches)");
    } else {
      r.result(fmt::format("-- verify FAILED: {} differences, first at {:#010x}", differences.size(),
                           region.address + differences.front()));
      for (auto d : differences)
        r.result(fmt::format("   {:08x} {:02x} {:02x}", region.address + d, flash[d], image[d]));
    }
    rj.set("differences", std::uint64_t(differences.size()));
    r.json().push("regions", rj);
  }
  if (mismatch) throw Error(ErrorKind::verify, "Verify failed.");
}

// ---- erase ----------------------------------------------------------------

void cmd_erase_flash(Session& s) {
  s.refuse_in_secure_download_mode("erase_flash", "the ROM has no ERASE_FLASH: erase_region erases a region");
  if (!s.stub())
    throw Error(ErrorKind::unsupported,
                fmt::format("erase_flash needs the flasher stub (the {} ROM has no ERASE_FLASH); run without "
                            "--no-stub, or use erase_region",
                            s.chip().name));
  Reporter& r = s.report();
  r.info("Erasing flash (this may take a while)...");
  const auto t0 = Clock::now();
  s.with_recovery("erasing the flash", [&] { s.loader().erase_flash(); });
  r.info(fmt::format("Chip erase completed successfully in {:.1f} seconds.", seconds_since(t0)));
}

void check_erase_region_args(std::uint32_t address, std::uint32_t size) {
  // esptool cmds.py erase_region wording.
  if (address % kFlashSectorSize)
    throw Error(ErrorKind::input, fmt::format("Offset to erase from must be a multiple of {} (got {:#x})",
                                              kFlashSectorSize, address));
  if (size % kFlashSectorSize)
    throw Error(ErrorKind::input,
                fmt::format("Size of data to erase must be a multiple of {} (got {:#x})", kFlashSectorSize, size));
  if (std::uint64_t(address) + size > 0x100000000ull)
    throw Error(ErrorKind::input, "erase_region: address + size is past 4 GB");
}

void cmd_erase_region(Session& s, std::uint32_t address, std::uint32_t size) {
  check_erase_region_args(address, size);
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  auto detected = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return s.detected_flash_size();
  });
  if (auto flash = detected; flash && std::uint64_t(address) + size > *flash)
    throw Error(ErrorKind::input, fmt::format("region {:#x}..{:#x} is past the end of the {} flash", address,
                                              std::uint64_t(address) + size, flash_size_name(*flash)));
  r.info("Erasing region (may be slow depending on size)...");
  const auto t0 = Clock::now();
  if (s.stub()) {
    s.with_recovery("erasing the region", [&] { s.loader().erase_region(address, size); });
  } else if (!chip.quirks.rom_erase_size_bug) {
    // esptool: in the ROM, FLASH_BEGIN erases the region it announces (the
    // loader sends it with the chip's payload form; also in Secure Download Mode).
    s.with_recovery("erasing the region", [&] { s.loader().erase_region(address, size); });
  } else {
    throw Error(ErrorKind::unsupported,
                "erase_region needs the flasher stub on the ESP8266; run without --no-stub");
  }
  r.info(fmt::format("Erase completed successfully in {:.1f} seconds.", seconds_since(t0)));
  r.json().set("address", address);
  r.json().set("size", size);
}

}  // namespace espbak
