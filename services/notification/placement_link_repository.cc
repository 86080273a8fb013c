#include "placement_link_repository.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "notification_keys.h"

namespace ipraktik::notification {
namespace {

// KEYS: link, the person's links, the person's erasure marker. ARGV: role, scope, participant,
// round, event, revision, expires (ms), keep (ms from now), digest.
constexpr char kRecordScript[] = R"lua(
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision') or '-1')
if tonumber(ARGV[6]) < stored then return 0 end
redis.call('HSET', KEYS[1], 'role', ARGV[1], 'scope', ARGV[2], 'participant_id', ARGV[3],
           'round_id', ARGV[4], 'event_id', ARGV[5], 'revision', ARGV[6], 'expires', ARGV[7],
           'cancelled', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('SADD', KEYS[2], ARGV[9])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[8]) then redis.call('PEXPIRE', KEYS[2], ARGV[8]) end
return 1
)lua";

// KEYS: link. ARGV: event, revision.
constexpr char kCancelScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision') or '-1')
if tonumber(ARGV[2]) < stored then return 0 end
redis.call('HSET', KEYS[1], 'cancelled', '1', 'event_id', ARGV[1], 'revision', ARGV[2])
return 1
)lua";

// KEYS: link. ARGV: the declined intern. -1: no link; 0: declined already; 1: added.
constexpr char kDeclineScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local declined = redis.call('HGET', KEYS[1], 'declined') or ''
for id in string.gmatch(declined, '%S+') do
  if id == ARGV[1] then return 0 end
end
if declined == '' then declined = ARGV[1] else declined = declined .. ' ' .. ARGV[1] end
redis.call('HSET', KEYS[1], 'declined', declined)
return 1
)lua";

// KEYS: link. -1: no link; 0: withdrawn already; 1: now.
constexpr char kWithdrawScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'withdrawn') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'withdrawn', '1')
return 1
)lua";

absl::StatusOr<bool> Changed(const absl::StatusOr<store::Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->integer() < 0) return absl::NotFoundError("the placement link is gone");
  return reply->integer() == 1;
}

}  // namespace

struct PlacementLinkRepository::Scripts {
  store::Script record{kRecordScript};
  store::Script cancel{kCancelScript};
  store::Script decline{kDeclineScript};
  store::Script withdraw{kWithdrawScript};
};

PlacementLinkRepository::PlacementLinkRepository(store::Pool& redis)
    : redis_(redis), scripts_(std::make_unique<Scripts>()) {}

PlacementLinkRepository::~PlacementLinkRepository() = default;

absl::Status PlacementLinkRepository::Record(const std::string& tenant, const std::string& digest,
                                             const StoredLink& link, absl::Time keep_until,
                                             absl::Time now) {
  RedisBatch batch(redis_);
  if (auto status = Record(batch, tenant, digest, link, keep_until, now); !status.ok()) {
    return status;
  }
  return batch.Execute();
}

absl::Status PlacementLinkRepository::Record(RedisBatch& batch, const std::string& tenant,
                                             const std::string& digest, const StoredLink& link,
                                             absl::Time keep_until, absl::Time now) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const absl::Duration keep = std::max(keep_until - now, absl::Minutes(1));
  store::Pipeline record;
  record.AddScript(
      scripts_->record,
      {keys->PlacementLink(digest), keys->PlacementLinks(link.participant_id),
       keys->Erased(link.participant_id)},
      {LinkRoleName(link.role), link.scope_id, link.participant_id, link.round_id, link.event_id,
       absl::StrCat(link.revision), Millis(link.expires), Millis(keep), digest});
  batch.Add(record);
  return absl::OkStatus();
}

absl::Status PlacementLinkRepository::Cancel(const std::string& tenant, const std::string& digest,
                                             const std::string& event_id, std::int64_t revision) {
  RedisBatch batch(redis_);
  if (auto status = Cancel(batch, tenant, digest, event_id, revision); !status.ok()) return status;
  return batch.Execute();
}

absl::Status PlacementLinkRepository::Cancel(RedisBatch& batch, const std::string& tenant,
                                             const std::string& digest, const std::string& event_id,
                                             std::int64_t revision) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  store::Pipeline cancel;
  cancel.AddScript(scripts_->cancel, {keys->PlacementLink(digest)},
                   {event_id, absl::StrCat(revision)});
  batch.Add(cancel);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoredLink>> PlacementLinkRepository::Get(const std::string& tenant,
                                                                       const std::string& digest) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", keys->PlacementLink(digest)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  auto fields = HashOf(*reply);
  if (fields.empty()) return std::nullopt;
  auto role = ParseLinkRole(fields["role"]);
  if (!role) return absl::DataLossError("a placement link without its role");
  StoredLink link{.role = *role,
                  .scope_id = fields["scope"],
                  .participant_id = fields["participant_id"],
                  .round_id = fields["round_id"],
                  .event_id = fields["event_id"],
                  .revision = ToInt(fields["revision"]),
                  .expires = absl::FromUnixMillis(ToInt(fields["expires"])),
                  .cancelled = fields["cancelled"] == "1",
                  .withdrawn = fields["withdrawn"] == "1"};
  for (absl::string_view id : absl::StrSplit(fields["declined"], ' ', absl::SkipEmpty())) {
    link.declined.insert(std::string(id));
  }
  return link;
}

absl::StatusOr<bool> PlacementLinkRepository::MarkDeclined(const std::string& tenant,
                                                           const std::string& digest,
                                                           const std::string& participant_id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return Changed(redis_.Eval(scripts_->decline, {keys->PlacementLink(digest)}, {participant_id},
                             store::Retry::kIdempotent));
}

absl::StatusOr<bool> PlacementLinkRepository::MarkWithdrawn(const std::string& tenant,
                                                            const std::string& digest) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return Changed(redis_.Eval(scripts_->withdraw, {keys->PlacementLink(digest)}, {},
                             store::Retry::kIdempotent));
}

absl::StatusOr<int> PlacementLinkRepository::Erase(const std::string& tenant,
                                                   const std::string& participant_id) {
  auto keys = NotificationKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto digests =
      redis_.Command({"SMEMBERS", keys->PlacementLinks(participant_id)}, store::Retry::kIdempotent);
  if (!digests.ok()) return digests.status();
  store::Pipeline removals;
  for (const store::Reply& digest : digests->elements()) {
    removals.Add({"DEL", keys->PlacementLink(digest.str())});
  }
  removals.Add({"DEL", keys->PlacementLinks(participant_id)});
  auto removed = redis_.Execute(removals, store::Retry::kIdempotent);
  if (!removed.ok()) return removed.status();
  for (const store::Reply& reply : *removed) {
    if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
  }
  return static_cast<int>(digests->elements().size());
}

}  // namespace ipraktik::notification
