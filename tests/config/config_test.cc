// Settings: defaults when unset, typed values when set, and every bad value reported by name.
#include "ipraktik/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ipraktik/errors/errors.h"

namespace ipraktik::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Reader ReaderWith(std::map<std::string, std::string, std::less<>> variables) {
  return Reader(Environment(std::move(variables)));
}

// The problem reported for one variable, or "" when none was.
std::string ProblemWith(const Reader& reader, std::string_view name) {
  for (const auto& violation : errors::FieldViolationsOf(reader.Finish())) {
    if (violation.field == name) return violation.description;
  }
  return "";
}

TEST(ReaderTest, UnsetVariablesGiveTheDefaults) {
  auto reader = ReaderWith({});
  EXPECT_EQ(reader.String("IPRAKTIK_NAME", "ipraktik", "a name"), "ipraktik");
  EXPECT_EQ(reader.Int("IPRAKTIK_COUNT", 7, 1, 10, "a count"), 7);
  EXPECT_EQ(reader.Duration("IPRAKTIK_GRACE", 5s, 0s, 60s, "grace"), 5s);
  EXPECT_TRUE(reader.Bool("IPRAKTIK_FLAG", true, "a flag"));
  auto address = reader.Address("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:7101", "where");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 7101);
  auto url = reader.Url("IPRAKTIK_AMQP_URL", "amqp://guest:guest@127.0.0.1:7672/", {"amqp"}, "");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 7672);
  EXPECT_EQ(reader.Choice("IPRAKTIK_LOG_LEVEL", "info", {"debug", "info"}, "level"), "info");
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(ReaderTest, EmptyCountsAsUnset) {
  auto reader = ReaderWith({{"IPRAKTIK_COUNT", ""}});
  EXPECT_EQ(reader.Int("IPRAKTIK_COUNT", 7, 1, 10, "a count"), 7);
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(ReaderTest, SetVariablesAreParsed) {
  auto reader = ReaderWith({{"IPRAKTIK_COUNT", "-3"},
                            {"IPRAKTIK_GRACE", "1m30s"},
                            {"IPRAKTIK_SHORT", "250ms"},
                            {"IPRAKTIK_ZERO", "0"},
                            {"IPRAKTIK_FLAG", "Off"},
                            {"IPRAKTIK_YES", "yes"},
                            {"IPRAKTIK_GRPC_ADDRESS", "[::1]:0"},
                            {"IPRAKTIK_REDIS_ADDRESS", "redis.ipraktik.svc:6379"},
                            {"IPRAKTIK_LOG_LEVEL", "debug"}});
  EXPECT_EQ(reader.Int("IPRAKTIK_COUNT", 7, -10, 10, ""), -3);
  EXPECT_EQ(reader.Duration("IPRAKTIK_GRACE", 5s, 0s, 1h, ""), 90s);
  EXPECT_EQ(reader.Duration("IPRAKTIK_SHORT", 5s, 0s, 1h, ""), 250ms);
  EXPECT_EQ(reader.Duration("IPRAKTIK_ZERO", 5s, 0s, 1h, ""), 0s);
  EXPECT_FALSE(reader.Bool("IPRAKTIK_FLAG", true, ""));
  EXPECT_TRUE(reader.Bool("IPRAKTIK_YES", false, ""));
  auto grpc = reader.Address("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:7101", "");
  EXPECT_EQ(grpc.host, "[::1]");
  EXPECT_EQ(grpc.port, 0);
  EXPECT_EQ(grpc.ToString(), "[::1]:0");
  EXPECT_EQ(reader.Address("IPRAKTIK_REDIS_ADDRESS", "127.0.0.1:7379", "").ToString(),
            "redis.ipraktik.svc:6379");
  EXPECT_EQ(reader.Choice("IPRAKTIK_LOG_LEVEL", "info", {"debug", "info"}, ""), "debug");
  EXPECT_TRUE(reader.Finish().ok()) << reader.Finish();
}

TEST(ReaderTest, EveryBadValueIsReportedByName) {
  auto reader = ReaderWith({{"IPRAKTIK_COUNT", "many"},
                            {"IPRAKTIK_BIG", "11"},
                            {"IPRAKTIK_GRACE", "5"},
                            {"IPRAKTIK_LONG", "2h"},
                            {"IPRAKTIK_WEIRD", "soon"},
                            {"IPRAKTIK_FLAG", "maybe"},
                            {"IPRAKTIK_GRPC_ADDRESS", "localhost"},
                            {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:99999"},
                            {"IPRAKTIK_AMQP_URL", "http://guest:secret@127.0.0.1:7672/"},
                            {"IPRAKTIK_SMTP_URL", "not a url"},
                            {"IPRAKTIK_LOG_LEVEL", "loud"}});
  // A bad value gives the default, so the program can go on reading and report everything.
  EXPECT_EQ(reader.Int("IPRAKTIK_COUNT", 7, 1, 10, ""), 7);
  EXPECT_EQ(reader.Int("IPRAKTIK_BIG", 7, 1, 10, ""), 7);
  EXPECT_EQ(reader.Duration("IPRAKTIK_GRACE", 5s, 0s, 60s, ""), 5s);
  reader.Duration("IPRAKTIK_LONG", 5s, 0s, 60s, "");
  reader.Duration("IPRAKTIK_WEIRD", 5s, 0s, 60s, "");
  reader.Bool("IPRAKTIK_FLAG", false, "");
  EXPECT_EQ(reader.Address("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:7101", "").port, 7101);
  reader.Address("IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:9101", "");
  reader.Url("IPRAKTIK_AMQP_URL", "amqp://guest:guest@127.0.0.1:7672/", {"amqp", "amqps"}, "");
  reader.Url("IPRAKTIK_SMTP_URL", "smtp://127.0.0.1:7025", {"smtp", "smtps"}, "");
  reader.Choice("IPRAKTIK_LOG_LEVEL", "info", {"debug", "info", "warning", "error"}, "");

  auto status = reader.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::FieldViolationsOf(status).size(), 11u);
  EXPECT_EQ(ProblemWith(reader, "IPRAKTIK_COUNT"), "'many' is not a whole number");
  EXPECT_EQ(ProblemWith(reader, "IPRAKTIK_BIG"), "'11' is out of range: must be 1..10");
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_GRACE"), HasSubstr("'5' has no unit"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_LONG"), HasSubstr("must be 0..1m"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_WEIRD"), HasSubstr("is not a duration"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_FLAG"), HasSubstr("'maybe' is not a boolean"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_GRPC_ADDRESS"), HasSubstr("is not host:port"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_METRICS_ADDRESS"), HasSubstr("is not host:port"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_AMQP_URL"),
              HasSubstr("has scheme 'http'; expected amqp or amqps"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_SMTP_URL"), HasSubstr("is not a URL"));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_LOG_LEVEL"),
              HasSubstr("is not one of debug, info, warning, error"));
  // The whole message names the variables too, for a plain log line.
  EXPECT_THAT(std::string(status.message()), HasSubstr("IPRAKTIK_COUNT: 'many'"));
}

