#pragma once

// A service program of the build (bin/<program>) as a child process, as the integration tests
// that run the real programs start them.

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "child_process.h"

namespace ipraktik::testing {

// Started with environment plus gRPC and metrics on any free loopback port (unless environment
// names them), its output appended to log; returned once it logs "serving", with the ports its
// log names. A start that fails fails the test (ADD_FAILURE, with the program's output); the
// ports are 0 then.
struct ServiceProcess {
  std::unique_ptr<ChildProcess> process;
  int grpc_port = 0;
  int metrics_port = 0;
};
ServiceProcess StartServiceProgram(const std::string& program,
                                   std::map<std::string, std::string> environment,
                                   const std::filesystem::path& log);

}  // namespace ipraktik::testing
