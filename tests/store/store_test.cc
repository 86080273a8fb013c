// The store against a real redis-server: replies, pipelines, timeouts, reconnection after a
// graceful restart and after SIGKILL, waiting while a restarted Redis loads its data, scripts
// reloaded after NOSCRIPT, and atomic Lua updates from many threads through the pool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "eventually.h"
#include "ipraktik/deadline/deadline.h"
#include "ipraktik/store/connection.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/pool.h"
#include "local_servers.h"
#include "metric_value.h"
#include "prometheus/registry.h"

namespace ipraktik::store {
namespace {

using ::ipraktik::testing::RedisServer;

// Moves amount from KEYS[1] to KEYS[2]; refuses bad input before writing anything.
const char kTransferLua[] = R"lua(
local amount = tonumber(ARGV[1])
if not amount or amount <= 0 or amount ~= math.floor(amount) then
  return redis.error_reply('INVALID_ARGUMENT amount must be a positive whole number')
end
local balance = tonumber(redis.call('GET', KEYS[1]) or '0')
if balance < amount then
  return redis.error_reply('FAILED_PRECONDITION insufficient funds')
end
redis.call('DECRBY', KEYS[1], amount)
redis.call('INCRBY', KEYS[2], amount)
return balance - amount
)lua";

std::string Account(int i) { return TenantKeys::For("bank")->Key("account", absl::StrCat(i)); }

class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<RedisServer>(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override { ASSERT_TRUE(Connection(Opts()).Command({"FLUSHALL"}).ok()); }

  static Options Opts() {
    Options options;
    options.port = server_->port();
    return options;
  }

  static std::unique_ptr<RedisServer> server_;
};

std::unique_ptr<RedisServer> StoreTest::server_;

// The clients Redis holds now (paused or blocked).
std::int64_t HeldClients(Connection& redis) {
  auto info = redis.Command({"INFO", "clients"});
  if (!info.ok()) return -1;
  const std::string field = "blocked_clients:";
  auto at = info->str().find(field);
  return at == std::string::npos ? -1 : std::stoll(info->str().substr(at + field.size()));
}

TEST_F(StoreTest, NothingIsSentPastTheCallsDeadline) {
  Connection redis(Opts());
  deadline::Scope scope(absl::Now() - absl::Milliseconds(1));
  auto set = redis.Command({"SET", "late", "1"});
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDeadlineExceeded) << set.status();
  EXPECT_FALSE(redis.connected());  // not even connected for it
}

TEST_F(StoreTest, AWaitForAPausedRedisEndsAtTheCallsDeadlineAndWritesNothing) {
  Connection admin(Opts());
  Options patient = Opts();
  patient.command_timeout = absl::Minutes(5);  // only the call's deadline can end the wait
  Connection redis(patient);
  ASSERT_TRUE(redis.Ping().ok());
  ASSERT_TRUE(admin.Command({"CLIENT", "PAUSE", "60000", "WRITE"}).ok());
  {
    deadline::Scope scope(absl::Now() + absl::Milliseconds(50));
    auto set = redis.Command({"SET", "paused", "1"});
    EXPECT_EQ(set.status().code(), absl::StatusCode::kDeadlineExceeded) << set.status();
    EXPECT_NE(std::string(set.status().message()).find("the call's deadline"), std::string::npos);
  }
  // Answered while Redis still holds writes (for 60 s); the connection that waited was closed,
  // so Redis drops the command it held.
  EXPECT_TRUE(ipraktik::testing::Eventually([&] { return HeldClients(admin) == 0; }));
  ASSERT_TRUE(admin.Command({"CLIENT", "UNPAUSE"}).ok());
  auto value = admin.Command({"GET", "paused"});
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value->is_nil());
  // Outside a deadline the connection works to its own timeout again.
  EXPECT_TRUE(redis.Command({"SET", "after", "1"}).ok());
}

