#pragma once

// What the benchmarks of a service binary share: the binary started on a private Redis and
// RabbitMQ with a free gRPC port, one client channel to it, and the gRPC health check as the
// yardstick call measured beside the service's own calls.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "local_servers.h"

namespace ipraktik::bench {

// Thrown so that the servers and the service a benchmark started are stopped on the way out.
[[noreturn]] void Fail(const std::string& what);

struct BenchService {
  std::unique_ptr<testing::ChildProcess> process;
  std::string address;  // "127.0.0.1:PORT" of its gRPC server
};

// build/bin/ipraktik-<name> on redis and rabbit (log in redis.dir()), with extra environment,
// once it serves. With a wrapper (e.g. {"valgrind", "--tool=callgrind"}), the binary is started
// as the wrapper's last argument.
BenchService StartBenchService(const std::string& name, const testing::RedisServer& redis,
                               const testing::RabbitMqServer& rabbit,
                               const std::map<std::string, std::string>& extra_environment = {},
                               const std::vector<std::string>& wrapper = {});

// One channel, as a partner's client has (one per kind of work would hide the contention).
std::shared_ptr<grpc::Channel> BenchChannel(const std::string& address);

// Starts one grpc.health.v1.Health/Check (the server's overall health); done(ok) runs on a
// gRPC thread.
void CallHealthCheck(grpc::GenericStub& generic, std::function<void(bool ok)> done);

// CPU time (user + system) a process and the children it has waited for have used so far, from
// /proc; 0 when it cannot be read.
double CpuSeconds(pid_t pid);
// The part of it that was its children's (Redis's append-only file rewrites).
double ChildrenCpuSeconds(pid_t pid);

// The process id written in a pid file (redis.pid, rabbitmq.pid of the local servers); 0 if none.
pid_t PidFromFile(const std::filesystem::path& file);

// Runs main, reporting a failure (Fail or any other exception) as `name: what` and exit code 1.
// A SIGTERM meanwhile stops the services the bench started, and the bench.
int RunBench(const char* name, const std::function<int()>& main);

}  // namespace ipraktik::bench
