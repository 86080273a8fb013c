#include "delivery_repository.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::notification {
namespace {

// Message record fields written when the record is created (the rest the scripts maintain).
constexpr const char* kCreateFields[] = {
    "message_id", "event_id",       "event_type",      "kind",           "subject_key",
    "round_id",   "participant_id", "recipient_email", "recipient_name", "language"};

// KEYS: message, round index, participant index, failed index, round failed index, the
// recipient's erasure marker.
// ARGV: now (ms), lease (ms), owner, retention (ms), then field/value pairs for a new record.
// Returns {"claimed", resend} | {"busy", lease_until} | {"done", state}; {"done", "erased"} for
// a recipient whose data was erased (no record is made).
constexpr char kClaimScript[] = R"lua(
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local retention = tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[6]) == 1 then return {'done', 'erased'} end
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  redis.call('HSET', KEYS[1], 'state', 'sending', 'attempts', 1, 'resends', 0, 'created_at', now,
             'updated_at', now, 'lease_owner', ARGV[3], 'lease_until', now + lease)
  redis.call('PEXPIRE', KEYS[1], retention)
  for i = 2, 3 do
    redis.call('ZADD', KEYS[i], now, redis.call('HGET', KEYS[1], 'message_id'))
    redis.call('PEXPIRE', KEYS[i], retention)
  end
  return {'claimed', 0}
end
if state == 'sent' or state == 'failed' or state == 'unconfirmed' then return {'done', state} end
if state == 'sending' and redis.call('HGET', KEYS[1], 'lease_owner') == ARGV[3] then
  -- This very claim, resent after its reply was lost.
  return {'claimed', redis.call('HGET', KEYS[1], 'resends') or '0'}
end
if state == 'sending' or state == 'handed_over' then
  local lease_until = tonumber(redis.call('HGET', KEYS[1], 'lease_until') or '0')
  if lease_until > now then return {'busy', tostring(lease_until)} end
  if state == 'handed_over' then
    -- Its sender stopped after handing the whole message to the server: the server may have it,
    -- and sending it again could be a duplicate.
    redis.call('HSET', KEYS[1], 'state', 'unconfirmed', 'failure_reason', 'no_answer',
               'last_error', 'the sender stopped after handing the message to the server',
               'lease_owner', '', 'lease_until', 0, 'updated_at', now)
    local id = redis.call('HGET', KEYS[1], 'message_id')
    for i = 4, 5 do
      redis.call('ZADD', KEYS[i], now, id)
      redis.call('PEXPIRE', KEYS[i], retention)
    end
    return {'done', 'unconfirmed'}
  end
end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'state', 'sending', 'lease_owner', ARGV[3], 'lease_until', now + lease,
           'updated_at', now)
redis.call('PEXPIRE', KEYS[1], retention)
return {'claimed', redis.call('HGET', KEYS[1], 'resends') or '0'}
)lua";

// KEYS: message. ARGV: owner, now, lease.
constexpr char kHandOverScript[] = R"lua(
if redis.call('HGET', KEYS[1], 'lease_owner') ~= ARGV[1] or
   redis.call('HGET', KEYS[1], 'state') ~= 'sending' then
  return redis.error_reply('FAILED_PRECONDITION the claim on this message was lost')
end
redis.call('HSET', KEYS[1], 'state', 'handed_over', 'updated_at', ARGV[2],
           'lease_until', tonumber(ARGV[2]) + tonumber(ARGV[3]))
return 1
)lua";

// KEYS: message, failed index, round failed index.
// ARGV: owner, now, retention, state, failure_reason, last_error, smtp_code, subject, rfc822 id.
constexpr char kFinishScript[] = R"lua(
if redis.call('HGET', KEYS[1], 'lease_owner') ~= ARGV[1] then return 0 end
local now = ARGV[2]
local state = ARGV[4]
redis.call('HSET', KEYS[1], 'state', state, 'failure_reason', ARGV[5], 'last_error', ARGV[6],
           'smtp_code', ARGV[7], 'lease_owner', '', 'lease_until', 0, 'updated_at', now)
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'subject', ARGV[8]) end
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'rfc822_message_id', ARGV[9]) end
if state == 'sent' then redis.call('HSET', KEYS[1], 'sent_at', now) end
local id = redis.call('HGET', KEYS[1], 'message_id')
for i = 2, 3 do
  if state == 'failed' or state == 'unconfirmed' then
    redis.call('ZADD', KEYS[i], now, id)
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  else
    redis.call('ZREM', KEYS[i], id)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