TEST_F(StoreTest, ReadsEveryReplyType) {
  Connection redis(Opts());
  EXPECT_EQ(*redis.Command({"SET", "k", "v"}), Reply::Status("OK"));
  EXPECT_EQ(*redis.Command({"GET", "k"}, Retry::kIdempotent), Reply::String("v"));
  EXPECT_EQ(*redis.Command({"GET", "missing"}), Reply::Nil());
  EXPECT_EQ(*redis.Command({"INCR", "n"}), Reply::Integer(1));
  const std::string binary("a\0b", 3);
  ASSERT_TRUE(redis.Command({"SET", "bin", binary}).ok());
  EXPECT_EQ(redis.Command({"GET", "bin"})->str(), binary);

  absl::StatusOr<Reply> wrong_type = redis.Command({"INCR", "k"});
  EXPECT_EQ(wrong_type.status().code(), absl::StatusCode::kInternal);

  Script nested("return {1, 'a', {2, false}}");
  absl::StatusOr<Reply> array = redis.Eval(nested, {}, {});
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(*array, Reply::Array({Reply::Integer(1), Reply::String("a"),
                                  Reply::Array({Reply::Integer(2), Reply::Nil()})}));
}

TEST_F(StoreTest, PipelineAnswersEveryCommandInOrderAndKeepsErrorsPerCommand) {
  Connection redis(Opts());
  Pipeline pipeline;
  for (int i = 0; i < 1000; ++i) pipeline.Add({"SET", absl::StrCat("p", i), absl::StrCat(i)});
  pipeline.Add({"SET", "text", "x"}).Add({"INCR", "text"});  // an error in the middle
  for (int i = 0; i < 1000; ++i) pipeline.Add({"GET", absl::StrCat("p", i)});
  absl::StatusOr<std::vector<Reply>> replies = redis.Execute(pipeline, Retry::kIdempotent);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 2002u);
  EXPECT_TRUE((*replies)[1001].is_error());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ((*replies)[i], Reply::Status("OK"));
    EXPECT_EQ((*replies)[1002 + i], Reply::String(absl::StrCat(i)));
  }
}

TEST_F(StoreTest, ACommandThatOutlivesItsTimeoutFailsAndTheConnectionRecovers) {
  Options options = Opts();
  options.command_timeout = absl::Milliseconds(200);
  Connection redis(options);
  ASSERT_TRUE(redis.Ping().ok());
  absl::StatusOr<Reply> blocked = redis.Command({"BLPOP", "empty-list", "5"});
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kDeadlineExceeded) << blocked.status();
  // The late reply of BLPOP must never be read as the answer to a later command.
  EXPECT_EQ(*redis.Command({"SET", "after", "1"}), Reply::Status("OK"));
  EXPECT_EQ(*redis.Command({"GET", "after"}), Reply::String("1"));
  EXPECT_EQ(redis.reconnects(), 1);
}

TEST_F(StoreTest, AnUnreachableServerFailsFastWithUnavailable) {
  Options options;
  options.port = 1;  // nothing listens there
  options.max_attempts = 2;
  Connection redis(options);
  absl::Status status = redis.Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(redis.connected());
}

TEST_F(StoreTest, ReconnectsAfterAGracefulRestart) {
  Connection redis(Opts());
  ASSERT_TRUE(redis.Command({"SET", "kept", "yes"}).ok());
  ASSERT_TRUE(redis.Command({"INCR", "counter"}).ok());
  server_->Restart();
  // Not idempotent, so it could not be retried blindly: it succeeds because the connection
  // notices the closed socket before sending.
  absl::StatusOr<Reply> incremented = redis.Command({"INCR", "counter"});
  ASSERT_TRUE(incremented.ok()) << incremented.status();
  EXPECT_EQ(*incremented, Reply::Integer(2));  // the AOF kept the first increment
  EXPECT_EQ(*redis.Command({"GET", "kept"}), Reply::String("yes"));
  EXPECT_EQ(redis.reconnects(), 1);
}

TEST_F(StoreTest, ReconnectsAfterTheServerWasKilled) {
  Options options = Opts();
  options.max_attempts = 2;
  Connection redis(options);
  ASSERT_TRUE(redis.Command({"SET", "k", "v"}).ok());
  server_->Kill();
  absl::Status down = redis.Ping();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  server_->Start();
  EXPECT_TRUE(redis.Ping().ok());
  EXPECT_EQ(*redis.Command({"INCR", "after-kill"}), Reply::Integer(1));
  EXPECT_GE(redis.reconnects(), 1);
}

