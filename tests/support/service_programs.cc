#include "service_programs.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace ipraktik::testing {

using namespace std::chrono_literals;

ServiceProcess StartServiceProgram(const std::string& program,
                                   std::map<std::string, std::string> environment,
                                   const std::filesystem::path& log) {
  environment.emplace("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0");
  environment.emplace("IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0");
  ServiceProcess started;
  started.process = std::make_unique<ChildProcess>(BinaryDir() / "bin" / program,
                                                   std::vector<std::string>{}, environment, log);
  if (!started.process->WaitForOutput("\"msg\":\"serving\"", 60s)) {
    ADD_FAILURE() << program << " did not start:\n" << started.process->Output();
    return started;
  }
  const std::string output = started.process->Output();
  started.grpc_port = PortFromLog(output, "grpc_port");
  started.metrics_port = PortFromLog(output, "metrics_port");
  if (started.grpc_port == 0) ADD_FAILURE() << program << " logged no grpc_port:\n" << output;
  return started;
}

std::vector<std::string> ConsumedQueues(const std::string& service) {
  static const std::map<std::string, std::vector<std::string>> kQueues = {
      {"registration", {"registration.matching-published"}},
      {"matching", {"matching.participant-erased", "matching.job-finished"}},
      {"matching-worker", {"matching.jobs"}},
      {"notification", {"notification.events"}},
      {"evaluation", {"evaluation.events"}}};
  return kQueues.at(service);
}

std::string ServiceProgram::address() const { return "127.0.0.1:" + std::to_string(grpc_port()); }

ServicePrograms::ServicePrograms(const RedisServer& redis, const RabbitMqServer& rabbit, bool users,
                                 std::string token_secret)
    : redis_(redis), rabbit_(rabbit), users_(users), token_secret_(std::move(token_secret)) {}

ServicePrograms::~ServicePrograms() {
  // Killed at once: what a test leaves running is thrown away with its servers.
  for (auto& [name, program] : programs_) program->process.reset();
}

ServiceProgram& ServicePrograms::Start(const std::string& service,
                                       std::map<std::string, std::string> environment,
                                       const std::string& name) {
  auto program = std::make_unique<ServiceProgram>();
  program->service = service;
  environment["IPRAKTIK_GRPC_ADDRESS"] = program->address();
  environment["IPRAKTIK_METRICS_ADDRESS"] = "127.0.0.1:" + std::to_string(program->metrics_port());
  environment["IPRAKTIK_REDIS_ADDRESS"] = redis_.address();
  environment["IPRAKTIK_TOKEN_SECRET"] = token_secret_;
  if (users_) {
    environment["IPRAKTIK_REDIS_USER"] = service;
    environment["IPRAKTIK_REDIS_PASSWORD"] = redis_.Password(service);
    environment["IPRAKTIK_AMQP_URL"] = rabbit_.UrlOf(service);
  } else {
    environment["IPRAKTIK_AMQP_URL"] = rabbit_.url();
  }
  program->environment = std::move(environment);
  ServiceProgram& started = *program;
  programs_[name.empty() ? service : name] = std::move(program);
  Launch(started);
  return started;
}

void ServicePrograms::Launch(ServiceProgram& program) {
  ++program.starts;
  program.log = redis_.dir() / ("program-" + std::to_string(program.grpc_port()) + "-" +
                                program.service + "." + std::to_string(program.starts) + ".log");
  program.process.reset();
  ServiceProcess started =
      StartServiceProgram("ipraktik-" + program.service, program.environment, program.log);
  program.process = std::move(started.process);
  if (started.grpc_port == 0) return;  // the start failed the test with the program's output
  for (const std::string& queue : ConsumedQueues(program.service)) {
    EXPECT_TRUE(
        program.process->WaitForOutput("\"msg\":\"consuming\",\"queue\":\"" + queue + "\"", 60s))
        << program.service << ":\n"
        << program.process->Output();
  }
}

void ServicePrograms::Kill(const std::string& name) {
  ServiceProgram& program = *programs_.at(name);
  program.process->Signal(SIGKILL);
  EXPECT_TRUE(program.process->WaitFor(30s).has_value()) << name << " outlived SIGKILL";
}

void ServicePrograms::Restart(const std::string& name) { Launch(*programs_.at(name)); }

bool ServicePrograms::Stop(const std::string& name) {
  ServiceProgram& program = *programs_.at(name);
  program.process->Signal(SIGTERM);
  auto status = program.process->WaitFor(30s);
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

std::map<std::string, std::string> ServicePrograms::Logs() const {
  std::map<std::string, std::string> logs;
  for (const auto& entry : std::filesystem::directory_iterator(redis_.dir())) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with("program-")) continue;
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    logs[file] = text.str();
  }
  return logs;
}

double ServicePrograms::Metric(const std::string& name, const std::string& metric,
                               const std::map<std::string, std::string>& labels) const {
  const std::string page =
      RunCommand("curl -sf http://127.0.0.1:" + std::to_string(programs_.at(name)->metrics_port()) +
                 "/metrics");
  const std::regex line("(?:^|\n)" + metric + "\\{([^}]*)\\} ([0-9.e+]+)");
  double total = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), line); it != std::sregex_iterator();
       ++it) {
    const std::string found = (*it)[1].str();
    bool all = true;
    for (const auto& [label, value] : labels) {
      all = all && found.find(label + "=\"" + value + "\"") != std::string::npos;
    }
    if (all) total += std::stod((*it)[2].str());
  }
  return total;
}

double ServicePrograms::Handled(const std::string& name, const std::string& type) const {
  return Metric(name, "ipraktik_events_consumed_total", {{"outcome", "handled"}, {"type", type}});
}

}  // namespace ipraktik::testing
