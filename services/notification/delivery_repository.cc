#include "delivery_repository.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/v1/notification_events.pb.h"
#include "notification_keys.h"

namespace ipraktik::notification {
namespace {

// Message record fields written when the record is created (the rest the transitions maintain).
constexpr const char* kCreateFields[] = {
    "message_id", "event_id",       "event_type",      "kind",           "subject_key",
    "round_id",   "participant_id", "recipient_email", "recipient_name", "language"};

// Applies a transition domain/delivery_state.h decided, if the record is still the version the
// decision was made on (a record without a version field counts as version 0, no record as '').
// KEYS: message, round index, participant index, failed index, round failed index, the
// recipient's erasure marker.
// ARGV: expected version, message id, now (ms), retention (ms), '1' for a new record (added to
// the round and participant indexes), 'add' or 'remove' (the failed indexes; '' leaves them, for
// a record that was not failed and is not now), '1' to refuse when the recipient was erased
// meanwhile, then the field/value pairs to write. One HSET writes them with the version.
constexpr char kApplyScript[] = R"lua(
local version = redis.call('HGET', KEYS[1], 'version')
if not version and redis.call('EXISTS', KEYS[1]) == 1 then version = '0' end
if (version or '') ~= ARGV[1] then
  return redis.error_reply('ABORTED the message record changed meanwhile')
end
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[6]) == 1 then
  return redis.error_reply('ABORTED the recipient was erased meanwhile')
end
redis.call('HSET', KEYS[1], 'version', (tonumber(version) or 0) + 1, 'updated_at', ARGV[3],
           unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local function index(i)
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
if ARGV[5] == '1' then
  index(2)
  index(3)
end
if ARGV[6] == 'add' then
  index(4)
  index(5)
elseif ARGV[6] == 'remove' then
  redis.call('ZREM', KEYS[4], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
end
return 1
)lua";

// A decision made on a record that changed meanwhile is made again; this many times at most.
constexpr int kMaxDecisions = 8;

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

// The record as the state machine reads it, and its version ('' for no record).
struct Read {
  std::optional<DeliveryRecord> record;
  std::optional<DeliveryStatus> status;
  std::string version;
  bool recipient_erased = false;
};

Read ReadFrom(const store::Reply& hash) {
  Read read;
  auto fields = HashOf(hash);
  if (fields.empty()) return read;
  read.record = RecordFrom(fields);
  const std::int64_t lease_until = ToInt(fields["lease_until"]);
  read.status = DeliveryStatus{
      .state = ParseDeliveryState(read.record->state).value_or(DeliveryState::kPending),
      .lease_owner = fields["lease_owner"],
      .lease_until = lease_until == 0 ? absl::InfinitePast() : absl::FromUnixMillis(lease_until),
      .attempts = read.record->attempts,
      .resends = read.record->resends};
  read.version = absl::StrCat(ToInt(fields["version"]));
  return read;
}

// The fields an applied change writes (besides version and updated_at).
std::vector<std::string> FieldsOf(const DeliveryChange& change, const DeliveryRecord* created,
                                  const Finish* outcome, absl::Time now) {
  const DeliveryStatus& next = change.next;
  std::vector<std::string> fields = {
      "state",       std::string(DeliveryStateName(next.state)),
      "lease_owner", next.lease_owner,
      "lease_until", next.lease_until == absl::InfinitePast() ? "0" : Millis(next.lease_until),
      "attempts",    absl::StrCat(next.attempts),
      "resends",     absl::StrCat(next.resends)};
  auto add = [&fields](std::string name, std::string value) {
    fields.push_back(std::move(name));
    fields.push_back(std::move(value));
  };
  if (change.create && created != nullptr) {
    const std::string values[] = {created->message_id,     created->event_id,
                                  created->event_type,     created->kind,
                                  created->subject_key,    created->round_id,
                                  created->participant_id, created->recipient_email,
                                  created->recipient_name, created->language};
    for (std::size_t i = 0; i < std::size(kCreateFields); ++i) add(kCreateFields[i], values[i]);
    add("created_at", Millis(now));
  }
  if (change.clear_failure || !change.failure_reason.empty()) {
    add("failure_reason", change.failure_reason);
    add("last_error", change.last_error);
  }
  if (outcome != nullptr) {
    add("failure_reason", outcome->failure_reason);
    add("last_error", outcome->last_error);
    add("smtp_code", absl::StrCat(outcome->smtp_code));
    if (!outcome->subject.empty()) add("subject", outcome->subject);
    if (!outcome->rfc822_message_id.empty()) add("rfc822_message_id", outcome->rfc822_message_id);
    if (next.state == DeliveryState::kSent) add("sent_at", Millis(now));
  }
  return fields;
}

// What a change does to the failed indexes: a failure is added, a record that was failed leaves
// them, any other (no record yet, or one not failed) is not in them and leaves them alone.
std::string FailedIndexes(const std::optional<DeliveryStatus>& before, DeliveryState next) {
  if (IsFailure(next)) return "add";
  if (!before || !IsFailure(before->state)) return "";
  return "remove";
}

}  // namespace

struct DeliveryRepository::Scripts {
  events::EventScript apply{kApplyScript};
};

struct DeliveryRepository::Held {
  std::mutex mutex;
  std::unordered_map<std::string, Read> records;  // message id -> record as last written