// KEYS: message, failed index, round failed index. ARGV: now.
constexpr char kResendScript[] = R"lua(
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return redis.error_reply('NOT_FOUND no such message') end
if state == 'sending' or state == 'handed_over' then
  local lease_until = tonumber(redis.call('HGET', KEYS[1], 'lease_until') or '0')
  if lease_until > tonumber(ARGV[1]) then
    return redis.error_reply('FAILED_PRECONDITION the message is being sent right now')
  end
end
redis.call('HINCRBY', KEYS[1], 'resends', 1)
redis.call('HSET', KEYS[1], 'state', 'pending', 'failure_reason', '', 'last_error', '',
           'lease_owner', '', 'lease_until', 0, 'updated_at', ARGV[1])
local id = redis.call('HGET', KEYS[1], 'message_id')
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
return 1
)lua";

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

// KEYS: reminders index, reminder. ARGV: id, revision, exact (1: only that revision).
constexpr char kCancelScript[] = R"lua(
local current = tonumber(redis.call('HGET', KEYS[2], 'revision') or '-1')
if current < 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
local revision = tonumber(ARGV[2])
if (ARGV[3] == '1' and current ~= revision) or current > revision then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
)lua";

std::string Millis(absl::Time time) { return absl::StrCat(absl::ToUnixMillis(time)); }
std::string Millis(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Milliseconds(duration));
}

std::int64_t ToInt(const std::string& text) {
  std::int64_t value = 0;
  return absl::SimpleAtoi(text, &value) ? value : 0;
}

std::string IndexId(const std::string& id) { return id.empty() ? std::string("-") : id; }

DeliveryRecord RecordFrom(const std::map<std::string, std::string>& fields) {
  auto get = [&fields](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  DeliveryRecord record;
  record.message_id = get("message_id");
  record.event_id = get("event_id");
  record.event_type = get("event_type");
  record.kind = get("kind");
  record.subject_key = get("subject_key");
  record.round_id = get("round_id");
  record.participant_id = get("participant_id");
  record.recipient_email = get("recipient_email");
  record.recipient_name = get("recipient_name");
  record.language = get("language");
  record.subject = get("subject");
  record.state = get("state");
  record.attempts = static_cast<int>(ToInt(get("attempts")));
  record.resends = static_cast<int>(ToInt(get("resends")));
  record.failure_reason = get("failure_reason");
  record.last_error = get("last_error");
  record.smtp_code = static_cast<int>(ToInt(get("smtp_code")));
  record.rfc822_message_id = get("rfc822_message_id");
  record.created_at = absl::FromUnixMillis(ToInt(get("created_at")));
  record.updated_at = absl::FromUnixMillis(ToInt(get("updated_at")));
  if (!get("sent_at").empty()) record.sent_at = absl::FromUnixMillis(ToInt(get("sent_at")));
  return record;
}

std::map<std::string, std::string> HashOf(const store::Reply& reply) {
  std::map<std::string, std::string> fields;
  const auto& elements = reply.elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields[elements[i].str()] = elements[i + 1].str();
  }
  return fields;
}

}  // namespace

struct DeliveryRepository::Scripts {
  store::Script claim{kClaimScript};
  store::Script hand_over{kHandOverScript};
  store::Script finish{kFinishScript};
  store::Script resend{kResendScript};
  store::Script revision{kRevisionScript};
  store::Script schedule{kScheduleScript};
  store::Script cancel{kCancelScript};
};

namespace {

// The keys of one tenant's notification data.
struct Keys {
  store::TenantKeys tenant;
  std::string Message(const std::string& id) const {
    return tenant.Key("notification:message", id);
  }
  std::string Round(const std::string& id) const {
    return tenant.Key("notification:round", IndexId(id));
  }
  std::string RoundFailed(const std::string& id) const {
    return tenant.Key("notification:round-failed", IndexId(id));
  }
  std::string Participant(const std::string& id) const {
    return tenant.Key("notification:participant", IndexId(id));
  }
  std::string Failed() const { return tenant.Key("notification:failed"); }
  // Set when a participant's data is erased: nothing is sent to them any more.
  std::string Erased(const std::string& participant_id) const {
    return tenant.Key("notification:erased", participant_id);
  }
  std::string Event(const std::string& id) const { return tenant.Key("notification:event", id); }
  std::string Revision(const std::string& scope, const std::string& id) const {
    return tenant.Key("notification:revision", absl::StrCat(scope, ":", id));
  }
  std::string Reminders() const { return tenant.Key("notification:reminders"); }
  std::string ReminderKey(const std::string& id) const {
    return tenant.Key("notification:reminder", id);
  }
  std::string Settings() const { return tenant.Key("notification:settings"); }
};

absl::StatusOr<Keys> KeysFor(const std::string& tenant) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return Keys{*std::move(keys)};
}

