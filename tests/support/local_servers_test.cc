// The harness itself: each private server really answers, and survives a restart with its data.
#include "local_servers.h"

#include <gtest/gtest.h>

#include <optional>

namespace ipraktik::testing {
namespace {

// What another test program's reservation of port does, by flock(1) in a process of its own:
// "held" when this program holds the port, "free" when it could take it.
std::string AnotherProgramTries(int port) {
  return RunCommand("flock -n '" + ReservedPorts::HoldFile(port).string() +
                    "' true && echo free || echo held");
}

TEST(ReservedPortsTest, AnotherProgramCannotTakeThemUntilTheyAreLetGo) {
  std::optional<ReservedPorts> ports(std::in_place, 3);
  const int first = ports->first();
  for (int port = first; port < first + 3; ++port) EXPECT_EQ(AnotherProgramTries(port), "held\n");
  ports.reset();
  for (int port = first; port < first + 3; ++port) EXPECT_EQ(AnotherProgramTries(port), "free\n");
}

TEST(ReservedPortsTest, AStoppedServerKeepsItsPortFromOtherPrograms) {
  RedisServer redis;
  redis.Stop();
  EXPECT_EQ(AnotherProgramTries(redis.port()), "held\n");
  redis.Start();
  EXPECT_EQ(RunCommand("redis-cli -p " + std::to_string(redis.port()) + " ping"), "PONG\n");
}

TEST(LocalServersTest, RedisKeepsAppendOnlyDataAcrossRestart) {
  RedisServer redis;
  auto cli = "redis-cli -p " + std::to_string(redis.port()) + " ";
  EXPECT_EQ(RunCommand(cli + "set greeting hej"), "OK\n");
  redis.Restart();
  EXPECT_EQ(RunCommand(cli + "get greeting"), "hej\n");
}

TEST(LocalServersTest, SmtpKeepsEveryMessage) {
  SmtpServer smtp;
  auto message = (smtp.dir() / "message.txt").string();
  RunCommand("printf 'Subject: hej\\r\\n\\r\\nBody\\r\\n' > " + message);
  RunCommand("curl -sS " + smtp.url() + " --mail-from a@example.dk --mail-rcpt b@example.dk -T " +
             message);
  auto messages = smtp.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("Subject: hej"), std::string::npos);
}

TEST(LocalServersTest, RabbitMqAnswersItsControlTool) {
  RabbitMqServer rabbit;
  EXPECT_NE(rabbit.Ctl({"status"}).find("RabbitMQ version"), std::string::npos);
}

}  // namespace
}  // namespace ipraktik::testing