  std::optional<Read> Find(const std::string& message_id) {
    std::lock_guard lock(mutex);
    auto found = records.find(message_id);
    if (found == records.end()) return std::nullopt;
    return found->second;
  }
  // After an applied change: kept while someone holds the claim, forgotten otherwise.
  void Update(const std::string& message_id, const Read& before, const DeliveryStatus& next,
              const DeliveryRecord& record) {
    std::lock_guard lock(mutex);
    if (next.lease_owner.empty()) {
      records.erase(message_id);
      return;
    }
    Read after;
    after.record = record;
    after.status = next;
    after.version = absl::StrCat(before.status ? ToInt(before.version) + 1 : 1);
    records[message_id] = std::move(after);
  }
  void Forget(const std::string& message_id) {
    std::lock_guard lock(mutex);
    records.erase(message_id);
  }
};

DeliveryRepository::DeliveryRepository(store::Pool& redis, outbox::Outbox& outbox,
                                       absl::Duration retention)
    : redis_(redis),
      outbox_(outbox),
      retention_(retention),
      scripts_(std::make_unique<Scripts>()),
      held_(std::make_unique<Held>()) {}

DeliveryRepository::~DeliveryRepository() = default;

absl::StatusOr<DeliveryDecision> DeliveryRepository::Transition(
    const std::string& tenant, const std::string& message_id, const DeliveryEvent& event,
    absl::Time now, const DeliveryRecord* fields, const Finish* outcome, const Announce& announce) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const bool claim = std::holds_alternative<ClaimEvent>(event);
  absl::Status changed;
  for (int attempt = 0; attempt < kMaxDecisions; ++attempt) {
    // First a guess without a read: the record as this process last wrote it while holding its
    // claim, or for a claim no record yet (a new message to someone not erased). Only a guess
    // that leads to a change is tried, and the script applies it only if the record is still
    // the version guessed (and, for a claim, the recipient not erased): else it is read.
    std::optional<Read> guess;
    if (attempt == 0) {
      guess = claim ? (fields != nullptr ? std::optional<Read>(Read{}) : std::nullopt)
                    : held_->Find(message_id);
    }
    DeliveryEvent decided = event;
    Read read;
    std::optional<DeliveryDecision> guessed;
    if (guess) {
      guessed = Decide(guess->status, decided);
      if (guessed->outcome == DeliveryDecision::Outcome::kApply)
        read = *std::move(guess);
      else
        guessed.reset();
    }
    if (!guessed) {
      store::Pipeline reads;
      reads.Add({"HGETALL", keys->Message(message_id)});
      if (claim && fields != nullptr) reads.Add({"EXISTS", keys->Erased(fields->participant_id)});
      auto replies = redis_.Execute(reads, store::Retry::kIdempotent);
      if (!replies.ok()) return replies.status();
      read = ReadFrom((*replies)[0]);
      if (claim) {
        std::get<ClaimEvent>(decided).recipient_erased =
            replies->size() > 1 && (*replies)[1].integer() == 1;
      }
    }
    DeliveryDecision decision = guessed ? *std::move(guessed) : Decide(read.status, decided);
    if (decision.outcome == DeliveryDecision::Outcome::kRefused) {
      held_->Forget(message_id);
      return decision.refusal;
    }
    if (decision.outcome != DeliveryDecision::Outcome::kApply) {
      held_->Forget(message_id);
      return decision;
    }

    const DeliveryRecord* record = read.record ? &*read.record : fields;
    if (record == nullptr) return absl::InternalError("a new message record without its fields");
    std::vector<std::string> args = {read.status ? read.version : std::string(),
                                     message_id,
                                     Millis(now),
                                     Millis(retention_),
                                     decision.change.create ? "1" : "0",
                                     FailedIndexes(read.status, decision.change.next.state),
                                     claim ? "1" : "0"};
    for (std::string& field : FieldsOf(decision.change, fields, outcome, now)) {
      args.push_back(std::move(field));
    }
    std::vector<events::Envelope> announced;
    if (announce) {
      auto envelope = announce(decision.change.next);
      if (!envelope.ok()) return envelope.status();
      announced.push_back(*std::move(envelope));
    }
    auto applied = outbox_.Commit(
        scripts_->apply, tenant,
        {.keys = {keys->Message(message_id), keys->Round(record->round_id),
                  keys->Participant(record->participant_id), keys->Failed(),
                  keys->RoundFailed(record->round_id), keys->Erased(record->participant_id)},
         .args = std::move(args),
         .events = std::move(announced)});
    if (applied.ok()) {
      held_->Update(message_id, read, decision.change.next, *record);
      return decision;
    }
    held_->Forget(message_id);
    if (!absl::IsAborted(applied.status())) return applied.status();
    changed = applied.status();
  }
  return changed;
}

