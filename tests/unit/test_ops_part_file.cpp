// PartFile: a new temporary file beside the final name, renamed over it;
// never an existing name opened, never a write through a symlink.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "espbak/ops/image.hpp"
#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;
namespace fs = std::filesystem;

namespace {

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    char tmpl[] = "/tmp/espbak-partfile-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~ScratchDir() { fs::remove_all(path); }
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

TEST_CASE("PartFile writes a new file beside the final name and renames it when committed") {
  ScratchDir dir;
  const std::string out = dir / "out.bin";
  const mode_t old_mask = ::umask(027);
  {
    PartFile part(out);
    part.write(bytes("flash data"));
    // FINAL.XXXXXX.part in the same directory; the final name not yet there.
    const std::string tmp = part.part_path();
    CHECK(tmp.rfind(out + ".", 0) == 0);
    CHECK(tmp.size() == out.size() + 1 + 6 + 5);
    CHECK(tmp.ends_with(".part"));
    CHECK_FALSE(fs::exists(out));
    struct stat st {};
    REQUIRE(::stat(tmp.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~027));  // the umask's mode, not mkstemp's 0600
    part.commit();
  }
  ::umask(old_mask);
  CHECK(contents(out) == "flash data");
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("PartFile leaves nothing when not committed, and two at once get different names") {
  ScratchDir dir;
  std::string first;
  {
    PartFile a(dir / "out.bin");
    a.write(bytes("x"));
    first = a.part_path();
  }
  CHECK(entries(dir.path) == 0);
  PartFile b(dir / "out.bin");
  CHECK(b.part_path() != first);
}

TEST_CASE("a symlink planted at FINAL.part or at the final name is never written through") {
  ScratchDir dir;
  put(dir / "victim.txt", "precious");
  fs::create_symlink(dir / "victim.txt", dir / "out.bin.part");
  fs::create_symlink(dir / "victim.txt", dir / "out.bin");
  {
    PartFile part(dir / "out.bin");
    part.write(bytes("flash data"));
    part.commit();
  }
  CHECK(contents(dir / "victim.txt") == "precious");
  CHECK(fs::is_symlink(dir / "out.bin.part"));  // not ours: left alone
  CHECK_FALSE(fs::is_symlink(dir / "out.bin"));  // the link was replaced as a name
  CHECK(contents(dir / "out.bin") == "flash data");
}

TEST_CASE("a directory, FIFO, device or symlink to a directory as the final name is refused") {
  ScratchDir dir;
  fs::create_directory(dir / "folder");
  CHECK(refusal(dir / "folder").find("is a directory") != std::string::npos);
  fs::create_directory_symlink(dir / "folder", dir / "link");
  CHECK(refusal(dir / "link").find("symbolic link to a directory") != std::string::npos);
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK(refusal(dir / "fifo").find("FIFO") != std::string::npos);
  CHECK(refusal("/dev/null").find("device") != std::string::npos);
  CHECK(refusal(dir / "nowhere/out.bin").find("does not exist") != std::string::npos);
  fs::create_symlink(dir / "missing", dir / "dangling");
  CHECK(refusal(dir / "dangling").empty());  // replaced as a name
  CHECK_THROWS_AS(PartFile(dir / "fifo"), Error);
  CHECK(entries(dir.path) == 4);  // folder, link, fifo, dangling: nothing created
}

TEST_CASE("a final name that became a FIFO before the rename is not replaced") {
  ScratchDir dir;
  {
    PartFile part(dir / "out.bin");
    part.write(bytes("data"));
    REQUIRE(::mkfifo((dir / "out.bin").c_str(), 0600) == 0);
    CHECK_THROWS_WITH(part.commit(), Catch::Contains("FIFO"));
  }
  CHECK(entries(dir.path) == 1);  // the FIFO; the temporary file is gone
}

TEST_CASE("check_room refuses a size the filesystem cannot hold") {
  ScratchDir dir;
  CHECK_NOTHROW(PartFile::check_room(dir / "out.bin", 4096));
  CHECK_THROWS_WITH(PartFile::check_room(dir / "out.bin", std::uint64_t(1) << 62),
                    Catch::Contains("not enough free space"));
}

TEST_CASE("load_regions reads each file once and notices a later change") {
  ScratchDir dir;
  put(dir / "app.bin", std::string(5000, 'a'));
  auto regions = load_regions({{0x10000, dir / "app.bin"}});
  REQUIRE(regions.size() == 1);
  CHECK(regions[0].data.size() == 5000);
  CHECK(regions[0].stamp.size == 5000);
  CHECK(regions[0].file_md5 == Md5::of(regions[0].data));
  CHECK_FALSE(file_change(regions[0]));
  ::truncate((dir / "app.bin").c_str(), 100);
  auto change = file_change(regions[0]);
  REQUIRE(change);
  CHECK(*change == "size 5000 -> 100 bytes");
  fs::remove(dir / "app.bin");
  CHECK(file_change(regions[0]) == std::optional<std::string>("removed"));
}

TEST_CASE("load_regions refuses a file whose bytes read differ from its size") {
  // A procfs file: a regular file whose stat size (0) is not what a read
  // returns, as for a file that grows while it is read.
  CHECK_THROWS_WITH(load_regions({{0, "/proc/self/status"}}),
                    Catch::Contains("changed while it was being read") && Catch::Contains("nothing was written"));
}
