// read_flash: the survey's plan (read_plan.cpp), then verified chunks into
// a temporary file (PartFile), renamed once every byte is vouched for by the
// chip.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/flash_setup.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/ops/manifest_io.hpp"
#include "espbak/ops/md5_pacing.hpp"
#include "espbak/ops/part_file.hpp"
#include "espbak/ops/read_plan.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

// --diff-with before the port is opened: a readable, non-empty file, or a
// readable directory (its image is chosen once the size is known).
void check_diff_with(const std::string& given) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(given, ec)) {
    fs::directory_iterator probe(given, ec);
    if (ec) throw Error(ErrorKind::input, fmt::format("--diff-with: cannot read directory '{}': {}", given, ec.message()));
    return;
  }
  if (!fs::exists(given, ec))
    throw Error(ErrorKind::input, fmt::format("--diff-with: '{}' does not exist", given));
  if (!fs::is_regular_file(given, ec))
    throw Error(ErrorKind::input, fmt::format("--diff-with: '{}' is neither a file nor a directory", given));
  std::ifstream in(given, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, fmt::format("--diff-with: cannot read '{}'", given));
  if (fs::file_size(given, ec) == 0) throw Error(ErrorKind::input, fmt::format("--diff-with: '{}' is empty", given));
}

}  // namespace

void check_read_flash_args(const ReadFlashArgs& args) {
  if (args.file.empty()) throw Error(ErrorKind::usage, "read_flash needs an output file name");
  PartFile::check_target(args.file);
  if (args.manifest) PartFile::check_target(backup::manifest_path(args.file));
  if (!args.diff_with.empty()) check_diff_with(args.diff_with);
  if (args.size && *args.size == 0) throw Error(ErrorKind::usage, "read_flash: size must not be 0");
  if (args.size && std::uint64_t(args.address) + *args.size > 0x100000000ull)
    throw Error(ErrorKind::input, "read_flash: address + size is past 4 GB");
  if (args.size) PartFile::check_room(args.file, *args.size);  // before the port is opened
}

namespace {

Bytes load_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, fmt::format("cannot read '{}'", path));
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::input, fmt::format("error reading '{}'", path));
  return data;
}

// --diff-with names a file, or a directory of earlier backups: then the
// newest regular file in it (by modification time) whose size is the size
// being read, else the newest regular file at all; FILE.part leftovers,
// FILE.json manifests and the output file itself are never chosen.
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
    if (!entry.is_regular_file() || entry.path().extension() == ".part" ||
        entry.path().extension() == backup::kManifestSuffix)
      continue;
    std::error_code ec2;
    if (fs::equivalent(entry.path(), out, ec2)) continue;
    if (newer(entry, best_any)) best_any = entry;
    if (entry.file_size() == size && newer(entry, best_sized)) best_sized = entry;
  }
  if (best_sized) return best_sized->path().string();
  if (best_any) return best_any->path().string();
  throw Error(ErrorKind::input, fmt::format("--diff-with: directory '{}' holds no earlier image", given));
}

struct FileDigests {
  Md5::Digest md5;
  Sha256::Digest sha256;
};
// The reading itself, into `part` (committed at the end).
FileDigests read_into(Session& s, const ReadFlashArgs& args, const ReadPlan& plan, const Bytes& old_image,
                      const std::string& old_path, std::uint32_t size, PartFile& part, Clock::Duration start);

// FILE.json once FILE is in place (docs/manifest.md).
void write_manifest(Session& s, const ReadFlashArgs& args, const ReadPlan& plan, std::uint32_t size,
                    std::optional<std::uint32_t> flash_size, const FileDigests& digests);

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
  std::optional<std::uint32_t> given_size;
  if (!args.flash_size.empty() && args.flash_size != "detect" && args.flash_size != "keep") {
    given_size = size_of_name(args.flash_size);
    if (!given_size) throw Error(ErrorKind::usage, fmt::format("invalid --flash_size '{}'", args.flash_size));
  }
  auto detected = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    auto found = s.detected_flash_size();
    if (given_size) s.configure_flash_size(*given_size);
    else if (found) s.configure_flash_size(*found);
    return found;
  });
  const std::optional<std::uint32_t> rdid_size = detected;  // the flash's own size, for the manifest
  if (given_size) {
    // The size the user gave is the flash for this read (esptool 4.8: lets
    // the ROM read past the 2 MB its SPI parameters assume).
    if (detected && *given_size > *detected)
      r.warning(fmt::format("Set flash_size {} is larger than the available flash size of {}.", args.flash_size,
                            flash_size_name(*detected)));
    detected = given_size;
  }

  std::uint32_t size;
  if (!args.size) {
    std::uint32_t flash = given_size ? *given_size : s.require_flash_size();
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

  // Room for the file before anything is read (ALL: known only now).
  PartFile::check_room(args.file, size);
  if (args.address == 0 && rdid_size && size < *rdid_size)
    r.warning(fmt::format("Reading {:#x} bytes from 0 of the {} flash: a whole-board restore needs the whole flash "
                          "(read_flash 0 ALL FILE).",
                          size, flash_size_name(*rdid_size)));

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
    if (old_image.size() != size)
      r.warning(fmt::format("'{}' is {} bytes and the read {} bytes: only the blocks both cover are compared",
                            old_path, old_image.size(), size));
  }
  // From the survey on, a signal is deferred to the loops: the read stops
  // cleanly and the chip is left as --after says (docs/exit-codes.md).
  DeferredSignals deferred;
  const bool want_survey = args.skip_erased || !args.diff_with.empty();
  const bool can_survey = s.stub() || chip.rom.flash_md5;
  if (want_survey && !can_survey)
    r.warning(fmt::format("The {} ROM cannot compute flash MD5; reading every block.", chip.name));
  const auto start = s.clock().now();
  ReadPlan plan;
  try {
    plan = want_survey && can_survey ? plan_read(s, args, size, args.diff_with.empty() ? nullptr : &old_image)
                                     : ReadPlan{{{0, size, BlockSource::read}}, {}};
  } catch (const Interrupted& e) {
    throw e.with(fmt::format("nothing was written to '{}' (the read had not begun)", args.file));
  }

  FileDigests digests;
  {
    PartFile part(args.file);
    part.reserve(size);
    try {
      digests = read_into(s, args, plan, old_image, old_path, size, part, start);
    } catch (const Interrupted& e) {
      throw e.with(part.interrupted_note());
    }
  }
  write_manifest(s, args, plan, size, rdid_size, digests);
}

