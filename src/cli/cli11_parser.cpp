#include "cli11_parser.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "espbak/util/shell_words.hpp"

namespace espbak::cli {

namespace {

// The first "--" name of an option (every option with a multi-letter short
// name has one).
std::string first_long_name(const OptionSpec& option) {
  for (const auto& name : option.names)
    if (name.rfind("--", 0) == 0) return name;
  throw std::logic_error("option " + option.names.front() + " has no long name");
}

// Adds `options` to `app`, their values going to `into`; `by_key` gets
// each CLI11 option by option key.
void add_options(CLI::App& app, const std::string& version_text, const std::vector<OptionSpec>& options,
                 ParsedArgs& into, std::map<std::string, CLI::Option*>& by_key) {
  for (const auto& option : options) {
    const std::string names = joined_names(option);
    if (option.kind == ValueKind::help_flag) {
      app.set_help_flag(names, option.help);
      continue;
    }
    if (option.kind == ValueKind::version_flag) {
      app.set_version_flag(names, version_text, option.help);
      continue;
    }
    // Bound to the same C++ types as CLI11 would bind by hand, so it parses
    // and describes each option the same way (TEXT, INT, TEXT ...).
    ParsedArgs::Value& value = into.add(option);
    CLI::Option* added = nullptr;
    switch (option.kind) {
      case ValueKind::flag: added = app.add_flag(names, value.flag, option.help); break;
      case ValueKind::text:
        added = app.add_option(names, value.text, option.help);
        if (option.repeatable)  // each() sees every value before the policy keeps the last
          added->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)->each([&value](const std::string& v) {
            value.list.push_back(v);
          });
        break;
      case ValueKind::integer: added = app.add_option(names, value.integer, option.help); break;
      case ValueKind::text_list: added = app.add_option(names, value.list, option.help); break;
      case ValueKind::help_flag:
      case ValueKind::version_flag: break;  // handled above
    }
    if (option.required) added->required();
    value.count = [added] { return added->count(); };  // the option lives as long as the app
    by_key[option_key(option)] = added;
  }
  // Exclusions name options declared later, so they are set once all exist.
  for (const auto& option : options) {
    if (option.excludes.empty()) continue;
    auto other = by_key.find(option.excludes);
    if (other == by_key.end()) throw std::logic_error("option excludes unknown '" + option.excludes + "'");
    by_key.at(option_key(option))->excludes(other->second);
  }
}

}  // namespace

Cli11Parser::Cli11Parser(const ProgramSpec& spec) : spec_(spec), app_(spec.description, spec.name) {
  app_.fallthrough();  // global options may also follow the command
  app_.require_subcommand(1);
  const std::string version_text = spec.name + " " + spec.version;
  std::map<std::string, CLI::Option*> global_by_key;
  add_options(app_, version_text, spec.global_options, global_, global_by_key);
  auto note_short_value_names = [this](const std::vector<OptionSpec>& options) {
    for (const auto& option : options)
      if (option.kind != ValueKind::flag && option.kind != ValueKind::help_flag &&
          option.kind != ValueKind::version_flag)
        for (const auto& name : option.names)
          if (name.size() == 2 && name[0] == '-' && name[1] != '-') short_value_names_.insert(name);
  };
  note_short_value_names(spec.global_options);

  command_args_.resize(spec.commands.size());
  command_options_.resize(spec.commands.size());
  for (std::size_t i = 0; i < spec.commands.size(); ++i) {
    const CommandSpec& command = spec.commands[i];
    CLI::App* sub = app_.add_subcommand(command.name, command.help);
    if (std::string dashed = dashed_alias(command.name); dashed != command.name) sub->alias(dashed);
    add_options(*sub, version_text, command.arguments, command_args_[i], command_options_[i]);
    note_short_value_names(command.arguments);
    subcommands_.push_back(sub);
    for (const auto& option : command.arguments)
      for (const auto& name : option.names)
        if (is_multi_letter_short_name(name)) {
          // One meaning on every command, so the rewrite needs no context.
          auto [it, added] = long_name_of_.emplace(name, first_long_name(option));
          if (!added && it->second != first_long_name(option))
            throw std::logic_error(name + " means two options in the command table");
        }
  }
}

namespace {

// esptool's @FILE arguments (esptool v5.3.1 __init__.py
// expand_file_arguments): each line of FILE split as shlex.split does, the
// words in place of the argument; the expanded command line is printed.
std::vector<std::string> expand_file_arguments(std::vector<std::string> args, const std::string& program) {
  std::vector<std::string> out;
  bool expanded = false;
  for (auto& arg : args) {
    if (arg.size() < 2 || arg[0] != '@') {
      out.push_back(std::move(arg));
      continue;
    }
    expanded = true;
    const std::string path = arg.substr(1);
    std::ifstream in(path);
    if (!in) throw CLI::ValidationError(fmt::format("cannot read the argument file '{}'", path));
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::string why;
      auto words = split_shell_words(line, &why);
      if (!words) throw CLI::ValidationError(fmt::format("argument file '{}' line {}: {}", path, number, why));
      for (auto& w : *words) out.push_back(std::move(w));
    }
  }
  if (expanded) {
    std::string shown = program;
    for (const auto& a : out) shown += " " + a;
    std::fprintf(stderr, "%s\n", shown.c_str());
  }
  return out;
}

}  // namespace

// A command espbak refuses (CommandSpec::refusal) takes any arguments:
// what follows it is dropped before CLI11 sees it. The command is the first
// word that names one, not counting the values of global options.
void drop_arguments_of_refused_command(const ProgramSpec& spec, std::vector<std::string>& args) {
  auto takes_value = [&](const std::string& arg) {
    for (const auto& option : spec.global_options)
      for (const auto& name : option.names)
        if (name == arg) return cli::takes_value(option.kind);
    return false;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (takes_value(args[i])) {
      ++i;
      continue;
    }
    for (const auto& command : spec.commands) {
      if (args[i] != command.name && args[i] != dashed_alias(command.name)) continue;
      if (!command.refusal.empty()) args.resize(i + 1);
      return;
    }
  }
}

