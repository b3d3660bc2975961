#include "espbak/ops/write_compare.hpp"

#include <fmt/format.h>

#include "espbak/ops/interruption.hpp"
#include "espbak/ops/md5_pacing.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

std::vector<RegionSpan> differing_blocks(Session& s, std::uint32_t address, const Bytes& image,
                                   std::optional<Md5::Digest> first_digest, bool coarse) {
  std::vector<RegionSpan> out;
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

std::optional<Md5::Digest> write_region(Session& s, std::uint32_t address, const Bytes& image, const Md5::Digest& want,
                                        bool compress, bool diff, const std::string& what, const Progress& progress,
                                        const WritePlanNotice& announce, RegionWriteStats& stats) {
  std::uint64_t& unchanged = stats.unchanged;
  // No SPI_FLASH_MD5 in Secure Download Mode: no diff, no verification.
  const bool can_verify = (s.stub() || s.chip().rom.flash_md5) && !s.secure_download_mode();
  const auto size = std::uint32_t(image.size());
  bool first = true;
  std::uint64_t left = std::uint64_t(size) + 1;  // bytes still to (re)write; shrinking counts as progress
  for (int attempt = 1;; ++attempt) {
    try {
      std::vector<RegionSpan> todo{{0, size}};
      const auto compare_start = s.clock().now();
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
            stats.compare_seconds = s.clock().seconds_since(compare_start);
            return got;
          }
        } else {
          const auto costs = measure_md5_costs(
              s.clock(), [&](std::uint64_t at, std::uint32_t n) { return s.loader().flash_md5(std::uint32_t(at), n); },
              address, std::uint32_t(first_end - address));
          todo = differing_blocks(s, address, image, costs.digest, costs.round_trip > costs.hashing);
          if (todo.empty()) {
            unchanged = size;
            stats.compare_seconds = s.clock().seconds_since(compare_start);
            return want;
          }
        }
      } else if (!first && can_verify) {
        todo = differing_blocks(s, address, image);
      }
      std::uint64_t now_left = 0;
      for (const RegionSpan& part : todo) now_left += part.length;
      if (first) {
        unchanged = size - now_left;
        if (diff && can_verify) stats.compare_seconds = s.clock().seconds_since(compare_start);
        if (announce) announce(todo);
      }
      const bool whole = todo.size() == 1 && todo.front().length == size;
      if (now_left < left && attempt > 1) attempt = 1;  // the last try got somewhere: a fresh budget
      left = now_left;
      for (const RegionSpan& part : todo) {
        check_interrupted();
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

}  // namespace espbak