absl::StatusOr<Claim> DeliveryRepository::ClaimMessage(const std::string& tenant,
                                                       const DeliveryRecord& fields,
                                                       const std::string& owner, absl::Time now,
                                                       absl::Duration lease) {
  auto decision =
      Transition(tenant, fields.message_id, ClaimEvent{.owner = owner, .now = now, .lease = lease},
                 now, &fields, nullptr, nullptr);
  if (!decision.ok()) return decision.status();
  if (decision->may_send)
    return Claim{.result = Claim::Result::kClaimed, .resend = decision->resend};
  if (decision->outcome == DeliveryDecision::Outcome::kBusy) {
    return Claim{.result = Claim::Result::kBusy, .busy_until = decision->busy_until};
  }
  return Claim{.result = Claim::Result::kDone,
               .state = decision->state ? std::string(DeliveryStateName(*decision->state))
                                        : std::string("erased")};
}

absl::Status DeliveryRepository::MarkHandedOver(const std::string& tenant,
                                                const std::string& message_id,
                                                const std::string& owner, absl::Time now,
                                                absl::Duration lease) {
  return Transition(tenant, message_id, HandOverEvent{.owner = owner, .now = now, .lease = lease},
                    now, nullptr, nullptr, nullptr)
      .status();
}

absl::Status DeliveryRepository::RenewClaim(const std::string& tenant,
                                            const std::string& message_id, const std::string& owner,
                                            absl::Time now, absl::Duration lease) {
  return Transition(tenant, message_id, RenewEvent{.owner = owner, .now = now, .lease = lease}, now,
                    nullptr, nullptr, nullptr)
      .status();
}

absl::Status DeliveryRepository::FinishMessage(const std::string& tenant,
                                               const std::string& message_id,
                                               const std::string& owner, const Finish& finish,
                                               absl::Time now) {
  return Transition(tenant, message_id, FinishEvent{.owner = owner, .outcome = finish.state}, now,
                    nullptr, &finish, nullptr)
      .status();
}

