#include "scheduling_repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/events/event_script.h"
#include "notification_keys.h"

namespace ipraktik::notification {
namespace {

// KEYS: revision key. ARGV: revision, retention.
constexpr char kRevisionScript[] = R"lua(
local seen = tonumber(redis.call('GET', KEYS[1]) or '-1')
local revision = tonumber(ARGV[1])
if revision < seen then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

// KEYS: reminders index, reminder. ARGV: id, due, source event, revision, kind, retention.
constexpr char kScheduleScript[] = R"lua(
local current = tonumber(redis.call('HGET', KEYS[2], 'revision') or '-1')
if tonumber(ARGV[4]) < current then return 0 end
redis.call('HSET', KEYS[2], 'reminder_id', ARGV[1], 'due', ARGV[2], 'source_event_id', ARGV[3],
           'revision', ARGV[4], 'kind', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
)lua";

// KEYS: reminders index, reminder. ARGV: id, revision, exact (1: only that revision). Emits its
// events (a handed-on reminder's) only when it removed the reminder.
constexpr char kCancelScript[] = R"lua(
local current = tonumber(redis.call('HGET', KEYS[2], 'revision') or '-1')
if current < 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  skip_events()
  return 0
end
local revision = tonumber(ARGV[2])
if (ARGV[3] == '1' and current ~= revision) or current > revision then
  skip_events()
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
)lua";

}  // namespace

struct SchedulingRepository::Scripts {
  store::Script revision{kRevisionScript};
  store::Script schedule{kScheduleScript};
  events::EventScript cancel{kCancelScript};
};

SchedulingRepository::SchedulingRepository(store::Pool& redis, outbox::Outbox& outbox,
                                           absl::Duration retention)
    : redis_(redis),
      outbox_(outbox),
      retention_(retention),
      scripts_(std::make_unique<Scripts>()) {}

SchedulingRepository::~SchedulingRepository() = default;

absl::Status SchedulingRepository::SaveEvent(const std::string& tenant, const std::string& event_id,
                                             const std::string& envelope,
                                             const std::set<std::string>& people) {
  RedisBatch batch(redis_);
  if (auto status = SaveEvent(batch, tenant, event_id, envelope, people); !status.ok()) {
    return status;
  }
  return batch.Execute();
}

absl::Status SchedulingRepository::SaveEvent(RedisBatch& batch, const std::string& tenant,
                                             const std::string& event_id,
                                             const std::string& envelope,
                                             const std::set<std::string>& people) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  store::Pipeline writes;
  writes.Add({"SET", keys->Event(event_id), envelope, "PX", Millis(retention_)});
  for (const std::string& person : people) {
    writes.Add({"SADD", keys->Mentions(person), event_id});
    writes.Add({"PEXPIRE", keys->Mentions(person), Millis(retention_)});
  }
  batch.Add(writes);
  return absl::OkStatus();
}

absl::Status SchedulingRepository::ReplaceEvent(const std::string& tenant,
                                                const std::string& event_id,
                                                const std::string& envelope) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"SET", keys->Event(event_id), envelope, "XX", "KEEPTTL"},
                              store::Retry::kIdempotent);
  return reply.ok() ? reply->ToStatus() : reply.status();
}

absl::StatusOr<std::vector<std::string>> SchedulingRepository::EventsNaming(
    const std::string& tenant, const std::string& participant_id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply =
      redis_.Command({"SMEMBERS", keys->Mentions(participant_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const store::Reply& id : reply->elements()) ids.push_back(id.str());
  return ids;
}

absl::Status SchedulingRepository::ForgetMentions(const std::string& tenant,
                                                  const std::string& participant_id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"DEL", keys->Mentions(participant_id)}, store::Retry::kIdempotent);
  return reply.ok() ? reply->ToStatus() : reply.status();
}

