#include "matching_repository.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/records/records.h"
#include "ipraktik/storage/v1/records.pb.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::matching_service {
namespace {

namespace storage = ::ipraktik::storage::v1;

// KEYS: placements, host lists. ARGV: n placements, then (participant, bytes) pairs (empty
// bytes: the record goes, an erased intern's), then (offer, bytes) pairs. The records are written
// with one HSET of many fields per hash (in slices that keep unpack() well inside Lua's stack),
// not one call per person.
constexpr std::string_view kApplyLua = R"lua(
  local n = tonumber(ARGV[1])
  local fields = {}
  local function flush(key)
    if #fields > 0 then
      redis.call('HSET', key, unpack(fields))
      fields = {}
    end
  end
  local function add(key, field, value)
    fields[#fields + 1] = field
    fields[#fields + 1] = value
    if #fields >= 2000 then flush(key) end
  end
  local i = 2
  for _ = 1, n do
    if ARGV[i + 1] == '' then
      redis.call('HDEL', KEYS[1], ARGV[i])
    else
      add(KEYS[1], ARGV[i], ARGV[i + 1])
    end
    i = i + 2
  end
  flush(KEYS[1])
  while i <= #ARGV do
    add(KEYS[2], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  flush(KEYS[2])
  return 1
)lua";

// KEYS: lease. ARGV: holder.
constexpr std::string_view kReleaseLua = R"lua(
  if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
  return 0
)lua";

std::string RuleField(std::string_view participant, std::string_view offer) {
  return absl::StrCat(std::string(participant), "|", std::string(offer));
}

// A hash of serialized Records: field -> its API message (a Record that is the message itself is
// kept as sent), or DATA_LOSS naming the field that is unreadable.
template <typename Message, typename Record = Message>
absl::StatusOr<std::map<std::string, Message>> ReadHash(store::Pool& redis,
                                                        const std::string& key) {
  auto reply = redis.Command({"HGETALL", key}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::map<std::string, Message> out;
  const auto& elements = reply->elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    absl::StatusOr<Message> message =
        records::FromStoredBytes<Record, Message>(elements[i + 1].str());
    if (!message.ok()) {
      return absl::DataLossError(absl::StrCat("unreadable record ", elements[i].str(), " in ", key,
                                              ": ", message.status().message()));
    }
    out.emplace(elements[i].str(), *std::move(message));
  }
  return out;
}

}  // namespace

struct MatchingRepository::Scripts {
  // It never refuses, so its events (most of a publication's bytes) stay out of Lua.
  events::EventScript apply{kApplyLua, events::Emits::kAlways};
  store::Script release{std::string(kReleaseLua)};
};

MatchingRepository::MatchingRepository(store::Pool& redis, outbox::Outbox& outbox)
    : redis_(redis), outbox_(outbox), scripts_(std::make_unique<Scripts>()) {}

MatchingRepository::~MatchingRepository() = default;

absl::Status MatchingRepository::SetRule(std::string_view tenant, const v1::PairRule& rule) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return redis_
      .Command({"HSET", keys->Key("matching_rules", rule.round_id()),
                RuleField(rule.participant_id(), rule.host_offer_id()),
                records::StoredBytes<storage::PairRuleRecord>(rule)},
               store::Retry::kIdempotent)
      .status();
}

absl::StatusOr<bool> MatchingRepository::DeleteRule(std::string_view tenant,
                                                    std::string_view round_id,
                                                    std::string_view participant_id,
                                                    std::string_view host_offer_id) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command(
      {"HDEL", keys->Key("matching_rules", round_id), RuleField(participant_id, host_offer_id)},
      store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->integer() > 0;
}

absl::StatusOr<std::vector<v1::PairRule>> MatchingRepository::Rules(
    std::string_view tenant, std::string_view round_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto rules = ReadHash<v1::PairRule, storage::PairRuleRecord>(
      redis_, keys->Key("matching_rules", round_id));
  if (!rules.ok()) return rules.status();
  std::vector<v1::PairRule> out;
  for (auto& [field, rule] : *rules) out.push_back(std::move(rule));  // ordered by the field
  return out;
}

absl::Status MatchingRepository::AddWithdrawn(std::string_view tenant, std::string_view round_id,
                                              std::string_view participant_id) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return redis_
      .Command({"SADD", keys->Key("matching_withdrawn", round_id), participant_id},
               store::Retry::kIdempotent)
      .status();
}

absl::StatusOr<std::vector<std::string>> MatchingRepository::Withdrawn(
    std::string_view tenant, std::string_view round_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"SMEMBERS", keys->Key("matching_withdrawn", round_id)},
                              store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& element : reply->elements()) out.push_back(element.str());
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::map<std::string, v1::Placement>> MatchingRepository::Placements(
    std::string_view tenant, std::string_view round_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return ReadHash<v1::Placement, storage::PlacementRecord>(
      redis_, keys->Key("matching_placements", round_id));
}

absl::StatusOr<std::map<std::string, v1::HostInternsAssigned>> MatchingRepository::HostLists(
    std::string_view tenant, std::string_view round_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return ReadHash<v1::HostInternsAssigned>(redis_, keys->Key("matching_host_lists", round_id));
}

absl::Status MatchingRepository::ApplyPublicationBatch(std::string_view tenant,
                                                       std::string_view round_id,
                                                       PublicationWrites writes) {
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(writes.placements.size());
  for (const v1::Placement& placement : writes.placements) {
    records.emplace_back(placement.participant_id(),
                         records::StoredBytes<storage::PlacementRecord>(placement));
  }
  return Apply(tenant, round_id, std::move(records), std::move(writes));
}

absl::Status MatchingRepository::ApplyErasure(std::string_view tenant, std::string_view round_id,
                                              std::string_view participant_id,
                                              PublicationWrites writes) {
  return Apply(tenant, round_id, {{std::string(participant_id), ""}}, std::move(writes));
}

absl::Status MatchingRepository::Apply(std::string_view tenant, std::string_view round_id,
                                       std::vector<std::pair<std::string, std::string>> placements,
                                       PublicationWrites writes) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> args;
  args.reserve(1 + 2 * (placements.size() + writes.host_lists.size()));
  args.push_back(absl::StrCat(placements.size()));
  for (auto& [participant, bytes] : placements) {
    args.push_back(std::move(participant));
    args.push_back(std::move(bytes));
  }
  for (auto& [offer, bytes] : writes.host_lists) {
    args.push_back(std::move(offer));
    args.push_back(std::move(bytes));
  }
  auto outcome = outbox_.Commit(scripts_->apply, tenant,
                                {.keys = {keys->Key("matching_placements", round_id),
                                          keys->Key("matching_host_lists", round_id)},
                                 .args = std::move(args),
                                 .events = std::move(writes.events)});
  return outcome.status();
}

absl::StatusOr<bool> MatchingRepository::AcquirePublishing(std::string_view tenant,
                                                           std::string_view round_id,
                                                           std::string_view holder,
                                                           absl::Duration ttl) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"SET", keys->Key("matching_publishing", round_id), holder, "NX",
                               "PX", absl::StrCat(absl::ToInt64Milliseconds(ttl))});
  if (!reply.ok()) return reply.status();
  return !reply->is_nil();
}

absl::Status MatchingRepository::ReleasePublishing(std::string_view tenant,
                                                   std::string_view round_id,
                                                   std::string_view holder) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return redis_
      .Eval(scripts_->release, {keys->Key("matching_publishing", round_id)}, {std::string(holder)},
            store::Retry::kIdempotent)
      .status();
}

}  // namespace ipraktik::matching_service
