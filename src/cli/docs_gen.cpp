#include "docs_gen.hpp"

#include "usage_errors.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace espbak::cli {

namespace {

// Text for roff: backslashes and a leading '.' or '\'' escaped, '-' as \-
// (a real minus, so options can be searched and copied).
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

// "-b, --baud VALUE" for a man page or --help.
std::string option_synopsis(const OptionSpec& option) {
  std::string names;
  for (const auto& name : option.names) names += (names.empty() ? "" : ", ") + name;
  if (takes_value(option.kind)) names += option.values.empty() ? " VALUE" : " " + [&] {
    std::string v;
    for (const auto& value : option.values) v += (v.empty() ? "" : "|") + value;
    return v.size() > 60 ? std::string("VALUE") : v;
  }();
  return names;
}

std::string positional_synopsis(const CommandSpec& command) {
  std::string out;
  for (const auto& option : command.arguments)
    if (option.positional) out += " " + shown_positional(option);
  return out;
}

void option_list(std::ostringstream& out, const std::vector<OptionSpec>& options) {
  for (const auto& option : options) {
    if (option.positional) continue;
    out << ".TP\n.B " << roff(option_synopsis(option)) << "\n" << roff(option.help) << "\n";
  }
}

std::string all_command_names(const ProgramSpec& spec) {
  std::string names;
  for (const auto& command : spec.commands) {
    names += " " + command.name;
    if (dashed_alias(command.name) != command.name) names += " " + dashed_alias(command.name);
  }
  return names.substr(names.empty() ? 0 : 1);
}

// Every long and short name of `options` (without the positionals).
std::vector<std::string> option_names(const std::vector<OptionSpec>& options) {
  std::vector<std::string> names;
  for (const auto& option : options)
    if (!option.positional)
      for (const auto& name : option.names) names.push_back(name);
  return names;
}

std::string joined(const std::vector<std::string>& words, std::string_view separator = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : std::string(separator)) + w;
  return out;
}

bool is_port_option(const OptionSpec& option) {
  for (const auto& name : option.names)
    if (name == "--port") return true;
  return false;
}

// Shell words: single quotes, a quote inside as '\''.
std::string shell_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string man_page(const ProgramSpec& spec) {
  std::ostringstream out;
  out << ".TH ESPBAK 1 \"\" \"espbak " << roff(spec.version) << "\" \"User Commands\"\n";
  out << ".SH NAME\nespbak \\- back up and restore the flash of Espressif chips (esptool\\-compatible)\n";
  out << ".SH SYNOPSIS\n.B espbak\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n";
  out << ".SH DESCRIPTION\n"
         "espbak reads, writes, verifies and erases the SPI flash of the ESP8266 and the ESP32 family "
         "through their ROM bootloader and Espressif's flasher stub. Its command lines are esptool's "
         "(v4 underscores and v5 dashes both): a line esptool accepts, espbak runs the same way or refuses "
         "in one line naming what to use instead. Backups are verified block by block; erased and "
         "unchanged blocks are not sent; a file appears under its name only once complete.\n";
  out << ".SH GLOBAL OPTIONS\nGiven before the command (and also accepted after it).\n";
  option_list(out, spec.global_options);
  out << ".SH COMMANDS\nEach command is accepted as written here and with dashes (read\\-flash).\n";
  for (const auto& command : spec.commands) {
    if (!command.refusal.empty()) continue;
    out << ".SS " << roff(command.name + positional_synopsis(command)) << "\n" << roff(command.help) << "\n";
    for (const auto& option : command.arguments)
      if (option.positional)
        out << ".TP\n.I " << roff(option.names.front()) << "\n" << roff(option.help) << "\n";
    option_list(out, command.arguments);
  }
  out << ".SH ESPTOOL COMMANDS NOT IMPLEMENTED\nThese are refused in one line with exit status 9:\n";
  for (const auto& command : spec.commands)
    if (!command.refusal.empty()) out << ".TP\n.B " << roff(command.name) << "\n" << roff(command.refusal) << "\n";
  out << ".SH ENVIRONMENT\n";
  const std::pair<const char*, const char*> variables[] = {
      {"ESPBAK_PORT, ESPTOOL_PORT", "The port when \\-\\-port is not given."},
      {"ESPBAK_PORTS", "Ports to try, separated by commas, when there is no \\-\\-port."},
      {"ESPBAK_BAUD, ESPTOOL_BAUD", "The baud rate when \\-\\-baud is not given."},
      {"ESPTOOL_CHIP, ESPTOOL_BEFORE, ESPTOOL_AFTER", "Defaults of \\-\\-chip, \\-\\-before, \\-\\-after."},
      {"ESPTOOL_FM, ESPTOOL_FF, ESPTOOL_FS", "Defaults of \\-\\-flash\\-mode, \\-\\-flash\\-freq, \\-\\-flash\\-size."},
      {"ESPTOOL_CONNECT_ATTEMPTS, ESPTOOL_OPEN_PORT_ATTEMPTS",
       "Defaults of \\-\\-connect\\-attempts and \\-\\-open\\-port\\-attempts."},
  };
  for (const auto& [name, text] : variables) out << ".TP\n.B " << name << "\n" << text << "\n";
  out << ".SH EXIT STATUS\n";
  const std::pair<int, const char*> codes[] = {
      {0, "success"},
      {2, "bad command line or argument value"},
      {3, "a file or region given is unusable"},
      {4, "the port cannot be opened, found or used"},
      {5, "the chip never answered (not in download mode)"},
      {6, "the chip stopped answering"},
      {7, "the chip answered with a failure"},
      {8, "verification failed: the data on the chip differs"},
      {9, "not supported by the chip, the loader or espbak"},
      {10, "internal error"},
  };
  for (const auto& [code, text] : codes) out << ".TP\n.B " << code << "\n" << text << "\n";
  out << ".SH EXAMPLES\n.nf\n"
         "espbak read_flash 0 ALL backup.bin\n"
         "espbak \\-p /dev/ttyUSB0 write_flash 0x0 backup.bin\n"
         "espbak \\-\\-chip esp32 write_flash \\-z 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin\n"
         ".fi\n";
  out << ".SH SEE ALSO\n.BR espsim (1),\n.BR esptool (1).\n"
         "The documents in /usr/share/doc/espbak: cli.md, errors.md, exit\\-codes.md, connecting.md.\n";
  return out.str();
}

