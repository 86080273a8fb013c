// Figures for docs/store-and-events.md: round trips, pipelines, Lua scripts through the pool, the
// outbox commit and the relay, each against a private redis-server on loopback.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/store/connection.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "local_servers.h"

namespace ipraktik {
namespace {

void Report(const char* what, std::int64_t operations, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::printf("%-58s %9.0f ops/s  %8.1f us/op\n", what, operations / seconds,
              seconds * 1e6 / operations);
}

// Runs body(thread, i) for i in [0, per_thread) on each of threads threads.
absl::Duration Timed(int threads, int per_thread, const std::function<void(int, int)>& body) {
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) body(t, i);
    });
  }
  for (std::thread& worker : workers) worker.join();
  return absl::Now() - start;
}

void Check(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "failed: %s\n", std::string(status.message()).c_str());
    std::exit(1);
  }
}

int Main() {
  testing::RedisServer server;
  store::Options options;
  options.port = server.port();
  options.pool_size = 8;
  store::Pool pool(options);
  store::Connection connection(options);

  constexpr int kRoundTrips = 20'000;
  Report("GET, one round trip each (1 connection)", kRoundTrips,
         Timed(1, kRoundTrips, [&](int, int) {
           Check(connection.Command({"GET", "k"}).status());
         }));

  constexpr int kPipelines = 100;
  constexpr int kPerPipeline = 1'000;
  Report("SET in pipelines of 1000 (1 connection)", kPipelines * kPerPipeline,
         Timed(1, kPipelines, [&](int, int p) {
           store::Pipeline pipeline;
           for (int i = 0; i < kPerPipeline; ++i) {
             pipeline.Add({"SET", absl::StrCat("p", p, ":", i), "v"});
           }
           Check(connection.Execute(pipeline).status());
         }));

  store::Script transfer(R"lua(
local balance = tonumber(redis.call('GET', KEYS[1]) or '0')
if balance < 1 then return redis.error_reply('FAILED_PRECONDITION empty') end
redis.call('DECRBY', KEYS[1], 1)
return redis.call('INCRBY', KEYS[2], 1)
)lua");
  const store::TenantKeys bank = *store::TenantKeys::For("bank");
  for (int i = 0; i < 16; ++i) {
    Check(pool.Command({"SET", bank.Key("account", absl::StrCat(i)), "1000000"}).status());
  }
  for (int threads : {1, 4, 8}) {
    constexpr int kTransfers = 10'000;
    const absl::Duration elapsed = Timed(threads, kTransfers / threads, [&](int t, int i) {
      Check(pool.Eval(transfer,
                      {bank.Key("account", absl::StrCat((t + i) % 16)),
                       bank.Key("account", absl::StrCat((t + i + 1) % 16))},
                      {})
                .status());
    });
    Report(absl::StrCat("Lua transfer (EVALSHA) through the pool, ", threads, " threads").c_str(),
           kTransfers, elapsed);
  }

  // The outbox: a state change plus one event per commit, then the relay draining it.
  const events::EventScript place(R"lua(
return redis.call('HINCRBY', KEYS[1], 'count', 1)
)lua");
  outbox::Outbox box(pool, "bench");
  v1::InternPlaced payload;
  payload.set_placement_id("pl-1");
  payload.mutable_intern()->set_name("Mette Frederiksen");
  payload.set_purpose("Digital citizen services across municipalities");
  const std::vector<std::string> tenants = {"kk", "odense", "aarhus", "aalborg"};
  for (int threads : {1, 4}) {
    constexpr int kCommits = 10'000;
    const absl::Duration elapsed = Timed(threads, kCommits / threads, [&](int t, int) {
      const std::string& tenant = tenants[t % tenants.size()];
      absl::StatusOr<events::Envelope> event =
          events::BuildEnvelope({.type = "matching.intern.placed", .tenant = tenant}, payload);
      Check(event.status());
      Check(box.Commit(place, tenant,
                       {.keys = {store::TenantKeys::For(tenant)->Key("placements")},
                        .events = {*event}})
                .status());
    });
    Report(absl::StrCat("outbox commit (change + event), ", threads, " threads").c_str(), kCommits,
           elapsed);
  }

  std::atomic<std::int64_t> published = 0;
  outbox::RelayOptions relay_options;
  relay_options.poll_interval = absl::Milliseconds(5);
  outbox::Relay relay(
      pool, box.publisher(),
      [&](const events::Envelope&, std::string_view) {
        ++published;
        return absl::OkStatus();
      },
      logging::Logger("store-bench", logging::Level::kError), relay_options);
  const absl::Time start = absl::Now();
  relay.Start();
  while (published < 20'000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const absl::Duration elapsed = absl::Now() - start;
  relay.Stop();
  Report("relay: entries published and deleted (4 tenants, no-op bus)", 20'000, elapsed);
  return 0;
}

}  // namespace
}  // namespace ipraktik

int main() { return ipraktik::Main(); }
