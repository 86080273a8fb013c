// The harness itself: each private server really answers, and survives a restart with its data.
#include "local_servers.h"

#include <gtest/gtest.h>

namespace ipraktik::testing {
namespace {

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
