// PartFile on Windows (src/ops/part_file_win.cpp), run under wine by
// scripts/test-windows.sh: the same contract as test_ops_part_file.cpp
// (POSIX-only: umask, FIFOs, /dev, /proc), through the Windows names that
// stand in for those cases: an existing file replaced by MoveFileEx, DOS
// device names, read-only files.
#include <catch2/catch.hpp>

#include <windows.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;
namespace fs = std::filesystem;

namespace {

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    path = fs::temp_directory_path() /
           ("espbak-partfile-" + std::to_string(GetCurrentProcessId()) + "-" + std::to_string(GetTickCount64()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string contents(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put(const std::string& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::vector<unsigned char> bytes(const std::string& text) { return {text.begin(), text.end()}; }

std::size_t entries(const fs::path& dir) {
  return std::size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

std::string refusal(const std::string& target) {
  try {
    PartFile::check_target(target);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Windows PartFile writes FINAL.XXXXXX.part and moves it over an existing file") {
  ScratchDir dir;
  const std::string out = dir / "out.bin";
  put(out, "old backup");
  {
    PartFile part(out);
    part.write(bytes("flash "));
    part.write(bytes("data"));
    const std::string tmp = part.part_path();
    CHECK(tmp.rfind(out + ".", 0) == 0);
    CHECK(tmp.size() == out.size() + 1 + 6 + 5);
    CHECK(tmp.ends_with(".part"));
    CHECK(contents(out) == "old backup");  // untouched until commit
    CHECK(part.interrupted_note().find("the existing file is untouched") != std::string::npos);
    std::vector<unsigned char> back(4);
    part.read_back(6, back);
    CHECK(std::string(back.begin(), back.end()) == "data");
    part.write(bytes("!"));  // read_back left the position at the end
    part.commit();
  }
  CHECK(contents(out) == "flash data!");
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("Windows PartFile leaves nothing when not committed, and two at once get different names") {
  ScratchDir dir;
  std::string first;
  {
    PartFile a(dir / "out.bin");
    a.write(bytes("x"));
    first = a.part_path();
    PartFile b(dir / "out.bin");
    CHECK(b.part_path() != first);
    CHECK(entries(dir.path) == 2);
  }
  CHECK(entries(dir.path) == 0);
}

TEST_CASE("Windows PartFile refuses a directory, a device name, a read-only file and a missing directory") {
  ScratchDir dir;
  fs::create_directory(dir / "folder");
  CHECK(refusal(dir / "folder").find("is a directory") != std::string::npos);
  CHECK(refusal("NUL").find("device") != std::string::npos);
  CHECK(refusal(dir / "COM1").find("device") != std::string::npos);
  put(dir / "locked.bin", "keep");
  REQUIRE(SetFileAttributesA((dir / "locked.bin").c_str(), FILE_ATTRIBUTE_READONLY));
  CHECK(refusal(dir / "locked.bin").find("read-only") != std::string::npos);
  CHECK(refusal(dir / "nowhere\\out.bin").find("does not exist") != std::string::npos);
  CHECK(refusal(dir / "new.bin").empty());
  CHECK_THROWS_AS(PartFile(dir / "folder"), Error);
  SetFileAttributesA((dir / "locked.bin").c_str(), FILE_ATTRIBUTE_NORMAL);
  CHECK(contents(dir / "locked.bin") == "keep");
  CHECK(entries(dir.path) == 2);  // folder, locked.bin: nothing created
}

TEST_CASE("Windows PartFile check_room refuses a size the disk cannot hold, reserve claims what it can") {
  ScratchDir dir;
  CHECK_NOTHROW(PartFile::check_room(dir / "out.bin", 4096));
  CHECK_THROWS_WITH(PartFile::check_room(dir / "out.bin", std::uint64_t(1) << 62),
                    Catch::Contains("not enough free space"));
  PartFile part(dir / "out.bin");
  CHECK_NOTHROW(part.reserve(65536));
  part.write(bytes("abc"));
  part.commit();
  CHECK(contents(dir / "out.bin") == "abc");  // the reservation did not change the size
}
