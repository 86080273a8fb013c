// deploy/local/stack.sh, as `make run` and `make stop` use it: the whole stack comes up with
// every service healthy and its addresses printed, and `stack.sh stop` from elsewhere brings
// it all down. It runs on ports shifted by IPRAKTIK_STACK_PORT_OFFSET in a temporary folder, so
// it runs beside a real `make run`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "child_process.h"
#include "local_servers.h"

namespace ipraktik::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Every port the stack uses at offset 0 (see stack.sh).
std::vector<int> StackPorts() {
  std::vector<int> ports = {7025, 7379, 7380, 7672, 7673, 7674, 7675, 7676, 7180};
  for (int i = 0; i < 6; ++i) {
    ports.push_back(7101 + i);
    ports.push_back(9101 + i);
  }
  return ports;
}

// An offset that puts every port of the stack where nothing listens, below the kernel's
// ephemeral range.
int FreeOffset() {
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> offsets(10000, 22000);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int offset = offsets(random);
    bool free = true;
    for (int port : StackPorts()) free = free && !SomethingListensOn(port + offset);
    if (free) return offset;
  }
  throw std::runtime_error("no free set of ports for the stack");
}

// Whether a stack that did not come up failed because one of its ports was taken meanwhile.
bool APortWasTaken(const std::string& output) {
  for (const char* sign : {"binding to port", "Address already in use", "eaddrinuse",
                           "TCP listening socket", "did not become healthy"}) {
    if (output.find(sign) != std::string::npos) return true;
  }
  return false;
}

TEST(StackTest, RunBringsEverythingUpAndStopBringsItDown) {
  auto script = SourceDir() / "deploy/local/stack.sh";
  std::filesystem::path dir;
  int offset = 0;
  std::map<std::string, std::string> environment;
  std::unique_ptr<ChildProcess> running;
  // Another test program may take one of the ports between the check and the start (the private
  // servers of tests/support retry for the same reason): then, and only then, another set.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    char pattern[] = "/tmp/ipraktik-stack-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir = pattern;
    offset = FreeOffset();
    environment = {{"IPRAKTIK_STACK_DIR", dir.string()},
                   {"IPRAKTIK_STACK_BIN", (BinaryDir() / "bin").string()},
                   {"IPRAKTIK_STACK_PORT_OFFSET", std::to_string(offset)},
                   // Should this test die, the stack stops by itself.
                   {"IPRAKTIK_OWNER_PID", std::to_string(::getpid())}};
    running =
        std::make_unique<ChildProcess>(script, std::vector<std::string>{"run"}, environment,
                                       dir.parent_path() / (dir.filename().string() + ".out"));
    if (running->WaitForOutput("ipraktik is running", 300s)) break;
    const std::string output = running->Output();
    ASSERT_TRUE(attempt < 3 && APortWasTaken(output)) << output;
    ASSERT_TRUE(running->WaitFor(60s).has_value()) << output;  // it stops itself
  }
  ChildProcess& stack = *running;

  // The table of addresses follows that line; its last line is the example command.
  ASSERT_TRUE(stack.WaitForOutput("--list-methods", 10s)) << stack.Output();
  auto output = stack.Output();
  auto grpc = [&](int i) { return std::to_string(7101 + offset + i); };
  EXPECT_THAT(output, HasSubstr("registration     127.0.0.1:" + grpc(0)));
  EXPECT_THAT(output, HasSubstr("evaluation       127.0.0.1:" + grpc(4)));
  EXPECT_THAT(output, HasSubstr("participant-web  127.0.0.1:" + grpc(5)));
  const std::string pages = "http://127.0.0.1:" + std::to_string(7180 + offset);
  EXPECT_THAT(output, HasSubstr("pages      " + pages));
  EXPECT_THAT(output, HasSubstr("http://127.0.0.1:" + std::to_string(9101 + offset) + "/metrics"));
  EXPECT_THAT(output, HasSubstr("management http://127.0.0.1:" + std::to_string(7673 + offset)));
  EXPECT_THAT(output, HasSubstr("e-mails land in " + (dir / "smtp/mail/new/").string()));

  // Mutual TLS: with the stack's CA and client certificate, and refused without them.
  const auto certs = dir / "certs";
  const std::vector<std::string> client_tls = {"--cacert", (certs / "ca.pem").string(),
                                               "--cert",   (certs / "client.pem").string(),
                                               "--key",    (certs / "client.key").string()};
  for (int i = 0; i < 6; ++i) {
    auto args = client_tls;
    args.push_back("https://127.0.0.1:" + grpc(i) + "/grpc.health.v1.Health/Check");
    EXPECT_THAT(BufCurl(args), HasSubstr("\"SERVING\""));
  }
  EXPECT_THROW(BufCurl({"--cacert", (certs / "ca.pem").string(),
                        "https://127.0.0.1:" + grpc(0) + "/grpc.health.v1.Health/Check"}),
               std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_directory(dir / "smtp/mail/new"));
  EXPECT_TRUE(std::filesystem::exists(dir / "logs/notification.log"));
  // The participant pages answer over HTTP, with their security headers.
  const std::string page = RunCommand("curl -s -i " + pages + "/approval/demo/ipa_unknown");
  EXPECT_THAT(page, HasSubstr("HTTP/1.1 404"));
  EXPECT_THAT(page, HasSubstr("Content-Security-Policy: default-src 'none'"));

  // `make stop` from another terminal.
  std::string with_environment;
  for (const auto& [name, value] : environment) with_environment += name + "='" + value + "' ";
  auto stopped = RunCommand(with_environment + script.string() + " stop 2>&1");
  EXPECT_THAT(stopped, HasSubstr("stopped"));
  auto status = stack.WaitFor(60s);
  ASSERT_TRUE(status.has_value()) << stack.Output();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << stack.Output();
  for (int port : StackPorts()) {
    EXPECT_FALSE(SomethingListensOn(port + offset)) << "port " << port + offset << " still open";
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "stack.pid"));
  // Each service reported a clean stop in its log.
  for (std::string service : {"registration", "matching", "matching-worker", "notification",
                              "evaluation", "participant-web"}) {
    std::ifstream log(dir / "logs" / (service + ".log"));
    std::stringstream content;
    content << log.rdbuf();
    std::string text = content.str();
    EXPECT_THAT(text, HasSubstr("\"msg\":\"stopped\"")) << service;
    EXPECT_THAT(text, HasSubstr("\"exit_code\":0")) << service;
  }

  if (!::testing::Test::HasFailure()) {
    std::filesystem::remove_all(dir);
    std::filesystem::remove(dir.parent_path() / (dir.filename().string() + ".out"));
  }
}

}  // namespace
}  // namespace ipraktik::testing