std::string man_page_from_help(std::string_view name, std::string_view summary, std::string_view help_text,
                               std::string_view version) {
  std::string upper(name);
  for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  std::ostringstream out;
  out << ".TH " << upper << " 1 \"\" \"" << roff(name) << " " << roff(version) << "\" \"User Commands\"\n";
  out << ".SH NAME\n" << roff(name) << " \\- " << roff(summary) << "\n";
  out << ".SH SYNOPSIS\n.B " << roff(name) << "\n[\\fIOPTIONS\\fR]\n.SH OPTIONS\n";
  // CLI11's layout: "  -x,--long TYPE   help", help continued on lines
  // indented further; the first lines (summary, Usage:) are skipped.
  std::istringstream in{std::string(help_text)};
  bool in_options = false, open = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Options:", 0) == 0) {
      in_options = true;
      continue;
    }
    if (!in_options || line.find_first_not_of(' ') == std::string::npos) continue;
    const std::size_t indent = line.find_first_not_of(' ');
    const std::string text = line.substr(indent);
    if (indent <= 2 && text[0] == '-') {
      // Option names and the start of the help, split at a run of 2+ spaces.
      const std::size_t gap = text.find("  ");
      out << ".TP\n.B " << roff(gap == std::string::npos ? text : text.substr(0, gap)) << "\n";
      const std::size_t help = gap == std::string::npos ? gap : text.find_first_not_of(' ', gap);
      if (help != std::string::npos) out << roff(text.substr(help)) << "\n";
      open = true;
    } else if (open) {
      out << roff(text) << "\n";
    }
  }
  out << ".SH SEE ALSO\n.BR espbak (1).\nThe simulator's reference: /usr/share/doc/espbak/espsim.md.\n";
  return out.str();
}

std::string bash_completion(const ProgramSpec& spec) {
  std::ostringstream out;
  out << "# bash completion for espbak (generated from its command table)\n";
  out << "_espbak_ports() { compgen -G '/dev/ttyUSB*'; compgen -G '/dev/ttyACM*'; compgen -G '/dev/serial/by-id/*'; "
         "compgen -G '/dev/cu.*'; }\n";
  out << "_espbak() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" command=\"\" i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \"${COMP_WORDS[i]}\" in\n";
  out << "      " << joined([&] {
    std::vector<std::string> names;
    for (const auto& command : spec.commands) {
      names.push_back(command.name);
      if (dashed_alias(command.name) != command.name) names.push_back(dashed_alias(command.name));
    }
    return names;
  }(), "|") << ") command=\"${COMP_WORDS[i]//-/_}\"; break ;;\n";
  out << "    esac\n  done\n";
  // Values of the option just typed.
  out << "  case \"$prev\" in\n";
  auto value_cases = [&](const std::vector<OptionSpec>& options) {
    for (const auto& option : options) {
      if (option.positional || !takes_value(option.kind)) continue;
      std::vector<std::string> names;
      for (const auto& n : option.names) names.push_back(n);
      if (is_port_option(option)) {
        out << "    " << joined(names, "|") << ") COMPREPLY=($(compgen -W \"$(_espbak_ports) socket:// rfc2217://\" -- "
                                               "\"$cur\")); return ;;\n";
      } else if (!option.values.empty()) {
        out << "    " << joined(names, "|") << ") COMPREPLY=($(compgen -W " << shell_quoted(joined(option.values))
            << " -- \"$cur\")); return ;;\n";
      }
    }
  };
  value_cases(spec.global_options);
  for (const auto& command : spec.commands) value_cases(command.arguments);
  out << "  esac\n";
  out << "  if [[ -z \"$command\" ]]; then\n"
      << "    if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W " << shell_quoted(joined(option_names(spec.global_options)))
      << " -- \"$cur\")); else COMPREPLY=($(compgen -W " << shell_quoted(all_command_names(spec))
      << " -- \"$cur\")); fi\n    return\n  fi\n";
  out << "  local options=\"\"\n  case \"$command\" in\n";
  for (const auto& command : spec.commands)
    out << "    " << command.name << ") options=" << shell_quoted(joined(option_names(command.arguments))) << " ;;\n";
  out << "  esac\n";
  out << "  if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W \"$options " << joined(option_names(spec.global_options))
      << "\" -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n";
  out << "}\ncomplete -o filenames -F _espbak espbak\n";
  return out.str();
}

