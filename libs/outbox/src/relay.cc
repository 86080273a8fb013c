#include "ipraktik/outbox/relay.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/keys.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace ipraktik::outbox {
namespace {

constexpr std::string_view kGroup = "relay";
constexpr std::size_t kMaxBatchSize = 1000;  // keeps the ack script's unpack() well in bounds

// KEYS[1] lease; ARGV[1] replica id, ARGV[2] TTL in ms. 1 when this replica holds the lease.
constexpr char kHoldLeaseLua[] = R"lua(
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
)lua";

// KEYS[1] lease; ARGV[1] replica id.
constexpr char kReleaseLeaseLua[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// KEYS[1] stream; ARGV[1] group, ARGV[2..] entry ids: acknowledged and deleted together, so a
// published entry never stays in the stream without being pending (or the other way round).
constexpr char kAcknowledgeLua[] = R"lua(
local ids = {unpack(ARGV, 2)}
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
return redis.call('XDEL', KEYS[1], unpack(ids))
)lua";

// KEYS[1] stream, KEYS[2] dead-letter stream; ARGV[1] group, ARGV[2] entry id, ARGV[3] reason,
// ARGV[4..] the entry's fields and values.
constexpr char kDeadLetterLua[] = R"lua(
local fields = {unpack(ARGV, 4)}
redis.call('XADD', KEYS[2], '*', 'original_id', ARGV[2], 'reason', ARGV[3], unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
)lua";

// Milliseconds of a stream entry id "<ms>-<seq>".
std::optional<std::int64_t> EntryMillis(std::string_view id) {
  std::int64_t millis = 0;
  const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), millis);
  if (error != std::errc() || end == id.data()) return std::nullopt;
  return millis;
}

}  // namespace

class RelayMetrics {
 public:
  explicit RelayMetrics(prometheus::Registry* registry) {
    if (registry == nullptr) return;
    auto counter = [&](const char* name, const char* help) {
      return &prometheus::BuildCounter().Name(name).Help(help).Register(*registry).Add({});
    };
    auto gauge = [&](const char* name, const char* help) {
      return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry).Add({});
    };
    published_ = counter("ipraktik_outbox_published_total",
                         "Outbox entries published (the callback succeeded)");
    failures_ = counter("ipraktik_outbox_publish_failures_total",
                        "Outbox publish attempts that failed and will be retried");
    dead_lettered_ = counter("ipraktik_outbox_dead_lettered_total",
                             "Outbox entries moved to the dead-letter stream as unreadable");
    claimed_ = counter("ipraktik_outbox_claimed_total",
                       "Pending outbox entries taken over: retries, or a dead replica's batch");
    backlog_ = gauge("ipraktik_outbox_backlog_events",
                     "Outbox entries not yet published, over all tenants, at the last pass");
    lag_ = gauge("ipraktik_outbox_lag_seconds",
                 "Age of the oldest unpublished outbox entry at the last pass");
    tenants_ = gauge("ipraktik_outbox_tenants", "Tenants whose outbox this relay watches");
  }

  void Published() { Increment(published_); }
  void Failed() { Increment(failures_); }
  void DeadLettered() { Increment(dead_lettered_); }
  void Claimed(std::size_t entries) { Increment(claimed_, static_cast<double>(entries)); }
  void Pass(std::int64_t backlog, absl::Duration lag, std::size_t tenants) {
    if (backlog_ == nullptr) return;
    backlog_->Set(static_cast<double>(backlog));
    lag_->Set(absl::ToDoubleSeconds(lag));
    tenants_->Set(static_cast<double>(tenants));
  }

 private:
  static void Increment(prometheus::Counter* counter, double by = 1) {
    if (counter != nullptr) counter->Increment(by);
  }

  prometheus::Counter* published_ = nullptr;
  prometheus::Counter* failures_ = nullptr;
  prometheus::Counter* dead_lettered_ = nullptr;
  prometheus::Counter* claimed_ = nullptr;
  prometheus::Gauge* backlog_ = nullptr;
  prometheus::Gauge* lag_ = nullptr;
  prometheus::Gauge* tenants_ = nullptr;
};

struct Relay::Scripts {
  store::Script hold_lease{kHoldLeaseLua};
  store::Script release_lease{kReleaseLeaseLua};
  store::Script acknowledge{kAcknowledgeLua};
  store::Script dead_letter{kDeadLetterLua};
};

