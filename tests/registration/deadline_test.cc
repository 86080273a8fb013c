// The caller's deadline reaches the store: a call whose deadline passes while Redis holds its
// writes (CLIENT PAUSE ... WRITE) is answered DEADLINE_EXCEEDED by the server, frees its handler
// thread while Redis still holds writes, and leaves nothing written. The store's own command
// timeout is set far beyond the pause, so only the call's deadline can end the wait.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "eventually.h"
#include "ipraktik/store/connection.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using namespace std::chrono_literals;
using Stub = v1::RegistrationService::Stub;

std::set<std::string> Keys(store::Connection& redis) {
  auto keys = redis.Command({"KEYS", "*"});
  EXPECT_TRUE(keys.ok()) << keys.status();
  std::set<std::string> names;
  if (keys.ok()) {
    for (const auto& key : keys->elements()) names.insert(key.str());
  }
  return names;
}

// The clients Redis holds (paused or blocked) now.
std::int64_t HeldClients(store::Connection& redis) {
  auto info = redis.Command({"INFO", "clients"});
  if (!info.ok()) return -1;
  const std::string field = "blocked_clients:";
  auto at = info->str().find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(info->str().substr(at + field.size()));
}

TEST(DeadlineTest, ACallPastItsDeadlineOnAPausedRedisWritesNothing) {
  ipraktik::testing::RedisServer redis;
  TestClock clock(absl::Now());
  InProcessRegistration service(
      redis, "", clock,
      {.handlers = {.threads = 1}, .redis_command_timeout = absl::Minutes(5), .with_bus = false});
  auto stub = service.NewStub();
  store::Connection admin({.port = redis.port()});

  v1::CreateProgrammeRequest first;
  first.mutable_programme()->set_name("Before the pause");
  first.set_request_id("before-pause");
  auto existing =
      MustCall(*stub, &Stub::CreateProgramme, first, "aarhus").programme().programme_id();
  const std::set<std::string> keys_before = Keys(admin);

  ASSERT_TRUE(admin.Command({"CLIENT", "PAUSE", "60000", "WRITE"}).ok());
  v1::CreateProgrammeRequest paused;
  paused.mutable_programme()->set_name("During the pause");
  paused.set_request_id("during-pause");
  v1::CreateProgrammeResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 50ms);
  context.AddMetadata("x-ipraktik-tenant", "aarhus");
  EXPECT_EQ(stub->CreateProgramme(&context, paused, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);

  // The one handler thread is free again while Redis still holds writes (for 60 s, and the
  // store would wait 5 min): only the call's deadline can have ended its wait.
  v1::GetProgrammeRequest get;
  get.set_programme_id(existing);
  EXPECT_EQ(MustCall(*stub, &Stub::GetProgramme, get, "aarhus").programme().name(),
            "Before the pause");
  // The server closed the connection that waited, so Redis dropped the held command.
  EXPECT_TRUE(ipraktik::testing::Eventually([&] { return HeldClients(admin) == 0; }));

  ASSERT_TRUE(admin.Command({"CLIENT", "UNPAUSE"}).ok());
  EXPECT_EQ(Keys(admin), keys_before);
  v1::ListProgrammesRequest list;
  auto listed = MustCall(*stub, &Stub::ListProgrammes, list, "aarhus");
  ASSERT_EQ(listed.programmes_size(), 1);
  EXPECT_EQ(listed.programmes(0).programme_id(), existing);
}

}  // namespace
}  // namespace ipraktik::registration::testing
