#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "local_servers.h"

namespace ipraktik::testing {

ChildProcess::ChildProcess(const std::filesystem::path& program,
                           const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& environment,
                           std::filesystem::path output_file)
    : output_file_(std::move(output_file)) {
  std::vector<std::string> argv_text = {program.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<std::string> env_text;
  for (const char* inherited : {"PATH", "HOME"}) {
    if (const char* value = std::getenv(inherited))
      env_text.push_back(inherited + ("=" + std::string(value)));
  }
  // Plaintext gRPC unless the test sets IPRAKTIK_TLS itself (tests/tls turns it on): a
  // service refuses to start with TLS on and no certificate.
  if (!environment.contains("IPRAKTIK_TLS")) env_text.push_back("IPRAKTIK_TLS=off");
  for (const auto& [name, value] : environment) env_text.push_back(name + "=" + value);
  std::vector<char*> argv, envp;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  for (auto& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The child must not inherit a blocked SIGTERM/SIGINT from this process.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  int error = posix_spawn(&pid_, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw std::runtime_error("cannot start " + program.string());
}

ChildProcess::~ChildProcess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    WaitFor(std::chrono::seconds(10));
  }
}

void ChildProcess::Signal(int signal) const {
  if (!status_) ::kill(pid_, signal);
}

std::optional<int> ChildProcess::WaitFor(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

std::string ChildProcess::Output() const {
  std::ifstream in(output_file_);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ChildProcess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (Output().find(text) != std::string::npos) return true;
    if (WaitFor(std::chrono::milliseconds(0)) || std::chrono::steady_clock::now() >= deadline) {
      return Output().find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string BufCurl(const std::vector<std::string>& args) {
  std::string command =
      (SourceDir() / "proto/node_modules/.bin/buf").string() + " curl --protocol grpc";
  // Plain HTTP/2 without TLS, unless the URL asks for TLS.
  bool tls = std::any_of(args.begin(), args.end(),
                         [](const std::string& arg) { return arg.starts_with("https://"); });
  if (!tls) command += " --http2-prior-knowledge";
  for (const auto& arg : args) command += " '" + arg + "'";
  return RunCommand(command + " 2>&1");
}

int PortFromLog(const std::string& log, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(log, match, std::regex("\"" + key + "\":([0-9]+)"))) return 0;
  return std::stoi(match[1]);
}

}  // namespace ipraktik::testing
