#pragma once

// The coordinator's command-line program `ipraktik <command> [options]`: one subcommand per
// file (import_command.cc, ...), listed in commands.cc. A command gets its arguments (after the
// command's name) and the process environment, writes its results to out and its progress and
// problems to err, and returns the exit code.

#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ipraktik/config/config.h"

namespace ipraktik::cli {

// Exit codes every command uses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitPartly = 1;  // done, but some items failed (listed on out)
inline constexpr int kExitUsage = 2;   // bad arguments
inline constexpr int kExitFailed = 3;  // nothing done: the server refused or is unreachable

struct CommandIo {
  std::ostream& out;
  std::ostream& err;
  const config::Environment& environment;
  // Whether err is a terminal (progress then redraws one line).
  bool err_is_terminal = false;
};

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `ipraktik help`
  std::function<int(std::span<const std::string_view> args, CommandIo& io)> run;
};

// The subcommands, one file each.
Command ImportCommand();  // import_command.cc
Command MatchCommand();   // match_command.cc
Command RoundCommand();   // match_command.cc (the round overview comes from the matching service)
Command KeysCommand();    // keys_command.cc
Command DemoCommand();    // demo_command.cc
Command EvaluationCommand();  // evaluation_command.cc

// Every subcommand, in the order `ipraktik help` lists them (commands.cc).
std::vector<Command> Commands();

// Runs `ipraktik <args...>` (args without the program name): the dispatch main() uses.
int Dispatch(std::span<const std::string_view> args, CommandIo& io);

}  // namespace ipraktik::cli