// Not a tenant's key: the list of tenants itself.
constexpr char kTenantsKey[] = "ipraktik:notification:tenants";

}  // namespace

DeliveryRepository::DeliveryRepository(store::Pool& redis, absl::Duration retention)
    : redis_(redis), retention_(retention), scripts_(std::make_unique<Scripts>()) {}

DeliveryRepository::~DeliveryRepository() = default;

absl::StatusOr<Claim> DeliveryRepository::ClaimMessage(const std::string& tenant,
                                                       const DeliveryRecord& fields,
                                                       const std::string& owner, absl::Time now,
                                                       absl::Duration lease) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> args = {Millis(now), Millis(lease), owner, Millis(retention_)};
  const std::string values[] = {
      fields.message_id,     fields.event_id, fields.event_type,     fields.kind,
      fields.subject_key,    fields.round_id, fields.participant_id, fields.recipient_email,
      fields.recipient_name, fields.language};
  for (std::size_t i = 0; i < std::size(kCreateFields); ++i) {
    args.emplace_back(kCreateFields[i]);
    args.push_back(values[i]);
  }
  // Each claim has an owner of its own, so the script recognises itself when it is sent again
  // after a lost reply.
  auto reply =
      redis_.Eval(scripts_->claim,
                  {keys->Message(fields.message_id), keys->Round(fields.round_id),
                   keys->Participant(fields.participant_id), keys->Failed(),
                   keys->RoundFailed(fields.round_id), keys->Erased(fields.participant_id)},
                  args, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  const auto& parts = reply->elements();
  if (parts.size() != 2)
    return absl::InternalError("claim script answered " + reply->DebugString());
  Claim claim;
  const std::string& verdict = parts[0].str();
  if (verdict == "claimed") {
    claim.result = Claim::Result::kClaimed;
    claim.resend =
        static_cast<int>(parts[1].is_integer() ? parts[1].integer() : ToInt(parts[1].str()));
  } else if (verdict == "busy") {
    claim.result = Claim::Result::kBusy;
  } else {
    claim.result = Claim::Result::kDone;
    claim.state = parts[1].str();
  }
  return claim;
}

absl::Status DeliveryRepository::MarkHandedOver(const std::string& tenant,
                                                const std::string& message_id,
                                                const std::string& owner, absl::Time now,
                                                absl::Duration lease) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Eval(scripts_->hand_over, {keys->Message(message_id)},
                           {owner, Millis(now), Millis(lease)}, store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::Status DeliveryRepository::FinishMessage(const std::string& tenant,
                                               const std::string& message_id,
                                               const std::string& round_id,
                                               const std::string& owner, const Finish& finish,
                                               absl::Time now) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Eval(
      scripts_->finish, {keys->Message(message_id), keys->Failed(), keys->RoundFailed(round_id)},
      {owner, Millis(now), Millis(retention_), finish.state, finish.failure_reason,
       finish.last_error, absl::StrCat(finish.smtp_code), finish.subject, finish.rfc822_message_id},
      store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<DeliveryRecord> DeliveryRepository::RequestResend(const std::string& tenant,
                                                                 const std::string& message_id,
                                                                 absl::Time now) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto record = Get(tenant, message_id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return absl::NotFoundError(absl::StrCat("no message ", message_id));
  }
  auto reply = redis_.Eval(
      scripts_->resend,
      {keys->Message(message_id), keys->Failed(), keys->RoundFailed((*record)->round_id)},
      {Millis(now)}, store::Retry::kNever);
  if (!reply.ok()) return reply.status();
  auto updated = Get(tenant, message_id);
  if (!updated.ok()) return updated.status();
  if (!updated->has_value()) return absl::NotFoundError(absl::StrCat("no message ", message_id));
  return **updated;
}

absl::StatusOr<std::optional<DeliveryRecord>> DeliveryRepository::Get(
    const std::string& tenant, const std::string& message_id) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", keys->Message(message_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (reply->elements().empty()) return std::nullopt;
  return RecordFrom(HashOf(*reply));
}