absl::StatusOr<DeliveryRecord> DeliveryRepository::RequestResend(const std::string& tenant,
                                                                 const std::string& message_id,
                                                                 const std::string& correlation_id,
                                                                 absl::Time now) {
  auto announce = [&](const DeliveryStatus& next) {
    v1::ResendRequested payload;
    payload.set_message_id(message_id);
    payload.set_resend(next.resends);
    return events::BuildEnvelope(
        {.type = contract::kResendRequested, .tenant = tenant, .correlation_id = correlation_id},
        payload, now);
  };
  auto decision =
      Transition(tenant, message_id, ResendEvent{.now = now}, now, nullptr, nullptr, announce);
  if (!decision.ok()) {
    if (absl::IsNotFound(decision.status())) {
      return absl::NotFoundError(absl::StrCat("no message ", message_id));
    }
    return decision.status();
  }
  auto updated = Get(tenant, message_id);
  if (!updated.ok()) return updated.status();
  if (!updated->has_value()) return absl::NotFoundError(absl::StrCat("no message ", message_id));
  // The record as this resend left it: another resend made at once may already have counted on.
  DeliveryRecord record = **updated;
  record.resends = decision->change.next.resends;
  return record;
}

absl::StatusOr<std::optional<DeliveryRecord>> DeliveryRepository::Get(
    const std::string& tenant, const std::string& message_id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", keys->Message(message_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (reply->elements().empty()) return std::nullopt;
  return RecordFrom(HashOf(*reply));
}

absl::StatusOr<DeliveryPage> DeliveryRepository::List(const std::string& tenant,
                                                      const DeliveryFilter& filter, int page_size,
                                                      const std::string& page_token) {
  auto keys = NotificationKeys::For(tenant);
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
  auto keys = NotificationKeys::For(tenant);
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
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"EXISTS", keys->Erased(participant_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->integer() == 1;
}

absl::StatusOr<std::vector<bool>> DeliveryRepository::AreErased(
    const std::string& tenant, const std::vector<std::string>& participant_ids) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  std::vector<bool> erased;
  if (participant_ids.empty()) return erased;
  store::Pipeline checks;
  for (const std::string& id : participant_ids) checks.Add({"EXISTS", keys->Erased(id)});
  auto replies = redis_.Execute(checks, store::Retry::kIdempotent);
  if (!replies.ok()) return replies.status();
  for (const store::Reply& reply : *replies) {
    if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
    erased.push_back(reply.integer() == 1);
  }
  return erased;
}

absl::StatusOr<TenantSettings> DeliveryRepository::GetSettings(const std::string& tenant) {
  RedisBatch batch(redis_);
  TenantSettings settings;
  if (auto status = GetSettings(batch, tenant, settings); !status.ok()) return status;
  if (auto status = batch.Execute(); !status.ok()) return status;
  return settings;
}

absl::Status DeliveryRepository::GetSettings(RedisBatch& batch, const std::string& tenant,
                                             TenantSettings& settings) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  store::Pipeline read;
  read.Add({"HGETALL", keys->Settings()});
  batch.Add(read, [&settings](std::span<const store::Reply> replies) {
    if (auto status = replies[0].ToStatus(); !status.ok()) return status;
    auto fields = HashOf(replies[0]);
    settings.sender_name = fields["sender_name"];
    settings.sender_address = fields["sender_address"];
    settings.reply_to = fields["reply_to"];
    settings.signature_da = fields["signature_da"];
    settings.signature_en = fields["signature_en"];
    settings.reminder_days_before = static_cast<int>(ToInt(fields["reminder_days_before"]));
    settings.programme_url = fields["programme_url"];
    settings.local_programme_info_da = fields["local_programme_info_da"];
    settings.local_programme_info_en = fields["local_programme_info_en"];
    return absl::OkStatus();
  });
  return absl::OkStatus();
}

absl::Status DeliveryRepository::PutSettings(const std::string& tenant,
                                             const TenantSettings& settings) {
  auto keys = NotificationKeys::For(tenant);
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

}  // namespace ipraktik::notification