namespace {

FileDigests read_into(Session& s, const ReadFlashArgs& args, const ReadPlan& plan, const Bytes& old_image,
                      const std::string& old_path, std::uint32_t size, PartFile& part, Clock::Duration start) {
  Reporter& r = s.report();
  // Each chunk is verified on its own (the stub sends the MD5 of every
  // READ_FLASH; READ_FLASH_SLOW in the ROM carries none, so the chip's
  // SPI_FLASH_MD5 of the chunk is compared). The file receives verified
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
  Md5 md5;
  Sha256 sha;
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
      sha.update(chunk);
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
                                                       at, to_hex(local), to_hex(remote)));
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
      sha.update(chunk);
      transferred += n;
      done += n;
      attempt = 1;
      piece = std::min(args.chunk, piece * 2);
    }
  }
  r.progress_end();
  const auto local = md5.finish();
  verify_file_against_survey(part, plan.survey, args.address);
  const double t = s.clock().seconds_since(start);
  part.commit();
  if (blocks_erased || blocks_copied) {
    std::string line = fmt::format("Transferred {} bytes; skipped {} erased bytes", transferred, bytes_erased);
    if (!old_path.empty()) line += fmt::format(", copied {} unchanged bytes from '{}'", bytes_copied, old_path);
    r.info(line);
  }
  if (transferred == size) {
    r.info(fmt::format("Read {} bytes at {:#010x} in {:.1f} seconds{}...", size, args.address, t, rate_text(size, t)));
  } else {
    // The rate over what crossed the wire; the skipped bytes are said above.
    std::string rates;
    if (t > 0 && transferred == 0)
      rates = fmt::format(" (effective {:.1f} kbit/s; nothing transferred)", double(size) / t * 8 / 1000);
    else if (t > 0)
      rates = fmt::format(" (effective {:.1f} kbit/s; {:.1f} kbit/s over the {} bytes transferred)",
                          double(size) / t * 8 / 1000, double(transferred) / t * 8 / 1000, transferred);
    r.info(fmt::format("Read {} bytes at {:#010x} in {:.1f} seconds{}...", size, args.address, t, rates));
  }
  r.info(fmt::format("Flash read to '{}' completed.", args.file));
  auto& j = r.json();
  j.set("address", args.address);
  j.set("size", size);
  j.set("file", args.file);
  j.set("md5", to_hex(local));
  j.set("milliseconds", std::int64_t(std::llround(t * 1000)));
  j.set("bytes_transferred", transferred);
  j.set("block_size", kSurveyBlock);
  j.set("blocks_read", blocks_read);
  j.set("blocks_skipped", blocks_erased);
  j.set("blocks_copied", blocks_copied);
  if (!old_path.empty()) j.set("diff_with", old_path);
  return {local, sha.finish()};
}

void write_manifest(Session& s, const ReadFlashArgs& args, const ReadPlan& plan, std::uint32_t size,
                    std::optional<std::uint32_t> flash_size, const FileDigests& digests) {
  Reporter& r = s.report();
  const std::string path = backup::manifest_path(args.file);
  if (!args.manifest) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
      r.warning(fmt::format("'{}' describes the file this read replaced (--no-manifest); write_flash checks "
                            "against it: remove it",
                            path));
    return;
  }
  BackupRead read{args.file, args.address, size, digests.md5, digests.sha256, {}, args.espbak_version, flash_size};
  for (const ReadBlock& block : plan.blocks) {
    if (block.source != BlockSource::erased) continue;
    const std::uint32_t at = args.address + block.offset;
    if (!read.erased.empty() && read.erased.back().address + read.erased.back().size == at)
      read.erased.back().size += block.length;
    else
      read.erased.push_back({at, block.length});
  }
  const std::string done = fmt::format("'{}' is complete and verified, but its manifest '{}' was not written", args.file, path);
  try {
    write_manifest_beside(manifest_for_read(s, read), args.file);
  } catch (const Interrupted& e) {
    throw e.with(done);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{}: {}", done, e.what()));
  }
  r.info(fmt::format("Manifest written to '{}'.", path));
  r.json().set("manifest", path);
}

}  // namespace

}  // namespace espbak
