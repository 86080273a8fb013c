// Every service binary, started as it is deployed (settings from the environment) against a
// private Redis and RabbitMQ: it answers the gRPC health check SERVING, lists its services
// through reflection, serves process and RED metrics on /metrics, and exits 0 on SIGTERM within
// 10 s. Also: bad settings stop it with exit code 2 naming the variable, an unreachable Redis or
// RabbitMQ with exit code 1 saying which, a service that declares neither starts without them,
// and docs/operations.md documents every setting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "child_process.h"
#include "local_servers.h"

namespace ipraktik::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

const std::vector<std::string> kServices = {"registration", "matching",   "matching-worker",
                                            "notification", "evaluation", "participant-web"};

// A test's name from its service's: gtest allows no '-'.
std::string ServiceTestName(const ::testing::TestParamInfo<std::string>& test) {
  auto name = test.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// One Redis, RabbitMQ and SMTP sink for the whole program.
ProgramServers* const servers = AddProgramServers();

// Starting service binaries as deployed, against the program's servers.
class ServiceProcessTest : public ::testing::Test {
 protected:
  // The environment a deployment would give the service, with any port free for gRPC and
  // metrics (the service logs which it took).
  static std::map<std::string, std::string> Environment() {
    return {{"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
            {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
            {"IPRAKTIK_REDIS_ADDRESS", servers->redis->address()},
            {"IPRAKTIK_AMQP_URL", servers->rabbit->url()},
            {"IPRAKTIK_SMTP_URL", servers->smtp->url()},
            // The participant pages' HTTP port: any free one too.
            {"IPRAKTIK_PARTICIPANT_WEB_ADDRESS", "127.0.0.1:0"}};
  }

  std::unique_ptr<ChildProcess> Start(const std::string& service,
                                      const std::map<std::string, std::string>& environment) {
    return StartProgram(BinaryDir() / "bin" / ("ipraktik-" + service), environment);
  }

  std::unique_ptr<ChildProcess> StartProgram(
      const std::filesystem::path& program, const std::map<std::string, std::string>& environment) {
    auto log = servers->redis->dir() /
               (program.filename().string() + "-" + std::to_string(++runs_) + ".log");
    return std::make_unique<ChildProcess>(program, std::vector<std::string>{}, environment, log);
  }

  static inline int runs_ = 0;
};

class ServicesTest : public ServiceProcessTest,
                     public ::testing::WithParamInterface<std::string> {};

TEST_P(ServicesTest, ServesHealthReflectionAndMetricsAndStopsOnSigterm) {
  const std::string& service = GetParam();
  auto process = Start(service, Environment());
  ASSERT_TRUE(process->WaitForOutput("\"msg\":\"serving\"", 30s)) << process->Output();
  int grpc_port = PortFromLog(process->Output(), "grpc_port");
  int metrics_port = PortFromLog(process->Output(), "metrics_port");
  ASSERT_GT(grpc_port, 0);
  ASSERT_GT(metrics_port, 0);
  std::string server = "http://127.0.0.1:" + std::to_string(grpc_port);

  EXPECT_THAT(BufCurl({server + "/grpc.health.v1.Health/Check"}), HasSubstr("\"SERVING\""));
  auto services = BufCurl({"--list-services", server});
  EXPECT_THAT(services, HasSubstr("grpc.health.v1.Health"));
  EXPECT_THAT(services, HasSubstr("grpc.reflection.v1alpha.ServerReflection"));

  auto metrics =
      RunCommand("curl -sf http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
  EXPECT_THAT(metrics, ContainsRegex("process_cpu_seconds_total [0-9]"));
  EXPECT_THAT(metrics, ContainsRegex("process_resident_memory_bytes [1-9]"));
  EXPECT_THAT(metrics, ContainsRegex("process_open_fds [1-9]"));
  EXPECT_THAT(metrics, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Check\","
                                 "grpc_service=\"grpc.health.v1.Health\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("grpc_server_handling_seconds_bucket{grpc_method=\"Check\""));

  auto start = std::chrono::steady_clock::now();
  process->Signal(SIGTERM);
  auto status = process->WaitFor(10s);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(status.has_value()) << service << " still runs 10 s after SIGTERM\n"
                                  << process->Output();
  EXPECT_TRUE(WIFEXITED(*status)) << process->Output();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << process->Output();
  EXPECT_THAT(process->Output(), HasSubstr("\"msg\":\"stopped\""));
  std::cout << service << " exited " << took.count() << " s after SIGTERM\n";
  RecordProperty("sigterm_to_exit_seconds", std::to_string(took.count()));
}

INSTANTIATE_TEST_SUITE_P(EveryService, ServicesTest, ::testing::ValuesIn(kServices),
                         ServiceTestName);

// The image's layout (deploy/docker/Dockerfile) without a container engine: the Dockerfile's own
// install step puts one component into a prefix (there /usr/local), and the program started from
// that prefix, with nothing but the deployment's settings, finds what it reads (notification: its
// templates beside bin/) and answers its health check SERVING.
class ImageLayoutTest : public ServiceProcessTest,
                        public ::testing::WithParamInterface<std::string> {};

TEST_P(ImageLayoutTest, ServesFromWhatItsImageInstalls) {
  const std::string& service = GetParam();
  const auto prefix = servers->redis->dir() / ("image-" + service) / "usr/local";
  RunCommand((SourceDir() / "deploy/docker/install-service.sh").string() + " " +
             BinaryDir().string() + " " + service + " " + prefix.string());

  std::vector<std::string> installed;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(prefix)) {
    if (entry.is_regular_file()) installed.push_back(entry.path().lexically_relative(prefix));
  }
  const std::string program = "bin/ipraktik-" + service;
  const std::string templates = "share/ipraktik/notification/templates";
  const std::string pages = "share/ipraktik/participant-web";
  for (const auto& file : installed) {
    EXPECT_TRUE(file == program ||
                (service == "notification" && file.starts_with(templates + "/")) ||
                (service == "participant-web" && file.starts_with(pages + "/")))
        << "the " << service << " image would hold " << file;
  }
  ASSERT_THAT(installed, ::testing::Contains(program));

  auto process = StartProgram(prefix / program, Environment());
  ASSERT_TRUE(process->WaitForOutput("\"msg\":\"serving\"", 30s)) << process->Output();
  if (service == "notification") {
    EXPECT_THAT(process->Output(), HasSubstr("\"templates\":\"" + (prefix / templates).string()));
  }
  std::string server =
      "http://127.0.0.1:" + std::to_string(PortFromLog(process->Output(), "grpc_port"));
  // What the manifests' probes ask: readiness the server (""), liveness "liveness".
  EXPECT_THAT(BufCurl({server + "/grpc.health.v1.Health/Check"}), HasSubstr("\"SERVING\""));
  EXPECT_THAT(BufCurl({"-d", R"({"service":"liveness"})", server + "/grpc.health.v1.Health/Check"}),
              HasSubstr("\"SERVING\""));
  process->Signal(SIGTERM);
  auto status = process->WaitFor(10s);
  ASSERT_TRUE(status.has_value()) << process->Output();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << process->Output();
}

INSTANTIATE_TEST_SUITE_P(EveryService, ImageLayoutTest, ::testing::ValuesIn(kServices),
                         ServiceTestName);

// A service started with a setting that keeps it from starting: how it stops, and what it says
// (and must not say).
struct StartupFailure {
  std::string name;
  std::string service;
  std::map<std::string, std::string> settings;
  std::chrono::seconds within;
  int exit_code;
  std::vector<std::string> says;
  std::string never_says;
};

class ServiceStartupTest : public ServiceProcessTest,
                           public ::testing::WithParamInterface<StartupFailure> {};

TEST_P(ServiceStartupTest, StopsWithItsExitCodeSayingWhy) {
  const StartupFailure& failure = GetParam();
  auto environment = Environment();
  for (const auto& [name, value] : failure.settings) environment[name] = value;
  auto process = Start(failure.service, environment);
  auto status = process->WaitFor(failure.within);
  const std::string output = process->Output();
  ASSERT_TRUE(status.has_value()) << "still runs after " << failure.within.count() << " s\n"
                                  << output;
  EXPECT_EQ(WEXITSTATUS(*status), failure.exit_code) << output;
  for (const auto& text : failure.says) EXPECT_THAT(output, HasSubstr(text));
  if (!failure.never_says.empty()) {
    EXPECT_THAT(output, Not(HasSubstr(failure.never_says)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Failures, ServiceStartupTest,
    ::testing::Values(
        // Bad settings: code 2, each variable named.
        StartupFailure{"BadSettings",
                       "registration",
                       {{"IPRAKTIK_GRPC_ADDRESS", "nowhere"}, {"IPRAKTIK_SHUTDOWN_GRACE", "5"}},
                       10s,
                       2,
                       {"\"variable\":\"IPRAKTIK_GRPC_ADDRESS\"", "'nowhere' is not host:port",
                        "\"variable\":\"IPRAKTIK_SHUTDOWN_GRACE\""},
                       ""},
        // An unreachable Redis or RabbitMQ: code 1, saying which (and no password).
        StartupFailure{
            "UnreachableRedis",
            "matching",
            {{"IPRAKTIK_REDIS_ADDRESS", "127.0.0.1:1"}, {"IPRAKTIK_CONNECT_TIMEOUT", "1s"}},
            20s,
            1,
            {"not started: Redis does not answer", "127.0.0.1:1"},
            ""},
        StartupFailure{"UnreachableRabbitMq",
                       "notification",
                       {{"IPRAKTIK_AMQP_URL", "amqp://guest:secret@127.0.0.1:1/"},
                        {"IPRAKTIK_CONNECT_TIMEOUT", "1s"}},
                       30s,
                       1,
                       {"not started: RabbitMQ does not answer"},
                       "secret"}),
    [](const auto& test) { return test.param.name; });

class BareServiceTest : public ServiceProcessTest {};

TEST_F(BareServiceTest, AServiceThatDeclaresNoRedisOrRabbitMqStartsWithoutThem) {
  // A service that declares neither: pointed where nothing listens, it still serves, and it
  // neither reads nor documents their settings.
  auto environment = Environment();
  environment["IPRAKTIK_REDIS_ADDRESS"] = "127.0.0.1:1";
  environment["IPRAKTIK_AMQP_URL"] = "amqp://guest:guest@127.0.0.1:1/";
  auto bare = BinaryDir() / "tests" / "ipraktik-bare-service";
  auto process = StartProgram(bare, environment);
  ASSERT_TRUE(process->WaitForOutput("\"msg\":\"serving\"", 30s)) << process->Output();
  int grpc_port = PortFromLog(process->Output(), "grpc_port");
  ASSERT_GT(grpc_port, 0);
  EXPECT_THAT(
      BufCurl({"http://127.0.0.1:" + std::to_string(grpc_port) + "/grpc.health.v1.Health/Check"}),
      HasSubstr("\"SERVING\""));
  EXPECT_THAT(process->Output(), HasSubstr("\"variable\":\"IPRAKTIK_REDIS_ADDRESS\""));
  EXPECT_THAT(process->Output(), Not(HasSubstr("waiting for a dependency")));
  process->Signal(SIGTERM);
  auto status = process->WaitFor(10s);
  ASSERT_TRUE(status.has_value()) << process->Output();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << process->Output();

  auto help = RunCommand(bare.string() + " --help");
  EXPECT_THAT(help, HasSubstr("IPRAKTIK_GRPC_ADDRESS"));
  EXPECT_THAT(help, Not(HasSubstr("IPRAKTIK_REDIS")));
  EXPECT_THAT(help, Not(HasSubstr("IPRAKTIK_AMQP_URL")));
  EXPECT_THAT(help, Not(HasSubstr("IPRAKTIK_CONNECT_TIMEOUT")));
}

TEST_F(ServiceProcessTest, OperationsDocsListEverySetting) {
  std::ifstream in(SourceDir() / "docs/operations.md");
  std::stringstream docs;
  docs << in.rdbuf();
  for (const auto& service : kServices) {
    auto help = RunCommand((BinaryDir() / "bin" / ("ipraktik-" + service)).string() + " --help");
    std::regex setting("(IPRAKTIK_[A-Z_]+)  \\(");
    int found = 0;
    for (std::sregex_iterator it(help.begin(), help.end(), setting), end; it != end; ++it) {
      ++found;
      EXPECT_THAT(docs.str(), HasSubstr("`" + (*it)[1].str() + "`"))
          << (*it)[1] << " (read by ipraktik-" << service << ") is not in docs/operations.md";
    }
    EXPECT_GE(found, 10) << help;  // the core's settings at least
  }
}

}  // namespace
}  // namespace ipraktik::testing