absl::StatusOr<DeliveryPage> DeliveryRepository::List(const std::string& tenant,
                                                      const DeliveryFilter& filter, int page_size,
                                                      const std::string& page_token) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  std::int64_t offset = page_token.empty() ? 0 : ToInt(page_token);
  // The smallest index that answers the question; the other conditions filter its members.
  std::string index =
      !filter.round_id.empty()
          ? (filter.failed_only ? keys->RoundFailed(filter.round_id) : keys->Round(filter.round_id))
      : !filter.participant_id.empty() ? keys->Participant(filter.participant_id)
                                       : keys->Failed();
  DeliveryPage page;
  const std::int64_t batch = std::max(page_size, 50);
  while (static_cast<int>(page.records.size()) < page_size) {
    auto ids =
        redis_.Command({"ZREVRANGE", index, absl::StrCat(offset), absl::StrCat(offset + batch - 1)},
                       store::Retry::kIdempotent);
    if (!ids.ok()) return ids.status();
    if (ids->elements().empty()) return page;
    store::Pipeline pipeline;
    for (const auto& id : ids->elements()) pipeline.Add({"HGETALL", keys->Message(id.str())});
    auto hashes = redis_.Execute(pipeline, store::Retry::kIdempotent);
    if (!hashes.ok()) return hashes.status();
    for (std::size_t i = 0; i < hashes->size(); ++i) {
      ++offset;
      if ((*hashes)[i].elements().empty()) continue;  // expired
      DeliveryRecord record = RecordFrom(HashOf((*hashes)[i]));
      bool failed = record.state == kStateFailed || record.state == kStateUnconfirmed;
      if (filter.failed_only && !failed) continue;
      if (!filter.participant_id.empty() && record.participant_id != filter.participant_id)
        continue;
      if (!filter.round_id.empty() && record.round_id != filter.round_id) continue;
      page.records.push_back(std::move(record));
      if (static_cast<int>(page.records.size()) == page_size) {
        if (i + 1 < hashes->size() || static_cast<std::int64_t>(ids->elements().size()) == batch) {
          page.next_page_token = absl::StrCat(offset);
        }
        return page;
      }
    }
    if (static_cast<std::int64_t>(ids->elements().size()) < batch) return page;
  }
  return page;
}

absl::StatusOr<int> DeliveryRepository::EraseParticipant(const std::string& tenant,
                                                         const std::string& participant_id) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  // The marker first, so that nothing new goes out while the records go; every step may be
  // repeated, so an erasure interrupted half-way is finished by the redelivered event.
  if (auto marked =
          redis_.Command({"SET", keys->Erased(participant_id), "1", "PX", Millis(retention_)},
                         store::Retry::kIdempotent);
      !marked.ok()) {
    return marked.status();
  }
  auto ids = redis_.Command({"ZRANGE", keys->Participant(participant_id), "0", "-1"},
                            store::Retry::kIdempotent);
  if (!ids.ok()) return ids.status();
  store::Pipeline reads;
  for (const store::Reply& id : ids->elements()) {
    reads.Add({"HMGET", keys->Message(id.str()), "round_id", "event_id"});
  }
  auto found = redis_.Execute(reads, store::Retry::kIdempotent);
  if (!found.ok()) return found.status();
  store::Pipeline removals;
  for (std::size_t i = 0; i < found->size(); ++i) {
    const std::string id = ids->elements()[i].str();
    const auto& fields = (*found)[i].elements();
    if (fields.size() == 2 && !fields[0].is_nil()) {
      removals.Add({"ZREM", keys->Round(fields[0].str()), id});
      removals.Add({"ZREM", keys->RoundFailed(fields[0].str()), id});
    }
    // The event the message came from carries the person's card.
    if (fields.size() == 2 && !fields[1].is_nil())
      removals.Add({"DEL", keys->Event(fields[1].str())});
    removals.Add({"ZREM", keys->Failed(), id});
    removals.Add({"DEL", keys->Message(id)});
  }
  removals.Add({"DEL", keys->Participant(participant_id)});
  auto removed = redis_.Execute(removals, store::Retry::kIdempotent);
  if (!removed.ok()) return removed.status();
  for (const store::Reply& reply : *removed) {
    if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
  }
  return static_cast<int>(ids->elements().size());
}

absl::StatusOr<bool> DeliveryRepository::IsErased(const std::string& tenant,
                                                  const std::string& participant_id) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"EXISTS", keys->Erased(participant_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->integer() == 1;
}