std::string zsh_completion(const ProgramSpec& spec) {
  // zsh's own completion system, fed from the same table: the commands with
  // their help, then per command its options; files for the rest.
  std::ostringstream out;
  out << "#compdef espbak\n# zsh completion for espbak (generated from its command table)\n";
  out << "_espbak() {\n  local -a commands\n  commands=(\n";
  for (const auto& command : spec.commands) {
    std::string help = command.help;
    for (auto& c : help)
      if (c == ':') c = ';';
    out << "    " << shell_quoted(command.name + ":" + help) << "\n";
    if (dashed_alias(command.name) != command.name) out << "    " << shell_quoted(dashed_alias(command.name) + ":" + help) << "\n";
  }
  out << "  )\n";
  out << "  local -a ports\n  ports=(/dev/ttyUSB*(N) /dev/ttyACM*(N) /dev/serial/by-id/*(N) /dev/cu.*(N))\n";
  out << "  local word command=\"\"\n  for word in ${words[2,CURRENT-1]}; do\n"
         "    if (( ${commands[(I)${word}:*]} )); then command=${word//-/_}; break; fi\n  done\n";
  out << "  if [[ -z $command ]]; then\n";
  out << "    case ${words[CURRENT-1]} in\n";
  out << "      -p|--port) _describe 'port' ports; return ;;\n";
  for (const auto& option : spec.global_options)
    if (!option.values.empty() && takes_value(option.kind))
      out << "      " << joined(option.names, "|") << ") compadd -- " << joined(option.values) << "; return ;;\n";
  out << "    esac\n";
  out << "    if [[ $PREFIX == -* ]]; then compadd -- " << joined(option_names(spec.global_options))
      << "; else _describe 'command' commands; fi\n    return\n  fi\n";
  out << "  case ${words[CURRENT-1]} in\n";
  std::vector<std::string> done;
  for (const auto& command : spec.commands)
    for (const auto& option : command.arguments) {
      if (option.positional || option.values.empty() || !takes_value(option.kind)) continue;
      const std::string names = joined(option.names, "|");
      if (std::find(done.begin(), done.end(), names) != done.end()) continue;
      done.push_back(names);
      out << "    " << names << ") compadd -- " << joined(option.values) << "; return ;;\n";
    }
  out << "  esac\n  case $command in\n";
  for (const auto& command : spec.commands)
    out << "    " << command.name << ") [[ $PREFIX == -* ]] && { compadd -- "
        << joined(option_names(command.arguments)) << " " << joined(option_names(spec.global_options))
        << "; return } ;;\n";
  out << "  esac\n  _files\n}\n_espbak \"$@\"\n";
  return out.str();
}

std::string fish_completion(const ProgramSpec& spec) {
  std::ostringstream out;
  out << "# fish completion for espbak (generated from its command table)\n";
  out << "complete -c espbak -f\n";
  std::string all = all_command_names(spec);
  auto fish_option = [&](const OptionSpec& option, const std::string& condition) {
    std::string line = "complete -c espbak";
    if (!condition.empty()) line += " -n " + shell_quoted(condition);
    for (const auto& name : option.names) {
      if (name.rfind("--", 0) == 0) line += " -l " + name.substr(2);
      else if (name.size() == 2) line += " -s " + name.substr(1);
      else line += " -o " + name.substr(1);  // esptool's -fm, -ff, -fs
    }
    if (takes_value(option.kind)) {
      line += " -r";
      if (is_port_option(option)) line += " -a '(__fish_complete_path /dev/tty; string join \\n socket:// rfc2217://)'";
      else if (!option.values.empty()) line += " -a " + shell_quoted(joined(option.values));
      else line += " -F";
    }
    std::string help = option.help.substr(0, option.help.find(" ("));
    out << line << " -d " << shell_quoted(help) << "\n";
  };
  for (const auto& option : spec.global_options) fish_option(option, "");
  for (const auto& command : spec.commands) {
    out << "complete -c espbak -n " << shell_quoted("not __fish_seen_subcommand_from " + all) << " -a "
        << shell_quoted(command.name) << " -d " << shell_quoted(command.help) << "\n";
    const std::string seen = "__fish_seen_subcommand_from " + command.name +
                             (dashed_alias(command.name) != command.name ? " " + dashed_alias(command.name) : "");
    for (const auto& option : command.arguments)
      if (!option.positional) fish_option(option, seen);
    out << "complete -c espbak -n " << shell_quoted(seen) << " -F\n";
  }
  return out.str();
}

}  // namespace espbak::cli
