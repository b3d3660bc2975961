// espbak_gen_docs: writes espbak's man page and shell completions from its
// command table, and espsim's man page from espsim --help, at build time
// (CMakeLists.txt); nothing here is hand-kept.
//   espbak_gen_docs OUTDIR [ESPSIM_HELP_FILE]
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "command_table.hpp"
#include "docs_gen.hpp"

namespace {

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) std::fprintf(stderr, "espbak_gen_docs: cannot write %s\n", path.c_str());
  return bool(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: espbak_gen_docs OUTDIR [ESPSIM_HELP_FILE]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto& spec = espbak::cli::program_spec();
  bool ok = write(dir + "/espbak.1", espbak::cli::man_page(spec)) &&
            write(dir + "/espbak.bash", espbak::cli::bash_completion(spec)) &&
            write(dir + "/_espbak", espbak::cli::zsh_completion(spec)) &&
            write(dir + "/espbak.fish", espbak::cli::fish_completion(spec));
  if (ok && argc == 3) {
    std::ifstream in(argv[2], std::ios::binary);
    std::string help((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (help.empty()) {
      std::fprintf(stderr, "espbak_gen_docs: %s is empty\n", argv[2]);
      return 1;
    }
    ok = write(dir + "/espsim.1", espbak::cli::man_page_from_help(
                                      "espsim", "simulated Espressif ROM bootloader and flasher stub for testing",
                                      help, spec.version));
  }
  return ok ? 0 : 1;
}