TEST(ReaderTest, PasswordsNeverAppearInProblemsOrSettings) {
  auto reader = ReaderWith({{"IPRAKTIK_AMQP_URL", "http://guest:topsecret@127.0.0.1:7672/"},
                            {"IPRAKTIK_SMTP_PASSWORD", "hunter2"}});
  reader.Url("IPRAKTIK_AMQP_URL", "amqp://guest:guest@127.0.0.1:7672/", {"amqp"}, "");
  EXPECT_EQ(reader.Secret("IPRAKTIK_SMTP_PASSWORD", "SMTP password"), "hunter2");
  EXPECT_THAT(std::string(reader.Finish().message()), Not(HasSubstr("topsecret")));
  EXPECT_THAT(ProblemWith(reader, "IPRAKTIK_AMQP_URL"), HasSubstr("guest:***@"));
  for (const auto& setting : reader.settings()) {
    EXPECT_THAT(setting.value, Not(HasSubstr("topsecret")));
    EXPECT_THAT(setting.value, Not(HasSubstr("hunter2")));
    EXPECT_THAT(setting.default_value, Not(HasSubstr("guest:guest")));
  }
}

TEST(ReaderTest, CallerFoundProblemsAreReportedWithTheOthers) {
  auto reader = ReaderWith({});
  reader.AddError("IPRAKTIK_SHUTDOWN_GRACE", "must be shorter than IPRAKTIK_SHUTDOWN_TIMEOUT");
  EXPECT_EQ(ProblemWith(reader, "IPRAKTIK_SHUTDOWN_GRACE"),
            "must be shorter than IPRAKTIK_SHUTDOWN_TIMEOUT");
}

