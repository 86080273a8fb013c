#pragma once

// The outbox relay: one per service replica, on its own thread, publishing the service's outbox
// stream of every tenant (outbox.h: the streams of one publisher) through a callback (the service
// plugs in its bus publisher) and deleting an entry only after the callback succeeded. Delivery
// is at least once; consumers dedupe by event id.
//
//   outbox::Relay relay(redis, "registration",
//                       [&](const events::Envelope& event, std::string_view bytes) {
//     return publisher.Publish(event.type(), bytes);   // returns once the broker confirmed
//   }, logger);
//   relay.Start();      // ... relay.Stop() (or the destructor) before the publisher goes away
//
// How it works (details in docs/store-and-events.md):
//   - tenants come from the registry set (outbox.h) plus a periodic SCAN for the publisher's
//     outbox streams;
//   - one pipelined round trip per pass reads each tenant's backlog (XLEN) and oldest entry;
//   - a tenant with a backlog is served by the replica holding its lease
//     (ipraktik:{<tenant>}:outbox:<publisher>:lease, renewed per batch, expiring after lease_ttl,
//     given up when the tenant's outbox is drained), so entries of one tenant are published in
//     order even with several replicas, and tenants spread over the replicas;
//   - entries are read through the consumer group "relay"; the lease holder first claims
//     (XAUTOCLAIM) every pending entry, those of a replica that died mid-batch included, then
//     reads new ones; after the callback succeeded for a prefix of the batch, that prefix is
//     acknowledged and deleted in one script;
//   - a failing callback stops the tenant's batch at that entry and retries it after a backoff
//     (doubling up to max_backoff); nothing is skipped, so order is kept;
//   - an entry that is not a valid envelope of its tenant goes to the stream's dead letters
//     (ipraktik:{<tenant>}:outbox:<publisher>:dead)
//     with the reason, so it cannot block the tenant forever.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/store/pool.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::outbox {

// Publishes one event; OK only when it is safely handed over (e.g. broker-confirmed). serialized
// is the envelope's wire form, ready to be a message body.
using Publish =
    std::function<absl::Status(const events::Envelope& event, std::string_view serialized)>;

// Publishes a batch of events (in outbox order), e.g. with bus::Publisher::PublishBatch, which
// waits once for all the broker's confirms: far more events per second than one at a time. OK
// only when every event is safely handed over; on an error none counts as published and the
// whole batch is offered again later (consumers dedupe by event id).
using PublishBatch = std::function<absl::Status(std::span<const events::Envelope> events,
                                                std::span<const std::string_view> serialized)>;

struct RelayOptions {
  // Names this replica in the consumer group and on its leases: unique per process. Empty: a
  // random "relay-<uuid>".
  std::string replica_id{};
  // Entries read, published and acknowledged together (1 to 1000).
  std::size_t batch_size = 100;
  // At most this many batches per tenant in one pass, so one busy tenant does not starve others.
  int batches_per_pass = 10;
  // Pause after a pass that found nothing to publish (the latency of an idle relay).
  absl::Duration poll_interval = absl::Milliseconds(100);
  // Pause after a pass that published less than a batch (the relay keeps up): events gather
  // meanwhile and go out in fewer, fuller passes. A pass costs about ten Redis round trips and a
  // confirm wait whatever it publishes; without the pause a relay publishing 2,000 events a
  // second made 120 passes a second of 16 events each.
  absl::Duration gather_delay = absl::Milliseconds(20);
  // How long a tenant stays with a replica that stopped renewing its lease (a crash).
  absl::Duration lease_ttl = absl::Seconds(15);
  // How often a keyspace SCAN starts looking for outbox streams missing from the registry (lost,
  // or written before commits registered their tenant first), and the pause between its pages of
  // 100 keys: a page blocks Redis for about 0.2 ms at 500,000 keys, so the scan goes slowly
  // (4,000 keys a second by default) rather than stall the service's own calls.
  absl::Duration rescan_interval = absl::Seconds(30);
  absl::Duration scan_page_interval = absl::Milliseconds(25);
  // Backoff after a failed publish (per tenant) or an unreachable Redis (whole relay).
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // When set: ipraktik_outbox_* metrics (docs/store-and-events.md). Must outlive the relay.
  prometheus::Registry* registry = nullptr;
};

class RelayMetrics;

class Relay {
 public:
  // redis must outlive the relay; publish is called on the relay's thread only. publisher: the
  // name the service's Outbox was made with; only its streams are published.
  Relay(store::Pool& redis, std::string publisher, Publish publish, logging::Logger logger,
        RelayOptions options = {});
  // The same, publishing each batch (up to batch_size entries) with one call.
  Relay(store::Pool& redis, std::string publisher, PublishBatch publish_batch,
        logging::Logger logger, RelayOptions options = {});
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Runs passes on a thread of its own until Stop().
  void Start();
  // Finishes the callback under way, stops the thread and gives up this replica's leases so
  // another replica takes over at once. Idempotent.
  void Stop();

  // One pass over every tenant; returns how many entries were published. For tests and for
  // callers driving the relay themselves: never while Start()ed.
  absl::StatusOr<std::size_t> RunOnce();

  const std::string& replica_id() const { return options_.replica_id; }

 private:
  struct Entry {
    std::string id;
    std::map<std::string, std::string, std::less<>> fields;
  };
  struct Backoff {
    int failures = 0;
    absl::Time next_attempt = absl::InfinitePast();
  };

  struct Scripts;

  void Loop();
  absl::Status RefreshTenants();
  absl::StatusOr<std::size_t> PublishTenant(const std::string& tenant);
  absl::StatusOr<bool> HoldLease(const std::string& tenant);
  void ReleaseLease(const std::string& tenant);
  void ReleaseLeases();
  absl::Status EnsureGroup(const std::string& tenant, const std::string& stream);
  absl::StatusOr<std::vector<Entry>> NextBatch(const std::string& tenant,
                                               const std::string& stream);
  absl::Status Acknowledge(const std::string& stream, const std::vector<std::string>& ids);
  absl::Status DeadLetter(const std::string& tenant, const Entry& entry, std::string_view reason);
  absl::Status PublishOne(const events::Envelope& event, std::string_view serialized);
  // Publishes the valid entries of a batch with publish_batch_ (dead-lettering the others) and
  // adds their ids to done; the callback's error when it failed (done then holds none of them).
  absl::StatusOr<absl::Status> PublishWhole(const std::string& tenant,
                                            const std::vector<Entry>& entries,
                                            std::vector<std::string>& done);
  absl::Duration BackoffAfter(int failures) const;

  store::Pool& redis_;
  std::string publisher_;
  Publish publish_;
  PublishBatch publish_batch_;  // when set, used instead of publish_
  logging::Logger logger_;
  RelayOptions options_;
  std::unique_ptr<RelayMetrics> metrics_;
  std::unique_ptr<Scripts> scripts_;

  // Used by the pass only (the relay thread, or the RunOnce caller).
  std::set<std::string> tenants_;
  std::set<std::string> groups_ready_;
  std::set<std::string> leases_;
  std::map<std::string, Backoff> backoff_;
  absl::Time last_scan_ = absl::InfinitePast();       // when the last scan completed
  absl::Time last_scan_page_ = absl::InfinitePast();  // when the last page was read
  std::string scan_cursor_;  // of the keyspace scan under way, one page per pass; empty: none

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ipraktik::outbox
