#include "bench_service.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "api_keys.h"
#include "grpcpp/create_channel.h"

namespace ipraktik::bench {

void Fail(const std::string& what) { throw std::runtime_error(what); }

BenchService StartBenchService(const std::string& name, const testing::RedisServer& redis,
                               const testing::RabbitMqServer& rabbit,
                               const std::map<std::string, std::string>& extra_environment,
                               const std::vector<std::string>& wrapper) {
  std::map<std::string, std::string> environment = {
      {"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
      {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
      {"IPRAKTIK_REDIS_ADDRESS", redis.address()},
      {"IPRAKTIK_AMQP_URL", rabbit.url()},
      {"IPRAKTIK_LOG_LEVEL", "info"},
      // The secret of the keys testing::MintKey makes.
      {"IPRAKTIK_TOKEN_SECRET", testing::kTestTokenSecret},
      // A bench is one caller going as fast as it can: measured, not rate-limited.
      {"IPRAKTIK_RATE_LIMIT_PER_SECOND", "0"},
  };
  for (const auto& [variable, value] : extra_environment) environment[variable] = value;
  BenchService service;
  const std::filesystem::path binary = testing::BinaryDir() / "bin" / ("ipraktik-" + name);
  std::filesystem::path program = binary;
  std::vector<std::string> arguments;
  if (!wrapper.empty()) {
    program = wrapper.front();
    arguments.assign(wrapper.begin() + 1, wrapper.end());
    arguments.push_back(binary.string());
  }
  service.process = std::make_unique<testing::ChildProcess>(program, arguments, environment,
                                                            redis.dir() / (name + ".log"));
  // A program under valgrind starts tens of times slower.
  const auto start_limit = std::chrono::seconds(wrapper.empty() ? 30 : 300);
  if (!service.process->WaitForOutput("\"msg\":\"serving\"", start_limit)) {
    Fail(name + ": " + service.process->Output());
  }
  std::smatch port;
  const std::string log = service.process->Output();
  if (!std::regex_search(log, port, std::regex("\"grpc_port\":([0-9]+)"))) Fail(log);
  service.address = "127.0.0.1:" + port[1].str();
  return service;
}

std::shared_ptr<grpc::Channel> BenchChannel(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
}

void CallHealthCheck(grpc::GenericStub& generic, std::function<void(bool ok)> done) {
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };
  auto call = std::make_shared<Call>();
  // An empty HealthCheckRequest: one empty slice, since a buffer without slices is no message.
  grpc::Slice empty("");
  call->request = grpc::ByteBuffer(&empty, 1);
  generic.UnaryCall(&call->context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                    &call->request, &call->response,
                    [call, done = std::move(done)](grpc::Status status) { done(status.ok()); });
}

namespace {

// The sum of /proc/PID/stat's fields first..last (numbered as in proc(5)), in seconds.
double StatSeconds(pid_t pid, int first, int last) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  auto end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(text.substr(end_of_name + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= last && fields >> field; ++i) {
    if (i >= first) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

// utime, stime, and cutime, cstime: its children's, once it has waited for them (Redis rewrites
// its append-only file in a forked child, which takes a core for seconds).
double CpuSeconds(pid_t pid) { return StatSeconds(pid, 14, 17); }

double ChildrenCpuSeconds(pid_t pid) { return StatSeconds(pid, 16, 17); }

pid_t PidFromFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

namespace {

// This process's children (its services and smtp-sink), from /proc.
std::vector<pid_t> Children() {
  std::vector<pid_t> children;
  const pid_t self = getpid();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::string line;
    std::getline(std::ifstream(entry.path() / "stat"), line);
    // "pid (name) state ppid ...": the name may hold spaces and parentheses.
    const std::size_t name_end = line.rfind(')');
    if (name_end == std::string::npos) continue;
    std::istringstream rest(line.substr(name_end + 1));
    char state = 0;
    pid_t parent = 0;
    if (rest >> state >> parent && parent == self) children.push_back(pid);
  }
  return children;
}

// A bench stopped with SIGTERM (kill, timeout) ends without running a destructor, and the
// services it started would keep running (its private Redis and RabbitMQ stop themselves when
// it is gone). While one of these lives, SIGTERM is taken by a thread of its own, which tells
// the bench's children to stop and ends the bench. Made before any other thread, which inherit
// the blocked signals.
class StopChildrenOnTerm {
 public:
  StopChildrenOnTerm() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);  // the destructor's: the bench ended on its own
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    waiter_ = std::thread([signals] {
      int received = 0;
      if (sigwait(&signals, &received) != 0 || received != SIGTERM) return;
      for (pid_t child : Children()) kill(child, SIGTERM);
      std::fprintf(stderr, "stopped (SIGTERM); its services were told to stop\n");
      std::_Exit(128 + SIGTERM);
    });
  }
  ~StopChildrenOnTerm() {
    pthread_kill(waiter_.native_handle(), SIGUSR1);
    waiter_.join();
  }
  StopChildrenOnTerm(const StopChildrenOnTerm&) = delete;
  StopChildrenOnTerm& operator=(const StopChildrenOnTerm&) = delete;

 private:
  std::thread waiter_;
};

}  // namespace

int RunBench(const char* name, const std::function<int()>& main) {
  const StopChildrenOnTerm stop_children;
  try {
    return main();
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "%s: %s\n", name, failure.what());
    return 1;
  }
}

}  // namespace ipraktik::bench