absl::StatusOr<std::optional<std::string>> SchedulingRepository::LoadEvent(
    const std::string& tenant, const std::string& event_id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"GET", keys->Event(event_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::nullopt;
  return reply->str();
}

absl::StatusOr<bool> SchedulingRepository::AcceptRevision(const std::string& tenant,
                                                          const std::string& scope,
                                                          const std::string& id,
                                                          std::int64_t revision) {
  RedisBatch batch(redis_);
  bool accepted = false;
  if (auto status = AcceptRevision(batch, tenant, scope, id, revision, accepted); !status.ok()) {
    return status;
  }
  if (auto status = batch.Execute(); !status.ok()) return status;
  return accepted;
}

absl::Status SchedulingRepository::AcceptRevision(RedisBatch& batch, const std::string& tenant,
                                                  const std::string& scope, const std::string& id,
                                                  std::int64_t revision, bool& accepted) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  store::Pipeline check;
  check.AddScript(scripts_->revision, {keys->Revision(scope, id)},
                  {absl::StrCat(revision), Millis(retention_)});
  batch.Add(check, [&accepted](std::span<const store::Reply> replies) {
    if (auto status = replies[0].ToStatus(); !status.ok()) return status;
    accepted = replies[0].integer() == 1;
    return absl::OkStatus();
  });
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> SchedulingRepository::LatestRevision(const std::string& tenant,
                                                                  const std::string& scope,
                                                                  const std::string& id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"GET", keys->Revision(scope, id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::int64_t revision = -1;
  if (!reply->is_nil() && !absl::SimpleAtoi(reply->str(), &revision)) {
    return absl::DataLossError(absl::StrCat("revision ", scope, " is not a number"));
  }
  return revision;
}

absl::Status SchedulingRepository::ScheduleReminder(const std::string& tenant,
                                                    const Reminder& reminder) {
  RedisBatch batch(redis_);
  if (auto status = ScheduleReminder(batch, tenant, reminder); !status.ok()) return status;
  return batch.Execute();
}

absl::Status SchedulingRepository::ScheduleReminder(RedisBatch& batch, const std::string& tenant,
                                                    const Reminder& reminder) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  store::Pipeline schedule;
  schedule.AddScript(scripts_->schedule,
                     {keys->Reminders(), keys->ReminderKey(reminder.reminder_id)},
                     {reminder.reminder_id, Millis(reminder.due), reminder.source_event_id,
                      absl::StrCat(reminder.revision), reminder.kind, Millis(retention_)});
  batch.Add(schedule);
  return absl::OkStatus();
}

absl::Status SchedulingRepository::CancelReminder(const std::string& tenant,
                                                  const std::string& reminder_id,
                                                  std::int64_t revision) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto outcome = outbox_.Commit(scripts_->cancel, tenant,
                                {.keys = {keys->Reminders(), keys->ReminderKey(reminder_id)},
                                 .args = {reminder_id, absl::StrCat(revision), "0"}});
  return outcome.status();
}

absl::StatusOr<std::vector<Reminder>> SchedulingRepository::DueReminders(const std::string& tenant,
                                                                         absl::Time now,
                                                                         int limit) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto ids = redis_.Command(
      {"ZRANGEBYSCORE", keys->Reminders(), "-inf", Millis(now), "LIMIT", "0", absl::StrCat(limit)},
      store::Retry::kIdempotent);
  if (!ids.ok()) return ids.status();
  std::vector<Reminder> reminders;
  if (ids->elements().empty()) return reminders;
  store::Pipeline pipeline;
  for (const auto& id : ids->elements()) pipeline.Add({"HGETALL", keys->ReminderKey(id.str())});
  auto hashes = redis_.Execute(pipeline, store::Retry::kIdempotent);
  if (!hashes.ok()) return hashes.status();
  for (std::size_t i = 0; i < hashes->size(); ++i) {
    auto fields = HashOf((*hashes)[i]);
    if (fields.empty()) {
      // The reminder's record expired: drop it from the schedule.
      (void)redis_.Command({"ZREM", keys->Reminders(), ids->elements()[i].str()});
      continue;
    }
    reminders.push_back({.reminder_id = fields["reminder_id"],
                         .source_event_id = fields["source_event_id"],
                         .revision = ToInt(fields["revision"]),
                         .kind = fields["kind"],
                         .due = absl::FromUnixMillis(ToInt(fields["due"]))});
  }
  return reminders;
}

absl::StatusOr<bool> SchedulingRepository::HandOn(const std::string& tenant,
                                                  const Reminder& reminder,
                                                  const events::Envelope& due) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto outcome =
      outbox_.Commit(scripts_->cancel, tenant,
                     {.keys = {keys->Reminders(), keys->ReminderKey(reminder.reminder_id)},
                      .args = {reminder.reminder_id, absl::StrCat(reminder.revision), "1"},
                      .events = {due}});
  if (!outcome.ok()) return outcome.status();
  return outcome->reply.integer() == 1;
}

absl::Status SchedulingRepository::RememberTenant(const std::string& tenant) {
  auto reply = redis_.Command({"SADD", kTenantsKey, tenant}, store::Retry::kIdempotent);
  return reply.ok() ? reply->ToStatus() : reply.status();
}

absl::StatusOr<std::vector<std::string>> SchedulingRepository::Tenants() {
  auto reply = redis_.Command({"SMEMBERS", kTenantsKey}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::vector<std::string> tenants;
  for (const auto& element : reply->elements()) tenants.push_back(element.str());
  return tenants;
}

}  // namespace ipraktik::notification
