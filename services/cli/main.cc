// ipraktik: the coordinators' command-line program (`ipraktik help` lists its commands).
#include <unistd.h>

#include <iostream>
#include <string_view>
#include <vector>

#include "command.h"

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto environment = ipraktik::config::Environment::FromProcess();
  ipraktik::cli::CommandIo io{.out = std::cout,
                              .err = std::cerr,
                              .environment = environment,
                              .err_is_terminal = isatty(STDERR_FILENO) == 1};
  return ipraktik::cli::Dispatch(args, io);
}
