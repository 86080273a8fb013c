#include "matching_repository.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/records/records.h"
#include "ipraktik/storage/v1/records.pb.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::matching_service {
namespace {

namespace storage = ::ipraktik::storage::v1;

// Redis takes a command of any length, but one of a million arguments is a big allocation for a
// single call: a batch's records go in HSETs of at most this many fields.
constexpr std::size_t kFieldsPerCommand = 1000;

// HSET key field value ..., in commands of at most kFieldsPerCommand fields; with
// empty_deletes, HDEL key field ... for the fields whose value is empty (an erased intern's
// placement record goes).
void AddRecords(std::vector<std::vector<std::string>>& commands, const std::string& key,
                std::vector<std::pair<std::string, std::string>> records, bool empty_deletes) {
  std::vector<std::string> set;
  std::vector<std::string> deleted;
  auto flush = [&] {
    if (set.size() > 2) commands.push_back(std::move(set));
    set = {"HSET", key};
  };
  flush();
  for (auto& [field, bytes] : records) {
    if (empty_deletes && bytes.empty()) {
      if (deleted.empty()) deleted = {"HDEL", key};
      deleted.push_back(std::move(field));
      continue;
    }
    set.push_back(std::move(field));
    set.push_back(std::move(bytes));
    if (set.size() >= 2 + 2 * kFieldsPerCommand) flush();
  }
  flush();
  if (!deleted.empty()) commands.push_back(std::move(deleted));
}

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
  // Nothing to check and nothing to refuse: plain HSETs and the events' XADDs in one transaction
  // keep the records' and events' bytes (nearly all of a publication's) out of Lua.
  std::vector<std::vector<std::string>> commands;
  AddRecords(commands, keys->Key("matching_placements", round_id), std::move(placements),
             /*empty_deletes=*/true);
  AddRecords(commands, keys->Key("matching_host_lists", round_id), std::move(writes.host_lists),
             /*empty_deletes=*/false);
  return outbox_.CommitWrites(
      tenant, {.commands = std::move(commands), .events = std::move(writes.events)});
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
