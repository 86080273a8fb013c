#include "ipraktik/metrics/metrics.h"

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <thread>

#include "prometheus/exposer.h"

namespace ipraktik::metrics {
namespace {

prometheus::MetricFamily Sample(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {metric}};
}

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Seconds since the epoch at which the machine booted ("btime" in /proc/stat).
double BootTime() {
  std::istringstream stat(ReadFile("/proc/stat"));
  std::string key;
  while (stat >> key) {
    if (key == "btime") {
      double seconds = 0;
      stat >> seconds;
      return seconds;
    }
    stat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

double OpenFileDescriptors() {
  std::error_code error;
  double count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++count;
  }
  // The iterator's own descriptor is one of them.
  return count > 0 ? count - 1 : 0;
}

// Where to connect to reach a server bound to address ("host:port"): the host itself, or
// loopback for a wildcard.
std::string LocalHostFor(const std::string& address) {
  auto colon = address.rfind(':');
  std::string host = address.substr(0, colon == std::string::npos ? 0 : colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

void ConnectAndClose(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  for (addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    int fd = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    bool connected = ::connect(fd, candidate->ai_addr, candidate->ai_addrlen) == 0;
    ::close(fd);
    if (connected) break;
  }
  ::freeaddrinfo(found);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Serve(const std::string& address) {
  std::unique_ptr<Metrics> metrics(new Metrics());
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  metrics->process_ = std::make_shared<ProcessCollector>();
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& error) {
    return absl::UnavailableError("cannot serve /metrics on " + address + ": " + error.what());
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->process_);
  auto ports = metrics->exposer_->GetListeningPorts();
  metrics->port_ = ports.empty() ? 0 : ports.front();
  metrics->wake_host_ = LocalHostFor(address);
  return metrics;
}

Metrics::~Metrics() {
  // Stop serving before the registry goes: a scrape must not see half-destroyed metrics.
  StopServing();
}

void Metrics::StopServing() {
  if (exposer_ == nullptr) return;
  // The HTTP server notices that it should stop only when its poll of the listening socket
  // returns, which takes up to 2 s; a connection makes the poll return at once.
  std::atomic<bool> stopped = false;
  std::thread waker([this, &stopped] {
    while (!stopped) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ConnectAndClose(wake_host_, port_);
    }
  });
  exposer_.reset();
  stopped = true;
  waker.join();
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  // /proc/self/stat: "pid (comm) state ppid ...". The command may contain spaces and
  // parentheses, so fields are counted from the last ')'.
  auto stat = ReadFile("/proc/self/stat");
  auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> field{std::istream_iterator<std::string>(fields),
                                   std::istream_iterator<std::string>()};
    // Field n of the man page (proc(5)) is field[n - 3] here.
    auto at = [&](std::size_t n) { return n - 3 < field.size() ? std::stod(field[n - 3]) : 0.0; };
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    families.push_back(Sample("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds",
                              MetricType::Counter, (at(14) + at(15)) / ticks));
    families.push_back(Sample("process_threads", "Number of OS threads in the process",
                              MetricType::Gauge, at(20)));
    families.push_back(Sample("process_start_time_seconds",
                              "Start time of the process since unix epoch in seconds",
                              MetricType::Gauge, BootTime() + at(22) / ticks));
    families.push_back(Sample("process_virtual_memory_bytes", "Virtual memory size in bytes",
                              MetricType::Gauge, at(23)));
    families.push_back(Sample("process_resident_memory_bytes", "Resident memory size in bytes",
                              MetricType::Gauge, at(24) * page));
  }
  families.push_back(Sample("process_open_fds", "Number of open file descriptors",
                            MetricType::Gauge, OpenFileDescriptors()));
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(Sample("process_max_fds", "Maximum number of open file descriptors",
                              MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

}  // namespace ipraktik::metrics