TEST(ReaderTest, RecordsEverySettingForHelp) {
  auto reader = ReaderWith({{"IPRAKTIK_GRPC_ADDRESS", "0.0.0.0:7101"}});
  reader.Address("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:7101", "Where the gRPC API listens.");
  reader.Duration("IPRAKTIK_SHUTDOWN_GRACE", 5s, 0s, 60s, "Time in-flight calls get.");
  reader.Duration("IPRAKTIK_SHUTDOWN_GRACE", 5s, 0s, 60s, "Time in-flight calls get.");
  ASSERT_EQ(reader.settings().size(), 2u);
  const auto& grpc = reader.settings()[0];
  EXPECT_EQ(grpc.name, "IPRAKTIK_GRPC_ADDRESS");
  EXPECT_EQ(grpc.type, "host:port");
  EXPECT_EQ(grpc.default_value, "127.0.0.1:7101");
  EXPECT_EQ(grpc.value, "0.0.0.0:7101");
  EXPECT_TRUE(grpc.from_environment);
  EXPECT_EQ(reader.settings()[1].value, "5s");
  EXPECT_FALSE(reader.settings()[1].from_environment);

  auto help = FormatHelp(reader.settings());
  EXPECT_THAT(help, HasSubstr("IPRAKTIK_GRPC_ADDRESS  (host:port)  default 127.0.0.1:7101\n"
                              "      Where the gRPC API listens.\n"));
  EXPECT_THAT(help, HasSubstr("IPRAKTIK_SHUTDOWN_GRACE  (duration 0..1m)  default 5s"));
}

TEST(ReaderTest, FindsMisspeltVariables) {
  auto reader = ReaderWith(
      {{"IPRAKTIK_GRPC_ADRESS", "127.0.0.1:1"}, {"IPRAKTIK_LOG_LEVEL", "info"}, {"HOME", "/root"}});
  reader.Address("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:7101", "");
  reader.String("IPRAKTIK_LOG_LEVEL", "info", "");
  EXPECT_THAT(reader.UnreadVariables(), ElementsAre("IPRAKTIK_GRPC_ADRESS"));
}

TEST(ParseUrlTest, SplitsTheParts) {
  auto url = ParseUrl("amqps://ipraktik:p%40ss@rabbit.example.dk:5671/ipraktik?heartbeat=30");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, "amqps");
  EXPECT_EQ(url->user, "ipraktik");
  EXPECT_EQ(url->password, "p%40ss");
  EXPECT_EQ(url->host, "rabbit.example.dk");
  EXPECT_EQ(url->port, 5671);
  EXPECT_EQ(url->path, "/ipraktik?heartbeat=30");
  EXPECT_EQ(url->Redacted(), "amqps://ipraktik:***@rabbit.example.dk:5671/ipraktik?heartbeat=30");

  auto smtp = ParseUrl("smtp://127.0.0.1");
  ASSERT_TRUE(smtp.has_value());
  EXPECT_EQ(smtp->port, 0);
  EXPECT_THAT(smtp->user, IsEmpty());
  EXPECT_EQ(smtp->Redacted(), "smtp://127.0.0.1");
}

TEST(ParseUrlTest, RefusesWhatIsNoUrl) {
  EXPECT_FALSE(ParseUrl("127.0.0.1:7672").has_value());
  EXPECT_FALSE(ParseUrl("amqp://").has_value());
  EXPECT_FALSE(ParseUrl("amqp://host:").has_value());
  EXPECT_FALSE(ParseUrl("amqp://host:port/").has_value());
  EXPECT_FALSE(ParseUrl("amqp://ho st/").has_value());
  EXPECT_FALSE(ParseUrl("://host").has_value());
}

TEST(ParseHostPortTest, NeedsAHostAndAPort) {
  EXPECT_TRUE(ParseHostPort("localhost:1").has_value());
  EXPECT_TRUE(ParseHostPort("[::]:7101").has_value());
  EXPECT_FALSE(ParseHostPort(":7101").has_value());
  EXPECT_FALSE(ParseHostPort("localhost").has_value());
  EXPECT_FALSE(ParseHostPort("localhost:-1").has_value());
  EXPECT_FALSE(ParseHostPort("[::1]").has_value());
  EXPECT_FALSE(ParseHostPort("::1:80").has_value());
}

}  // namespace
}  // namespace ipraktik::config