TEST_F(StoreTest, ScriptsAreLoadedOnceAndReloadedAfterNoScript) {
  Connection redis(Opts());
  Script script("return redis.call('INCR', KEYS[1])");
  EXPECT_FALSE(script.sha().has_value());
  EXPECT_EQ(*redis.Eval(script, {"runs"}, {}), Reply::Integer(1));
  ASSERT_TRUE(script.sha().has_value());
  const std::string sha = *script.sha();

  ASSERT_TRUE(redis.Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(*redis.Eval(script, {"runs"}, {}), Reply::Integer(2));
  EXPECT_EQ(*redis.Command({"SCRIPT", "EXISTS", sha}), Reply::Array({Reply::Integer(1)}));

  // A restarted server has an empty script cache; the connection also has to reconnect first.
  server_->Restart();
  EXPECT_EQ(*redis.Eval(script, {"runs"}, {}), Reply::Integer(3));
  server_->Kill();
  server_->Start();
  absl::StatusOr<Reply> after_kill = redis.Eval(script, {"fresh"}, {});
  ASSERT_TRUE(after_kill.ok()) << after_kill.status();
  EXPECT_EQ(*after_kill, Reply::Integer(1));
}

TEST_F(StoreTest, PipelinedScriptsRunInOrderAndAreReloadedAfterNoScript) {
  Connection redis(Opts());
  Script increment("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  Pipeline pipeline;
  pipeline.AddScript(increment, {"a"}, {"2"}).Add({"GET", "a"}).AddScript(increment, {"a"}, {"3"});
  absl::StatusOr<std::vector<Reply>> replies = redis.Execute(pipeline);
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ(*replies,
            (std::vector<Reply>{Reply::Integer(2), Reply::String("2"), Reply::Integer(5)}));

  // After a flush, the script commands ran again (each exactly once) after the rest of the
  // pipeline: the GET saw the value before them.
  ASSERT_TRUE(redis.Command({"SCRIPT", "FLUSH"}).ok());
  Pipeline appended;
  appended.Add({"INCR", "plain"}).Append(pipeline);
  replies = redis.Execute(appended);
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ(*replies, (std::vector<Reply>{Reply::Integer(1), Reply::Integer(7), Reply::String("5"),
                                          Reply::Integer(10)}));
  EXPECT_EQ(*redis.Command({"GET", "plain"}), Reply::String("1"));
}

TEST_F(StoreTest, AScriptThatRefusesBadInputChangesNothing) {
  Pool redis(Opts());
  ASSERT_TRUE(redis.Command({"SET", Account(1), "100"}).ok());
  ASSERT_TRUE(redis.Command({"SET", Account(2), "0"}).ok());
  Script transfer(kTransferLua);

  absl::StatusOr<Reply> negative = redis.Eval(transfer, {Account(1), Account(2)}, {"-5"});
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(negative.status().message(), "amount must be a positive whole number");
  absl::StatusOr<Reply> too_much = redis.Eval(transfer, {Account(1), Account(2)}, {"101"});
  EXPECT_EQ(too_much.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*redis.Command({"GET", Account(1)}), Reply::String("100"));
  EXPECT_EQ(*redis.Command({"GET", Account(2)}), Reply::String("0"));

  EXPECT_EQ(*redis.Eval(transfer, {Account(1), Account(2)}, {"30"}), Reply::Integer(70));
  EXPECT_EQ(*redis.Command({"GET", Account(2)}), Reply::String("30"));
}

// Runs transfers between random accounts from many threads, each thread per_thread of them or
// until stop is set; returns how many succeeded.
int RunTransfers(Pool& redis, const Script& transfer, int threads, int per_thread, int accounts,
                 std::atomic<int>& unavailable, const std::atomic<bool>& stop) {
  std::atomic<int> succeeded = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 random(t);
      std::uniform_int_distribution<int> account(0, accounts - 1);
      std::uniform_int_distribution<int> amount(1, 40);
      for (int i = 0; i < per_thread && !stop; ++i) {
        int from = account(random);
        int to = account(random);
        while (to == from) to = account(random);
        absl::StatusOr<Reply> moved =
            redis.Eval(transfer, {Account(from), Account(to)}, {absl::StrCat(amount(random))});
        if (moved.ok()) {
          ++succeeded;
        } else if (moved.status().code() == absl::StatusCode::kUnavailable ||
                   moved.status().code() == absl::StatusCode::kDeadlineExceeded) {
          ++unavailable;
        } else {
          EXPECT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition) << moved.status();
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return succeeded;
}

std::int64_t TotalBalance(Pool& redis, int accounts) {
  std::int64_t total = 0;
  for (int i = 0; i < accounts; ++i) {
    absl::StatusOr<Reply> balance = redis.Command({"GET", Account(i)}, Retry::kIdempotent);
    EXPECT_TRUE(balance.ok()) << balance.status();
    const std::int64_t value = std::stoll(balance->str());
    EXPECT_GE(value, 0) << Account(i);
    total += value;
  }
  return total;
}

// Ten accounts of 100 each, shared by the threads through a pool of four connections.
class TransferTest : public StoreTest {
 protected:
  static constexpr int kAccounts = 10;

  void SetUp() override {
    StoreTest::SetUp();
    Options options = Opts();
    options.pool_size = 4;
    redis_ = std::make_unique<Pool>(options);
    for (int i = 0; i < kAccounts; ++i) {
      ASSERT_TRUE(redis_->Command({"SET", Account(i), "100"}).ok());
    }
  }

  std::unique_ptr<Pool> redis_;
  Script transfer_{kTransferLua};
};

TEST_F(TransferTest, ConcurrentTransfersThroughThePoolKeepTheTotal) {
  std::atomic<int> unavailable = 0;
  const std::atomic<bool> never = false;
  const int succeeded = RunTransfers(*redis_, transfer_, 8, 300, kAccounts, unavailable, never);
  EXPECT_EQ(unavailable, 0);
  EXPECT_GT(succeeded, 0);
  EXPECT_EQ(TotalBalance(*redis_, kAccounts), 100 * kAccounts);
}

TEST_F(TransferTest, TransfersCutOffByARestartNeverHalfHappen) {
  std::atomic<int> unavailable = 0;
  std::atomic<bool> stop = false;
  int succeeded = 0;
  std::thread restarter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server_->Restart();
    // Let the transfers go on against the restarted server for a while.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  succeeded = RunTransfers(*redis_, transfer_, 4, 1'000'000, kAccounts, unavailable, stop);
  restarter.join();
  EXPECT_GT(succeeded, 0);
  RecordProperty("transfers_succeeded", succeeded);
  RecordProperty("transfers_unavailable", unavailable.load());
  // Whatever failed around the restart, each transfer happened completely or not at all.
  EXPECT_EQ(TotalBalance(*redis_, kAccounts), 100 * kAccounts);
}

TEST_F(StoreTest, PoolLendsEachConnectionToOneCallerAtATime) {
  Options options = Opts();
  options.pool_size = 1;
  options.acquire_timeout = absl::Milliseconds(100);
  Pool redis(options);
  {
    absl::StatusOr<Pool::Lease> held = redis.Acquire();
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE((*held)->Command({"CLIENT", "SETNAME", "first"}).ok());
    absl::StatusOr<Pool::Lease> second = redis.Acquire();
    EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  }
  absl::StatusOr<Pool::Lease> again = redis.Acquire();
  ASSERT_TRUE(again.ok());
  // The same connection came back (the pool holds one).
  EXPECT_EQ(*(*again)->Command({"CLIENT", "GETNAME"}), Reply::String("first"));
}

TEST_F(StoreTest, PoolWaitsForAConnectionToComeBack) {
  Options options = Opts();
  options.pool_size = 1;
  Pool redis(options);
  std::optional<Pool::Lease> held(*redis.Acquire());
  std::atomic<bool> pinged = false;
  std::thread waiter([&] {
    EXPECT_TRUE(redis.Ping().ok());
    pinged = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pinged);
  held.reset();
  waiter.join();
  EXPECT_TRUE(pinged);
}

using ipraktik::testing::CountOf;

TEST_F(StoreTest, RecordsCommandsErrorsAndReconnects) {
  prometheus::Registry registry;
  Options options = Opts();
  options.registry = &registry;
  Pool redis(options);
  ASSERT_TRUE(redis.Command({"SET", "k", "v"}).ok());
  ASSERT_TRUE(redis.Command({"get", "k"}).ok());
  ASSERT_FALSE(redis.Command({"INCR", "k"}).ok());
  server_->Restart();
  ASSERT_TRUE(redis.Ping().ok());
  EXPECT_EQ(
      CountOf(registry, "ipraktik_redis_commands_total", {{"command", "GET"}, {"result", "ok"}}),
      1);
  EXPECT_EQ(CountOf(registry, "ipraktik_redis_commands_total",
                    {{"command", "INCR"}, {"result", "error_reply"}}),
            1);
  EXPECT_EQ(CountOf(registry, "ipraktik_redis_reconnects_total", {}), 1);
}

// Redis reads its append-only file after a restart and meanwhile answers every command LOADING
// (the fault test's Redis restart met it: a call right after it failed). redis-server is started
// here by hand with key-load-delay, so that loading 300 keys takes about a second.
class LoadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("store-loading-", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    process_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // Starts redis-server on dir_ (append-only) and waits until it accepts connections.
  void Start(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--port",       absl::StrCat(port_.first()),
                                     "--bind",       "127.0.0.1",
                                     "--dir",        dir_.string(),
                                     "--save",       "",
                                     "--appendonly", "yes"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ipraktik::testing::ChildProcess>(
        "/usr/bin/redis-server", args, std::map<std::string, std::string>{}, dir_ / "redis.log");
    ASSERT_TRUE(ipraktik::testing::Eventually(
        [&] { return ipraktik::testing::SomethingListensOn(port_.first()); },
        std::chrono::seconds(30)));
  }
  void Shutdown() {
    ipraktik::testing::RunCommand(absl::StrCat("redis-cli -p ", port_.first(), " SHUTDOWN 2>&1"));
    ASSERT_TRUE(process_->WaitFor(std::chrono::seconds(30)).has_value());
  }
  Options Opts() const {
    Options options;
    options.port = port_.first();
    return options;
  }

  std::filesystem::path dir_;
  // Held for the test: redis-server starts on it again after each stop.
  ipraktik::testing::ReservedPorts port_;
  std::unique_ptr<ipraktik::testing::ChildProcess> process_;
};

TEST_F(LoadingTest, ACommandRightAfterARestartWaitsUntilTheDataIsLoaded) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  Connection redis(Opts());
  Pipeline writes;
  // Values over 1 KiB: loading answers waiting clients after every key (the interval below), as
  // it does every few milliseconds with real data.
  const std::string filler(1100, '.');
  for (int i = 0; i < 300; ++i) {
    writes.Add({"SET", absl::StrCat("k", i), absl::StrCat("v", i, filler)});
  }
  ASSERT_TRUE(redis.Execute(writes).ok());
  // Into the RDB base of the append-only file, whose loading key-load-delay slows down.
  ASSERT_TRUE(redis.Command({"BGREWRITEAOF"}).ok());
  ASSERT_TRUE(ipraktik::testing::Eventually([&] {
    auto info = redis.Command({"INFO", "persistence"});
    return info.ok() && info->str().find("aof_rewrite_in_progress:0") != std::string::npos &&
           info->str().find("aof_rewrite_scheduled:0") != std::string::npos;
  }));
  ASSERT_NO_FATAL_FAILURE(Shutdown());
  // 300 keys at 3 ms each: about a second of LOADING.
  ASSERT_NO_FATAL_FAILURE(
      Start({"--key-load-delay", "3000", "--loading-process-events-interval-bytes", "1024"}));
  // Redis is loading (so the commands below meet it).
  EXPECT_THAT(
      ipraktik::testing::RunCommand(absl::StrCat("redis-cli -p ", port_.first(), " GET k1 2>&1")),
      ::testing::HasSubstr("LOADING"));
  // A caller that may wait no longer than 100 ms is told UNAVAILABLE, naming the reason.
  Options impatient = Opts();
  impatient.command_timeout = absl::Milliseconds(100);
  auto refused = Connection(impatient).Command({"GET", "k1"}, Retry::kIdempotent);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("LOADING"));
  // With the default command timeout (2 s) the connection that was open before the restart
  // reconnects, waits for the data and reads it; a write (never retried after it was sent)
  // is not lost to LOADING either.
  auto read = redis.Command({"GET", "k299"}, Retry::kIdempotent);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, Reply::String(absl::StrCat("v299", filler)));
  EXPECT_EQ(*redis.Command({"INCR", "counter"}), Reply::Integer(1));
}

}  // namespace
}  // namespace ipraktik::store
