#pragma once

// Programs under test as child processes: started with a chosen environment, their output in a
// file, stopped with a signal, their exit awaited with a time limit. For the service smoke test
// the local stack test and the services' own integration tests.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ipraktik::testing {

class ChildProcess {
 public:
  // Starts program with args and exactly the given environment (plus PATH and HOME from this
  // process, and IPRAKTIK_TLS=off unless the environment sets IPRAKTIK_TLS), standard output
  // and error appended to output_file. Throws when it cannot start.
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& environment,
               std::filesystem::path output_file);
  // Kills the process if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal) const;
  // The wait status (as waitpid reports it) once the process has ended, or nullopt if it still
  // runs after timeout.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);
  std::string Output() const;
  // Polls Output() until it contains text (true) or timeout passes or the process ends (false).
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path output_file_;
};

// The port a service's start-up log line names under key ("grpc_port", "metrics_port"), or 0.
int PortFromLog(const std::string& log, const std::string& key);

// Whether something accepts TCP connections on 127.0.0.1:port.
bool SomethingListensOn(int port);

// buf (npm, installed by make deps) calling a gRPC server with --protocol grpc (over TLS for an
// https:// URL, with --cacert/--cert/--key among args); returns its output, throws when buf
// fails.
std::string BufCurl(const std::vector<std::string>& args);

}  // namespace ipraktik::testing
