#include <ostream>

#include "command.h"

namespace ipraktik::cli {

std::vector<Command> Commands() {
  return {ImportCommand(), MatchCommand(),      RoundCommand(),
          KeysCommand(),   EvaluationCommand(), DemoCommand()};
}

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: ipraktik <command> [options]\n\nCommands:\n";
  for (const Command& command : Commands()) {
    out << "  " << command.name
        << std::string(command.name.size() < 10 ? 10 - command.name.size() : 1, ' ')
        << command.summary << "\n";
  }
  out << "\n`ipraktik <command> --help` describes a command's options.\n";
}

}  // namespace

int Dispatch(std::span<const std::string_view> args, CommandIo& io) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? io.err : io.out);
    return args.empty() ? kExitUsage : kExitOk;
  }
  for (const Command& command : Commands()) {
    if (command.name == args[0]) return command.run(args.subspan(1), io);
  }
  io.err << "ipraktik: unknown command '" << args[0] << "'\n\n";
  PrintUsage(io.err);
  return kExitUsage;
}

}  // namespace ipraktik::cli