Relay::Relay(store::Pool& redis, std::string publisher, Publish publish, logging::Logger logger,
             RelayOptions options)
    : redis_(redis),
      publisher_(std::move(publisher)),
      publish_(std::move(publish)),
      logger_(std::move(logger)),
      options_(std::move(options)),
      metrics_(std::make_unique<RelayMetrics>(options_.registry)),
      scripts_(std::make_unique<Scripts>()) {
  if (options_.replica_id.empty()) options_.replica_id = "relay-" + events::NewEventId();
  options_.batch_size = std::clamp<std::size_t>(options_.batch_size, 1, kMaxBatchSize);
  options_.batches_per_pass = std::max(1, options_.batches_per_pass);
}

Relay::Relay(store::Pool& redis, std::string publisher, PublishBatch publish_batch,
             logging::Logger logger, RelayOptions options)
    : Relay(redis, std::move(publisher), Publish(), std::move(logger), std::move(options)) {
  publish_batch_ = std::move(publish_batch);
}

Relay::~Relay() { Stop(); }

void Relay::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread(&Relay::Loop, this);
}

void Relay::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  ReleaseLeases();
}

void Relay::Loop() {
  int failures = 0;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    absl::StatusOr<std::size_t> published = RunOnce();
    lock.lock();
    absl::Duration pause = absl::ZeroDuration();
    if (!published.ok()) {
      if (++failures == 1) {
        logger_.Warning("outbox relay pass failed; backing off",
                        {{"error", std::string(published.status().message())}});
      }
      pause = std::max(options_.poll_interval, BackoffAfter(failures));
    } else {
      if (failures > 0) logger_.Info("outbox relay passes succeed again");
      failures = 0;
      if (*published == 0) {
        pause = options_.poll_interval;
      } else if (*published < options_.batch_size) {
        pause = std::min(options_.gather_delay, options_.poll_interval);
      }
    }
    if (pause > absl::ZeroDuration()) {
      wake_.wait_for(lock, absl::ToChronoNanoseconds(pause), [this] { return stopping_; });
    }
  }
}

absl::Duration Relay::BackoffAfter(int failures) const {
  absl::Duration delay = options_.initial_backoff;
  for (int i = 1; i < failures && delay < options_.max_backoff; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff);
}