// An option with an implicit value given without one of its values after
// it gets the implicit value inserted (verify_flash -d: esptool v5's flag,
// v4's "--diff yes|no"). Only after the command's name, where its options are.
void insert_implicit_values(const ProgramSpec& spec, std::vector<std::string>& args) {
  const CommandSpec* command = nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!command) {
      for (const auto& c : spec.commands)
        if (args[i] == c.name || args[i] == dashed_alias(c.name)) command = &c;
      continue;
    }
    for (const auto& option : command->arguments) {
      if (option.implicit_value.empty()) continue;
      if (std::find(option.names.begin(), option.names.end(), args[i]) == option.names.end()) continue;
      const bool has_value = i + 1 < args.size() && std::find(option.values.begin(), option.values.end(),
                                                              args[i + 1]) != option.values.end();
      if (!has_value) args.insert(args.begin() + std::ptrdiff_t(i) + 1, option.implicit_value);
      ++i;
      break;
    }
  }
}

// The command's positionals marked optional_with are required unless that
// option is among the words after the command's name (read_flash
// --partition NAME FILE); without it CLI11 sees exactly the table's
// requirements, so its errors are the same as ever.
void Cli11Parser::relax_positionals(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    for (std::size_t c = 0; c < spec_.commands.size(); ++c) {
      const CommandSpec& command = spec_.commands[c];
      if (args[i] != command.name && args[i] != dashed_alias(command.name)) continue;
      for (const auto& option : command.arguments) {
        if (option.optional_with.empty()) continue;
        const OptionSpec* other = nullptr;
        for (const auto& o : command.arguments)
          if (option_key(o) == option.optional_with) other = &o;
        if (!other) throw std::logic_error("optional_with names unknown option '" + option.optional_with + "'");
        bool present = false;
        for (std::size_t j = i + 1; j < args.size() && !present; ++j)
          for (const auto& name : other->names)
            if (args[j] == name || args[j].rfind(name + "=", 0) == 0) present = true;
        command_options_[c].at(option_key(option))->required(option.required && !present);
      }
      return;
    }
  }
}

void Cli11Parser::parse(int argc, char** argv) {
  std::vector<std::string> given(argv + (argc > 0 ? 1 : 0), argv + argc);
  given = expand_file_arguments(std::move(given), spec_.name);
  drop_arguments_of_refused_command(spec_, given);
  insert_implicit_values(spec_, given);
  relax_positionals(given);
  std::vector<std::string> args;
  for (auto it = given.rbegin(); it != given.rend(); ++it) {  // CLI11 takes the vector reversed
    std::string arg = *it;
    if (auto found = long_name_of_.find(arg); found != long_name_of_.end()) arg = found->second;
    // `-fm=dio` as argparse (esptool v4) and click (v5: a multi-letter
    // single-dash name is a long option there, value after '=') take it.
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) != 0) {
      if (auto found = long_name_of_.find(arg.substr(0, eq)); found != long_name_of_.end())
        arg = found->second + arg.substr(eq);
      // `-b=460800`, `-p=COM5`: argparse (esptool v4) splits at '=' for a
      // one-letter name too (CLI11 would keep "=460800" as the value).
      if (eq == 2 && short_value_names_.count(arg.substr(0, 2))) {
        args.push_back(arg.substr(3));  // reversed: the value goes in first
        arg = arg.substr(0, 2);
      }
    }
    args.push_back(std::move(arg));
  }
  app_.parse(args);
}

const CommandSpec& Cli11Parser::chosen() const {
  auto chosen = app_.get_subcommands();
  if (chosen.empty()) throw std::logic_error("no command parsed");
  auto it = std::find(subcommands_.begin(), subcommands_.end(), chosen.front());
  return spec_.commands.at(std::size_t(it - subcommands_.begin()));
}

const ParsedArgs& Cli11Parser::args_of(const CommandSpec& command) const {
  return command_args_.at(std::size_t(&command - spec_.commands.data()));
}

UsageMessage Cli11Parser::usage_error_message(const CLI::ParseError& e) const {
  std::string msg = e.what();
  std::replace(msg.begin(), msg.end(), '\n', ' ');
  auto parsed = app_.get_subcommands();
  if (parsed.empty()) {
    if (dynamic_cast<const CLI::ExtrasError*>(&e) && msg.find("not expected") != std::string::npos) {
      // The first stray word: a misspelt command, or an option given
      // before the command it belongs to.
      for (const auto& r : app_.remaining())
        if (!r.empty() && r[0] != '-') return {fmt::format("unknown command '{}' (see espbak --help)", r), ""};
      return plain_usage_message(msg, spec_, nullptr);
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) && msg.find("subcommand") != std::string::npos) {
      // CLI11 reports a missing subcommand before the stray word: name it.
      std::string stray;
      for (const auto& r : app_.remaining())
        if (!r.empty() && r[0] != '-') {
          stray = r;
          break;
        }
      if (stray.empty()) return {"no command given", app_.help()};
      return {fmt::format("unknown command '{}' (see espbak --help)", stray), ""};
    }
    return plain_usage_message(msg, spec_, nullptr);
  }
  auto it = std::find(subcommands_.begin(), subcommands_.end(), parsed.front());
  const CommandSpec* command =
      it == subcommands_.end() ? nullptr : &spec_.commands.at(std::size_t(it - subcommands_.begin()));
  return plain_usage_message(msg, spec_, command);
}

}  // namespace espbak::cli
