#pragma once

// The service programs of build/bin as child processes. StartServiceProgram starts one, on any
// free ports, for a test that sets up each program itself. ServicePrograms starts the services
// (registration, matching, matching-worker, notification, evaluation) against a test's private
// servers, for tests of a whole round:
// each on gRPC and metrics ports of its own that stay the same across a restart (so the other
// services and the test's stubs find it again), started the way `make run` starts them, with its
// own Redis and RabbitMQ user when the servers have them (MakeServiceUsers). Start waits until
// the program serves and consumes each of its queues (an event published before its queue is
// bound would be lost to the test). Each start writes a log of its own.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "local_servers.h"

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

// The queues a service consumes (as deploy/local/access.sh lists them).
std::vector<std::string> ConsumedQueues(const std::string& service);

struct ServiceProgram {
  std::string service;  // "registration", "matching-worker", ...
  std::map<std::string, std::string> environment;
  std::unique_ptr<ChildProcess> process;
  // gRPC and metrics, held while the test runs, so that no other test program takes them while
  // the program is down between a kill and its restart.
  ReservedPorts ports{2};
  int starts = 0;
  std::filesystem::path log;  // of the last start
  int grpc_port() const { return ports.first(); }
  int metrics_port() const { return ports.first() + 1; }
  // "127.0.0.1:<grpc port>"
  std::string address() const;
};

class ServicePrograms {
 public:
  // The servers must outlive this. With users, each program logs in to Redis and RabbitMQ as
  // its service's user (the servers' MakeServiceUsers must have run).
  ServicePrograms(const RedisServer& redis, const RabbitMqServer& rabbit, bool users,
                  std::string token_secret);
  ~ServicePrograms();
  ServicePrograms(const ServicePrograms&) = delete;
  ServicePrograms& operator=(const ServicePrograms&) = delete;

  // Starts bin/ipraktik-<service> as `name` (default: the service; a second worker needs a name
  // of its own) with environment added to the common one; fails the test (and returns the
  // program, whose process may have ended) when it does not serve and consume within 60 s.
  ServiceProgram& Start(const std::string& service, std::map<std::string, std::string> environment,
                        const std::string& name = "");
  // SIGKILL, as in a crash; returns once the process is gone.
  void Kill(const std::string& name);
  // Starts a killed (or ended) program again, with the same environment and ports.
  void Restart(const std::string& name);
  // SIGTERM and the wait for a clean exit; false when it did not end cleanly within 30 s.
  bool Stop(const std::string& name);

  ServiceProgram& operator[](const std::string& name) { return *programs_.at(name); }
  // Every program's log of every start, by file name (for searches and failure output).
  std::map<std::string, std::string> Logs() const;

  // The sum of the samples of metric `name` on the program's /metrics page whose labels include
  // every one of `labels` (0 when there are none; the program must run).
  double Metric(const std::string& name, const std::string& metric,
                const std::map<std::string, std::string>& labels = {}) const;
  // How many events of `type` the program's consumers handled since it last started.
  double Handled(const std::string& name, const std::string& type) const;

 private:
  void Launch(ServiceProgram& program);

  const RedisServer& redis_;
  const RabbitMqServer& rabbit_;
  bool users_;
  std::string token_secret_;
  std::map<std::string, std::unique_ptr<ServiceProgram>> programs_;
};

}  // namespace ipraktik::testing
