#include "guide_table.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "guide_images.hpp"
#include "harness.hpp"

namespace e2e {

namespace {

// What the images need to know of each chip the table uses (esptool v5.3.1
// targets/<chip>.py BOOTLOADER_FLASH_OFFSET and IMAGE_CHIP_ID; the ESP8266
// image has no extended header).
struct ChipFacts {
  std::uint32_t bootloader_offset;
  bool extended_header;
  std::uint16_t image_chip_id;
};

const ChipFacts& facts_of(const std::string& chip) {
  static const std::map<std::string, ChipFacts> table = {
      {"esp8266", {0x0, false, 0}},
      {"esp32", {0x1000, true, 0}},
      {"esp32s3", {0x0, true, 9}},
      {"esp32c3", {0x0, true, 5}},
  };
  return table.at(chip);
}

std::size_t flash_bytes(const std::string& size) {
  return std::size_t(std::stoul(size.substr(0, size.size() - 2))) << 20;  // "4MB"
}

std::optional<std::uint32_t> number(const std::string& s) {
  try {
    std::size_t used = 0;
    unsigned long v = std::stoul(s, &used, 0);
    if (used == s.size()) return std::uint32_t(v);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

struct RowFiles {
  std::map<std::string, BuiltImage> images;  // placeholder -> image (those that are images)
  std::map<std::string, Bytes> data;         // placeholder -> bytes
  std::map<std::string, std::string> paths;  // placeholder -> path
};

RowFiles make_files(const TempDir& dir, const ChipFacts& chip) {
  RowFiles f;
  ImageSpec spec;
  spec.extended_header = chip.extended_header;
  spec.chip_id = chip.image_chip_id;
  spec.sha256_appended = chip.extended_header;
  spec.segment_size = 0x1400;
  spec.seed = 11;
  f.images["{BOOT}"] = build_image(spec);
  spec.segment_size = 0x2800;
  spec.seed = 12;
  f.images["{APP}"] = build_image(spec);
  spec.segment_size = 0x1C00;
  spec.trailing = 0x1800;  // a merged firmware: more data after the image
  spec.seed = 13;
  f.images["{FW}"] = build_image(spec);
  for (const auto& [name, image] : f.images) f.data[name] = image.bytes;
  Bytes part = random_bytes(0xC00, 14);
  part[0] = 0xAA;  // partition table entry magic 0x50AA
  part[1] = 0x50;
  f.data["{PART}"] = part;
  f.data["{OTA}"] = random_bytes(0x2000, 15);
  f.data["{DATA}"] = random_bytes(0x1802, 16);  // not a multiple of 4: padded with 0xFF
  for (const auto& [name, bytes] : f.data) {
    std::string file = name.substr(1, name.size() - 2) + ".bin";
    f.paths[name] = (dir / file).string();
    write_file(dir / file, bytes);
  }
  f.paths["{OUT}"] = (dir / "out.bin").string();
  return f;
}

std::string substitute(std::string s, const RowFiles& f, const std::string& port) {
  auto replace_all = [&s](const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
      s.replace(at, from.size(), to);
  };
  replace_all("{PORT}", port);
  for (const auto& [name, path] : f.paths) replace_all(name, path);
  return s;
}

// The (address, placeholder) pairs a write line names: a placeholder of a
// file right after a number.
std::vector<std::pair<std::uint32_t, std::string>> written_files(const std::vector<std::string>& words,
                                                                 const RowFiles& f) {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (!f.data.count(words[i])) continue;
    if (auto address = number(words[i - 1])) out.emplace_back(*address, words[i]);
  }
  return out;
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

void place(Bytes& flash, std::uint32_t address, const Bytes& bytes) {
  REQUIRE(address + bytes.size() <= flash.size());
  std::copy(bytes.begin(), bytes.end(), flash.begin() + std::ptrdiff_t(address));
}

// Where two flash images first differ, for a readable failure.
std::string first_difference(const Bytes& got, const Bytes& want) {
  if (got.size() != want.size())
    return "size " + std::to_string(got.size()) + ", expected " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i])
      return "at " + hex_addr(std::uint32_t(i)) + ": " + std::to_string(got[i]) + ", expected " +
             std::to_string(want[i]);
  return "";
}

}  // namespace

void run_guide_row(const GuideRow& row) {
  const ChipFacts& chip = facts_of(row.chip);
  TempDir dir;
  RowFiles files = make_files(dir, chip);

  // The words of the line with an argument file's words inline, for the
  // address/file pairs.
  std::vector<std::string> words = row.argv;
  if (*row.args_file) {
    const auto more = split_words(row.args_file);
    words.insert(words.end(), more.begin(), more.end());
    std::ofstream(dir / "flash_args") << substitute(row.args_file, files, "");
    files.paths["{ARGS}"] = (dir / "flash_args").string();
  }
  const auto writes = written_files(words, files);

  const std::size_t size = flash_bytes(row.flash);
  Bytes before(size, 0xFF);
  if (row.start != Start::erased) before = random_bytes(size, 77);
  if (row.start == Start::holds_files)
    for (const auto& [address, name] : writes) place(before, address, files.data.at(name));
  write_file(dir / "flash.bin", before);

  SimOptions so;
  so.chip = row.chip;
  so.flash_size = row.flash;
  Sim sim(dir, so);
  std::vector<std::string> args;
  for (const auto& a : row.argv) args.push_back(substitute(a, files, sim.port()));
  auto r = run_espbak(args, std::chrono::seconds(120));
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  for (const auto& text : row.says) CHECK(flat(r).find(text) != std::string::npos);

  const Bytes after = read_file(sim.flash_file());
  if (row.erased_after || row.start == Start::erased) {
    // A fresh (or wholly erased: erase_flash, write_flash -e) chip: 0xFF
    // everywhere but the files, each as esptool writes it.
    Bytes want(size, 0xFF);
    for (const auto& [address, name] : writes) {
      Bytes bytes = files.data.at(name);
      if (address == chip.bootloader_offset && row.header && files.images.count(name))
        bytes = patched_image(files.images.at(name), row.header->mode, row.header->size_freq);
      place(want, address, bytes);
    }
    CHECK(first_difference(after, want) == "");
    if (row.header)  // the bytes stated in the table, not only what patched_image made
      CHECK((after[chip.bootloader_offset + 2] == row.header->mode &&
             after[chip.bootloader_offset + 3] == row.header->size_freq));
  } else if (row.erased_range) {
    Bytes want = before;
    place(want, row.erased_range->first, Bytes(row.erased_range->second, 0xFF));
    CHECK(first_difference(after, want) == "");
  } else {
    CHECK(first_difference(after, before) == "");  // read, verify, identify: nothing written
  }

  if (row.read) {
    const auto [address, length] = *row.read;
    const Bytes got = read_file(files.paths.at("{OUT}"));
    CHECK(first_difference(got, Bytes(before.begin() + address, before.begin() + address + length)) == "");
  }
  // Nothing left behind but what esptool leaves: no partial file.
  for (const auto& entry : fs::directory_iterator(dir.path()))
    CHECK(entry.path().extension() != ".part");
}

}  // namespace e2e