absl::Status DeliveryRepository::SaveEvent(const std::string& tenant, const std::string& event_id,
                                           const std::string& envelope) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"SET", keys->Event(event_id), envelope, "PX", Millis(retention_)},
                              store::Retry::kIdempotent);
  return reply.ok() ? reply->ToStatus() : reply.status();
}

absl::StatusOr<std::optional<std::string>> DeliveryRepository::LoadEvent(
    const std::string& tenant, const std::string& event_id) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"GET", keys->Event(event_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return std::nullopt;
  return reply->str();
}

absl::StatusOr<bool> DeliveryRepository::AcceptRevision(const std::string& tenant,
                                                        const std::string& scope,
                                                        const std::string& id,
                                                        std::int64_t revision) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Eval(scripts_->revision, {keys->Revision(scope, id)},
                           {absl::StrCat(revision), Millis(retention_)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->integer() == 1;
}

absl::Status DeliveryRepository::ScheduleReminder(const std::string& tenant,
                                                  const Reminder& reminder) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply =
      redis_.Eval(scripts_->schedule, {keys->Reminders(), keys->ReminderKey(reminder.reminder_id)},
                  {reminder.reminder_id, Millis(reminder.due), reminder.source_event_id,
                   absl::StrCat(reminder.revision), reminder.kind, Millis(retention_)},
                  store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::Status DeliveryRepository::CancelReminder(const std::string& tenant,
                                                const std::string& reminder_id,
                                                std::int64_t revision) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Eval(scripts_->cancel, {keys->Reminders(), keys->ReminderKey(reminder_id)},
                           {reminder_id, absl::StrCat(revision), "0"}, store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<std::vector<Reminder>> DeliveryRepository::DueReminders(const std::string& tenant,
                                                                       absl::Time now, int limit) {
  auto keys = KeysFor(tenant);
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

absl::Status DeliveryRepository::RemoveReminder(const std::string& tenant,
                                                const Reminder& reminder) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Eval(
      scripts_->cancel, {keys->Reminders(), keys->ReminderKey(reminder.reminder_id)},
      {reminder.reminder_id, absl::StrCat(reminder.revision), "1"}, store::Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<TenantSettings> DeliveryRepository::GetSettings(const std::string& tenant) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", keys->Settings()}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  auto fields = HashOf(*reply);
  TenantSettings settings;
  settings.sender_name = fields["sender_name"];
  settings.sender_address = fields["sender_address"];
  settings.reply_to = fields["reply_to"];
  settings.signature_da = fields["signature_da"];
  settings.signature_en = fields["signature_en"];
  settings.reminder_days_before = static_cast<int>(ToInt(fields["reminder_days_before"]));
  settings.programme_url = fields["programme_url"];
  settings.local_programme_info_da = fields["local_programme_info_da"];
  settings.local_programme_info_en = fields["local_programme_info_en"];
  return settings;
}

absl::Status DeliveryRepository::PutSettings(const std::string& tenant,
                                             const TenantSettings& settings) {
  auto keys = KeysFor(tenant);
  if (!keys.ok()) return keys.status();
  store::Pipeline pipeline;
  pipeline.Add({"MULTI"});
  pipeline.Add({"DEL", keys->Settings()});
  pipeline.Add({"HSET",
                keys->Settings(),
                "sender_name",
                settings.sender_name,
                "sender_address",
                settings.sender_address,
                "reply_to",
                settings.reply_to,
                "signature_da",
                settings.signature_da,
                "signature_en",
                settings.signature_en,
                "reminder_days_before",
                absl::StrCat(settings.reminder_days_before),
                "programme_url",
                settings.programme_url,
                "local_programme_info_da",
                settings.local_programme_info_da,
                "local_programme_info_en",
                settings.local_programme_info_en});
  pipeline.Add({"EXEC"});
  auto replies = redis_.Execute(pipeline, store::Retry::kIdempotent);
  if (!replies.ok()) return replies.status();
  for (const auto& reply : *replies) {
    if (auto status = reply.ToStatus(); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status DeliveryRepository::RememberTenant(const std::string& tenant) {
  auto reply = redis_.Command({"SADD", kTenantsKey, tenant}, store::Retry::kIdempotent);
  return reply.ok() ? reply->ToStatus() : reply.status();
}

absl::StatusOr<std::vector<std::string>> DeliveryRepository::Tenants() {
  auto reply = redis_.Command({"SMEMBERS", kTenantsKey}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::vector<std::string> tenants;
  for (const auto& element : reply->elements()) tenants.push_back(element.str());
  return tenants;
}

}  // namespace ipraktik::notification