absl::Status Relay::RefreshTenants() {
  absl::StatusOr<store::Reply> members =
      redis_.Command({"SMEMBERS", kTenantRegistryKey}, store::Retry::kIdempotent);
  if (!members.ok()) return members.status();
  for (const store::Reply& member : members->elements()) {
    if (store::ValidateTenant(member.str()).ok()) tenants_.insert(member.str());
  }
  // Commits register their tenant before their first event, so the registry names every
  // stream unless it was lost (or written by a version that registered after the commit): a
  // SCAN of the keyspace finds those. It goes slowly, a small page at a time: pages of 1,000
  // keys back to back stalled a service's own Redis calls for 250 ms at 165,000 keys on 2
  // cores, and one such page per pass still blocked Redis for 1.6 ms at a time, 60 times a
  // second while the relay was busy (9 % of Redis's time at 1,000 sign-ups a second).
  // On a cluster this SCAN would have to visit every master.
  const absl::Time now = absl::Now();
  if (scan_cursor_.empty()) {
    if (now - last_scan_ < options_.rescan_interval) return absl::OkStatus();
    scan_cursor_ = "0";
  }
  if (now - last_scan_page_ < options_.scan_page_interval) return absl::OkStatus();
  last_scan_page_ = now;
  absl::StatusOr<store::Reply> page = redis_.Command(
      {"SCAN", scan_cursor_, "MATCH", absl::StrCat("ipraktik:{*}:outbox:", publisher_), "COUNT",
       "100", "TYPE", "stream"},
      store::Retry::kIdempotent);
  if (!page.ok()) return page.status();
  if (page->elements().size() != 2) return absl::InternalError("redis: unexpected SCAN reply");
  for (const store::Reply& key : page->elements()[1].elements()) {
    std::optional<std::string> tenant = store::TenantOfKey(key.str());
    if (!tenant.has_value() || tenants_.contains(*tenant)) continue;
    logger_.Info("outbox relay found a tenant missing from the registry", {{"tenant", *tenant}});
    tenants_.insert(*tenant);
    // Repairs the registry; a failure only means the next scan finds it again.
    (void)redis_.Command({"SADD", kTenantRegistryKey, *tenant}, store::Retry::kIdempotent);
  }
  scan_cursor_ = page->elements()[0].str();
  if (scan_cursor_ == "0") {
    scan_cursor_.clear();  // the scan is complete
    last_scan_ = now;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::size_t> Relay::RunOnce() {
  if (absl::Status status = RefreshTenants(); !status.ok()) return status;
  const std::vector<std::string> tenants(tenants_.begin(), tenants_.end());
  if (tenants.empty()) {
    metrics_->Pass(0, absl::ZeroDuration(), 0);
    return 0;
  }
  // Each tenant's backlog and oldest entry, in one round trip.
  store::Pipeline survey;
  for (const std::string& tenant : tenants) {
    const std::string stream = StreamKey(*store::TenantKeys::For(tenant), publisher_);
    survey.Add({"XLEN", stream}).Add({"XRANGE", stream, "-", "+", "COUNT", "1"});
  }
  absl::StatusOr<std::vector<store::Reply>> replies =
      redis_.Execute(survey, store::Retry::kIdempotent);
  if (!replies.ok()) return replies.status();

  const absl::Time now = absl::Now();
  std::int64_t backlog = 0;
  absl::Duration lag = absl::ZeroDuration();
  std::vector<std::string> waiting;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const std::int64_t length = (*replies)[2 * i].integer();
    if (length <= 0) continue;
    backlog += length;
    waiting.push_back(tenants[i]);
    const store::Reply& oldest = (*replies)[2 * i + 1];
    if (!oldest.elements().empty() && !oldest.elements()[0].elements().empty()) {
      if (auto millis = EntryMillis(oldest.elements()[0].elements()[0].str())) {
        lag = std::max(lag, now - absl::FromUnixMillis(*millis));
      }
    }
  }
  metrics_->Pass(backlog, lag, tenants.size());

  std::size_t published = 0;
  for (const std::string& tenant : waiting) {
    auto backoff = backoff_.find(tenant);
    if (backoff != backoff_.end() && now < backoff->second.next_attempt) continue;
    absl::StatusOr<std::size_t> count = PublishTenant(tenant);
    if (!count.ok()) return count.status();
    published += *count;
  }
  return published;
}

absl::StatusOr<bool> Relay::HoldLease(const std::string& tenant) {
  const std::string lease = LeaseKey(*store::TenantKeys::For(tenant), publisher_);
  absl::StatusOr<store::Reply> held = redis_.Eval(
      scripts_->hold_lease, {lease},
      {options_.replica_id, absl::StrCat(absl::ToInt64Milliseconds(options_.lease_ttl))},
      store::Retry::kIdempotent);
  if (!held.ok()) return held.status();
  if (held->integer() == 1) {
    leases_.insert(tenant);
    return true;
  }
  leases_.erase(tenant);
  return false;
}

void Relay::ReleaseLease(const std::string& tenant) {
  const std::string lease = LeaseKey(*store::TenantKeys::For(tenant), publisher_);
  // Best effort: an unreleased lease expires after lease_ttl anyway.
  (void)redis_.Eval(scripts_->release_lease, {lease}, {options_.replica_id},
                    store::Retry::kIdempotent);
  leases_.erase(tenant);
}

void Relay::ReleaseLeases() {
  while (!leases_.empty()) ReleaseLease(*leases_.begin());
}

absl::Status Relay::EnsureGroup(const std::string& tenant, const std::string& stream) {
  if (groups_ready_.contains(tenant)) return absl::OkStatus();
  // From id 0, so entries written before the group existed are published too.
  absl::StatusOr<store::Reply> created =
      redis_.Command({"XGROUP", "CREATE", stream, kGroup, "0", "MKSTREAM"});
  if (!created.ok() && created.status().message().find("BUSYGROUP") == absl::string_view::npos) {
    return created.status();
  }
  groups_ready_.insert(tenant);
  return absl::OkStatus();
}

namespace {

// Entries of an XREADGROUP / XAUTOCLAIM reply: [[id, [field, value, ...]], ...]. Deleted entries
// (nil fields) are left out.
template <typename Entry>
std::vector<Entry> ParseEntries(const store::Reply& list) {
  std::vector<Entry> entries;
  for (const store::Reply& item : list.elements()) {
    if (item.elements().size() != 2 || !item.elements()[1].is_array()) continue;
    Entry entry;
    entry.id = item.elements()[0].str();
    const std::vector<store::Reply>& fields = item.elements()[1].elements();
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      entry.fields.emplace(fields[i].str(), fields[i + 1].str());
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

absl::StatusOr<std::vector<Relay::Entry>> Relay::NextBatch(const std::string& tenant,
                                                           const std::string& stream) {
  const std::string count = absl::StrCat(options_.batch_size);
  // Holding the lease, this replica is the only one serving the tenant: every pending entry is
  // its to publish, its own earlier failures and a dead replica's batch alike, and they all come
  // before anything never delivered. Re-claiming after a lost reply is harmless.
  absl::StatusOr<store::Reply> claimed = redis_.Command(
      {"XAUTOCLAIM", stream, kGroup, options_.replica_id, "0", "0-0", "COUNT", count},
      store::Retry::kIdempotent);
  if (!claimed.ok()) {
    if (claimed.status().message().find("NOGROUP") != absl::string_view::npos) {
      groups_ready_.erase(tenant);  // the stream was deleted or Redis lost its data
    }
    return claimed.status();
  }
  if (claimed->elements().size() >= 2) {
    std::vector<Entry> entries = ParseEntries<Entry>(claimed->elements()[1]);
    if (!entries.empty()) {
      metrics_->Claimed(entries.size());
      return entries;
    }
  }
  // Retrying after a lost reply leaves the entries pending with this replica: the next
  // XAUTOCLAIM hands them over again, so nothing is lost.
  absl::StatusOr<store::Reply> fresh = redis_.Command(
      {"XREADGROUP", "GROUP", kGroup, options_.replica_id, "COUNT", count, "STREAMS", stream, ">"},
      store::Retry::kIdempotent);
  if (!fresh.ok()) return fresh.status();
  if (fresh->elements().empty() || fresh->elements()[0].elements().size() != 2) {
    return std::vector<Entry>();
  }
  return ParseEntries<Entry>(fresh->elements()[0].elements()[1]);
}

absl::Status Relay::Acknowledge(const std::string& stream, const std::vector<std::string>& ids) {
  if (ids.empty()) return absl::OkStatus();
  std::vector<std::string> args = {std::string(kGroup)};
  args.insert(args.end(), ids.begin(), ids.end());
  absl::StatusOr<store::Reply> done =
      redis_.Eval(scripts_->acknowledge, {stream}, args, store::Retry::kIdempotent);
  return done.ok() ? absl::OkStatus() : done.status();
}

absl::Status Relay::DeadLetter(const std::string& tenant, const Entry& entry,
                               std::string_view reason) {
  const store::TenantKeys keys = *store::TenantKeys::For(tenant);
  std::vector<std::string> args = {std::string(kGroup), entry.id, std::string(reason)};
  for (const auto& [field, value] : entry.fields) {
    args.push_back(field);
    args.push_back(value);
  }
  absl::StatusOr<store::Reply> moved = redis_.Eval(
      scripts_->dead_letter, {StreamKey(keys, publisher_), DeadLetterKey(keys, publisher_)}, args);
  if (!moved.ok()) return moved.status();
  metrics_->DeadLettered();
  logger_.WithTenant(tenant).Error("outbox entry is not a valid event; moved to the dead letters",
                                   {{"entry", entry.id}, {"reason", reason}});
  return absl::OkStatus();
}

absl::Status Relay::PublishOne(const events::Envelope& event, std::string_view serialized) {
  // The callback is the service's code: an exception must not end the relay thread.
  try {
    return publish_(event, serialized);
  } catch (const std::exception& error) {
    return absl::InternalError(absl::StrCat("outbox publish callback threw: ", error.what()));
  } catch (...) {
    return absl::InternalError("outbox publish callback threw");
  }
}

absl::StatusOr<absl::Status> Relay::PublishWhole(const std::string& tenant,
                                                 const std::vector<Entry>& entries,
                                                 std::vector<std::string>& done) {
  std::vector<events::Envelope> batch;
  std::vector<std::string_view> serialized;
  std::vector<std::string> ids;
  for (const Entry& entry : entries) {
    auto bytes = entry.fields.find(events::kEntryEnvelopeField);
    absl::StatusOr<events::Envelope> event = bytes == entry.fields.end()
                                                 ? absl::InvalidArgumentError("no envelope field")
                                                 : events::ParseEnvelope(bytes->second);
    if (!event.ok() || event->tenant() != tenant) {
      const std::string reason =
          event.ok() ? absl::StrCat("event of tenant ", event->tenant(), " in this outbox")
                     : std::string(event.status().message());
      if (absl::Status s = DeadLetter(tenant, entry, reason); !s.ok()) return s;
      continue;
    }
    batch.push_back(*std::move(event));
    serialized.push_back(bytes->second);
    ids.push_back(entry.id);
  }
  if (batch.empty()) return absl::OkStatus();
  absl::Status sent;
  // The callback is the service's code: an exception must not end the relay thread.
  try {
    sent = publish_batch_(batch, serialized);
  } catch (const std::exception& error) {
    sent = absl::InternalError(absl::StrCat("outbox publish callback threw: ", error.what()));
  } catch (...) {
    sent = absl::InternalError("outbox publish callback threw");
  }
  if (!sent.ok()) {
    metrics_->Failed();
    logger_.WithTenant(tenant).Warning("outbox batch publish failed; retrying after a backoff",
                                       {{"events", static_cast<std::int64_t>(batch.size())},
                                        {"first_event_id", batch.front().id()},
                                        {"error", std::string(sent.message())}});
    return sent;
  }
  for (std::size_t i = 0; i < ids.size(); ++i) metrics_->Published();
  done.insert(done.end(), ids.begin(), ids.end());
  return absl::OkStatus();
}

absl::StatusOr<std::size_t> Relay::PublishTenant(const std::string& tenant) {
  const std::string stream = StreamKey(*store::TenantKeys::For(tenant), publisher_);
  absl::StatusOr<bool> held = HoldLease(tenant);
  if (!held.ok()) return held.status();
  if (!*held) return 0;  // another replica serves this tenant now
  if (absl::Status status = EnsureGroup(tenant, stream); !status.ok()) return status;

  std::size_t published = 0;
  bool drained = false;
  for (int batch = 0; batch < options_.batches_per_pass; ++batch) {
    absl::StatusOr<std::vector<Entry>> entries = NextBatch(tenant, stream);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) {
      drained = true;
      break;
    }

    std::vector<std::string> done;
    std::optional<absl::Status> failure;
    if (publish_batch_) {
      absl::StatusOr<absl::Status> sent = PublishWhole(tenant, *entries, done);
      if (!sent.ok()) return sent.status();
      if (!sent->ok()) failure = *std::move(sent);
      published += done.size();
    }
    std::span<const Entry> one_by_one =
        publish_batch_ ? std::span<const Entry>() : std::span<const Entry>(*entries);
    for (const Entry& entry : one_by_one) {
      auto bytes = entry.fields.find(events::kEntryEnvelopeField);
      if (bytes == entry.fields.end()) {
        if (absl::Status s = DeadLetter(tenant, entry, "no envelope field"); !s.ok()) return s;
        continue;
      }
      absl::StatusOr<events::Envelope> event = events::ParseEnvelope(bytes->second);
      if (!event.ok() || event->tenant() != tenant) {
        const std::string reason =
            event.ok() ? absl::StrCat("event of tenant ", event->tenant(), " in this outbox")
                       : std::string(event.status().message());
        if (absl::Status s = DeadLetter(tenant, entry, reason); !s.ok()) return s;
        continue;
      }
      absl::Status sent = PublishOne(*event, bytes->second);
      if (!sent.ok()) {
        failure = std::move(sent);
        metrics_->Failed();
        logger_.WithTenant(tenant).Warning("outbox publish failed; retrying after a backoff",
                                           {{"event_id", event->id()},
                                            {"type", event->type()},
                                            {"error", std::string(failure->message())}});
        break;
      }
      done.push_back(entry.id);
      metrics_->Published();
      ++published;
    }
    if (absl::Status status = Acknowledge(stream, done); !status.ok()) return status;
    if (failure.has_value()) {
      // Progress before the failure suggests a problem with one event rather than with the
      // broker: retry soon. No progress: back off further each time.
      Backoff& backoff = backoff_[tenant];
      backoff.failures = done.empty() ? backoff.failures + 1 : 1;
      backoff.next_attempt = absl::Now() + BackoffAfter(backoff.failures);
      return published;
    }
    backoff_.erase(tenant);
    if (entries->size() < options_.batch_size) {
      drained = true;
      break;
    }
    absl::StatusOr<bool> renewed = HoldLease(tenant);
    if (!renewed.ok()) return renewed.status();
    if (!*renewed) break;
  }
  // Everything acknowledged: the tenant may go to whichever replica sees its next entry first,
  // which spreads tenants over replicas and leaves a crashed replica holding few leases.
  if (drained) ReleaseLease(tenant);
  return published;
}

}  // namespace ipraktik::outbox
