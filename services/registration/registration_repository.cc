#include "registration_repository.h"

#include <openssl/sha.h>

#include <array>
#include <charconv>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ipraktik::registration {
namespace {

// The transaction program in ARGV: the dedupe step (count 0 or 1), the checks, the writes, each
// as an operation name and its arguments; keys are passed by their position in KEYS. The body
// returns {'ok'}, {'retry', key} or {'duplicate', result}; the last two emit no events.
constexpr std::string_view kTransactionScript = R"lua(
local pos = 1
local function arg()
  local value = ARGV[pos]
  pos = pos + 1
  return value
end
local function key() return KEYS[tonumber(arg())] end
local function refuse(failure, what)
  if failure == 'RETRY' then
    skip_events()
    return {'retry', what}
  end
  return redis.error_reply(failure)
end

local request_key = false
local request_value, request_ttl
if tonumber(arg()) == 1 then
  request_key = key()
  local fingerprint = arg()
  request_value = fingerprint .. '\n' .. arg()
  request_ttl = arg()
  local stored = redis.call('GET', request_key)
  if stored then
    local newline = string.find(stored, '\n', 1, true)
    if string.sub(stored, 1, newline - 1) ~= fingerprint then
      return redis.error_reply('ALREADY_EXISTS request_id was already used for a different request')
    end
    skip_events()
    return {'duplicate', string.sub(stored, newline + 1)}
  end
end

local checks = tonumber(arg())
for _ = 1, checks do
  local op = arg()
  local k = key()
  if op == 'version' then
    local want = arg()
    local failure = arg()
    local have = redis.call('HGET', k, 'v') or '0'
    if have ~= want then return refuse(failure, k) end
  elseif op == 'field' then
    local field = arg()
    local have = redis.call('HGET', k, field) or ''
    local count = tonumber(arg())
    local found = false
    for _ = 1, count do
      if arg() == have then found = true end
    end
    local failure = arg()
    if not found then return refuse(failure, k) end
  elseif op == 'value' then
    local want = arg()
    local failure = arg()
    local have = redis.call('GET', k) or ''
    if have ~= want then return refuse(failure, k) end
  elseif op == 'scheduled' then
    local member = arg()
    local failure = arg()
    if not redis.call('ZSCORE', k, member) then return refuse(failure, k) end
  else
    return redis.error_reply('INTERNAL unknown check ' .. op)
  end
end

local writes = tonumber(arg())
for _ = 1, writes do
  local op = arg()
  local k = key()
  if op == 'hset' then
    local count = tonumber(arg())
    local pairs_ = {}
    for i = 1, 2 * count do pairs_[i] = arg() end
    redis.call('HSET', k, unpack(pairs_))
  elseif op == 'hincrby' then
    local field = arg()
    local by = arg()
    redis.call('HINCRBY', k, field, by)
  elseif op == 'set' then
    redis.call('SET', k, arg())
  elseif op == 'del' then
    redis.call('DEL', k)
  elseif op == 'index' then
    local counter = key()
    local member = arg()
    if not redis.call('ZSCORE', k, member) then
      redis.call('ZADD', k, redis.call('INCR', counter), member)
    end
  elseif op == 'schedule' then
    local score = arg()
    redis.call('ZADD', k, score, arg())
  elseif op == 'unindex' then
    redis.call('ZREM', k, arg())
  elseif op == 'sadd' then
    redis.call('SADD', k, arg())
  elseif op == 'srem' then
    redis.call('SREM', k, arg())
  end
end
-- Last, so that a refused transaction leaves the request id free for a corrected retry.
if request_key then redis.call('SET', request_key, request_value, 'PX', request_ttl) end
return {'ok'}
)lua";

// Reads a person's records in a round by e-mail. KEYS: the e-mail index, the request key (when
// ARGV[3] is '1'). ARGV: the prefixes of participant and application keys (the application key
// of a participant p in the round is ARGV[2] .. p). The keys read by id share the tenant's hash
// tag with the declared ones, so the script stays within one Redis Cluster slot.
constexpr std::string_view kPersonScript = R"lua(
local request = false
if ARGV[3] == '1' then request = redis.call('GET', KEYS[2]) end
local owner = redis.call('GET', KEYS[1])
if not owner then return {request, false, {}, {}} end
return {request, owner, redis.call('HGETALL', ARGV[1] .. owner),
        redis.call('HGETALL', ARGV[2] .. owner)}
)lua";

std::int64_t ParseInt(std::string_view text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

absl::Time FromMicros(std::string_view text) { return absl::FromUnixMicros(ParseInt(text)); }

std::string Micros(absl::Time time) { return absl::StrCat(absl::ToUnixMicros(time)); }

StoredRecord RecordFromHash(const store::Reply& reply) {
  StoredRecord record;
  const auto& elements = reply.elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    const std::string& name = elements[i].str();
    const std::string& value = elements[i + 1].str();
    if (name == "v") {
      record.version = ParseInt(value);
    } else if (name == "c") {
      record.create_time = FromMicros(value);
    } else if (name == "u") {
      record.update_time = FromMicros(value);
    } else if (name == "rec") {
      record.data = value;
    } else {
      record.fields.emplace(name, value);
    }
  }
  return record;
}

}  // namespace

absl::StatusOr<KeySpace> KeySpace::For(std::string_view tenant) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return KeySpace(*std::move(keys));
}

std::string KeySpace::EmailIndex(std::string_view normalized_email) const {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(normalized_email.data()), normalized_email.size(),
         digest.data());
  return keys_.Key("email", absl::BytesToHexString(absl::string_view(
                                reinterpret_cast<const char*>(digest.data()), digest.size())));
}

std::string KeySpace::WorkplaceNameIndex(std::string_view folded_name,
                                         std::string_view folded_municipality) const {
  // A newline cannot occur in either (both are one-line texts).
  return keys_.Key("workplace-name",
                   std::string(folded_name) + "\n" + std::string(folded_municipality));
}

std::string KeySpace::Request(std::string_view method, std::string_view request_id) const {
  return keys_.Key("request", std::string(method) + ":" + std::string(request_id));
}

std::string StoredRecord::Field(std::string_view name) const {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

std::size_t Reads::Record(std::string key) {
  pipeline_.Add({"HGETALL", key});
  return pipeline_.size() - 1;
}

std::size_t Reads::Value(std::string key) {
  pipeline_.Add({"GET", key});
  return pipeline_.size() - 1;
}

std::size_t Reads::Members(std::string key) {
  pipeline_.Add({"SMEMBERS", key});
  return pipeline_.size() - 1;
}

std::size_t Reads::Person(const store::Script& script, const KeySpace& keys, std::string_view email,
                          std::string_view round_id, const std::string& request_key) {
  std::string application_prefix = keys.Application(
      absl::StrCat("app-", absl::string_view(round_id.data(), round_id.size()), "."));
  pipeline_.AddScript(
      script,
      {keys.EmailIndex(email), request_key.empty() ? keys.Request("none", "none") : request_key},
      {keys.Participant(""), application_prefix, request_key.empty() ? "0" : "1"});
  return pipeline_.size() - 1;
}

PersonInRound ReadResults::Person(std::size_t position) const {
  PersonInRound person;
  const auto& parts = replies_.at(position).elements();
  if (parts.size() != 4) return person;
  if (parts[0].is_string()) person.request = parts[0].str();
  if (!parts[1].is_string()) return person;
  person.participant_id = parts[1].str();
  if (!parts[2].elements().empty()) person.participant = RecordFromHash(parts[2]);
  if (!parts[3].elements().empty()) person.application = RecordFromHash(parts[3]);
  return person;
}

std::optional<StoredRecord> ReadResults::Record(std::size_t position) const {
  const store::Reply& reply = replies_.at(position);
  if (!reply.is_array() || reply.elements().empty()) return std::nullopt;
  return RecordFromHash(reply);
}

std::optional<std::string> ReadResults::Value(std::size_t position) const {
  const store::Reply& reply = replies_.at(position);
  if (!reply.is_string()) return std::nullopt;
  return reply.str();
}

std::vector<std::string> ReadResults::Members(std::size_t position) const {
  std::vector<std::string> members;
  for (const store::Reply& element : replies_.at(position).elements()) {
    members.push_back(element.str());
  }
  return members;
}

Transaction::Transaction(const KeySpace& keys)
    : tenant_(keys.tenant()), counter_key_(keys.Counter()) {}

std::string Transaction::KeyRef(const std::string& key) {
  auto [it, inserted] = key_positions_.emplace(key, keys_.size() + 1);
  if (inserted) keys_.push_back(key);
  return absl::StrCat(it->second);
}

void Transaction::AddCheck(std::initializer_list<std::string> args) {
  checks_.insert(checks_.end(), args);
  ++check_count_;
}

void Transaction::AddWrite(std::initializer_list<std::string> args) {
  writes_.insert(writes_.end(), args);
  ++write_count_;
}

void Transaction::Dedupe(std::string key, std::string fingerprint, std::string result,
                         absl::Duration ttl) {
  dedupe_ = {KeyRef(key), std::move(fingerprint), std::move(result),
             absl::StrCat(absl::ToInt64Milliseconds(ttl))};
}

void Transaction::ExpectVersion(const std::string& key, std::int64_t version, std::string failure) {
  AddCheck({"version", KeyRef(key), absl::StrCat(version), std::move(failure)});
}

void Transaction::ExpectField(const std::string& key, std::string field,
                              std::vector<std::string> allowed, std::string failure) {
  checks_.insert(checks_.end(),
                 {"field", KeyRef(key), std::move(field), absl::StrCat(allowed.size())});
  checks_.insert(checks_.end(), allowed.begin(), allowed.end());
  checks_.push_back(std::move(failure));
  ++check_count_;
}

void Transaction::ExpectValue(const std::string& key, std::string value, std::string failure) {
  AddCheck({"value", KeyRef(key), std::move(value), std::move(failure)});
}

void Transaction::ExpectScheduled(const std::string& key, std::string member, std::string failure) {
  AddCheck({"scheduled", KeyRef(key), std::move(member), std::move(failure)});
}

void Transaction::PutRecord(const std::string& key, const StoredRecord& record) {
  writes_.insert(writes_.end(), {"hset", KeyRef(key), absl::StrCat(4 + record.fields.size()), "v",
                                 absl::StrCat(record.version), "c", Micros(record.create_time), "u",
                                 Micros(record.update_time), "rec", record.data});
  for (const auto& [name, value] : record.fields) {
    writes_.push_back(name);
    writes_.push_back(value);
  }
  ++write_count_;
}

void Transaction::HashSet(const std::string& key, std::string field, std::string value) {
  AddWrite({"hset", KeyRef(key), "1", std::move(field), std::move(value)});
}

void Transaction::HashIncrement(const std::string& key, std::string field, std::int64_t by) {
  AddWrite({"hincrby", KeyRef(key), std::move(field), absl::StrCat(by)});
}

void Transaction::Set(const std::string& key, std::string value) {
  AddWrite({"set", KeyRef(key), std::move(value)});
}

void Transaction::Delete(const std::string& key) { AddWrite({"del", KeyRef(key)}); }

void Transaction::Index(const std::string& key, std::string member) {
  std::string index_ref = KeyRef(key);
  AddWrite({"index", index_ref, KeyRef(counter_key_), std::move(member)});
}

void Transaction::Schedule(const std::string& key, std::string member, absl::Time at) {
  AddWrite({"schedule", KeyRef(key), absl::StrCat(absl::ToUnixSeconds(at)), std::move(member)});
}

void Transaction::Unindex(const std::string& key, std::string member) {
  AddWrite({"unindex", KeyRef(key), std::move(member)});
}

void Transaction::AddMember(const std::string& key, std::string member) {
  AddWrite({"sadd", KeyRef(key), std::move(member)});
}

void Transaction::RemoveMember(const std::string& key, std::string member) {
  AddWrite({"srem", KeyRef(key), std::move(member)});
}

std::vector<std::string> Transaction::Arguments() const {
  std::vector<std::string> args;
  args.reserve(3 + dedupe_.size() + checks_.size() + writes_.size());
  args.push_back(dedupe_.empty() ? "0" : "1");
  args.insert(args.end(), dedupe_.begin(), dedupe_.end());
  args.push_back(absl::StrCat(check_count_));
  args.insert(args.end(), checks_.begin(), checks_.end());
  args.push_back(absl::StrCat(write_count_));
  args.insert(args.end(), writes_.begin(), writes_.end());
  return args;
}

RegistrationRepository::RegistrationRepository(store::Pool& redis, outbox::Outbox& outbox)
    : redis_(redis),
      outbox_(outbox),
      transaction_script_(kTransactionScript),
      person_script_(std::string(kPersonScript)) {}

absl::StatusOr<ReadResults> RegistrationRepository::Read(const Reads& reads) {
  const Reads* one[] = {&reads};
  auto results = ReadMany(one);
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

absl::StatusOr<std::vector<ReadResults>> RegistrationRepository::ReadMany(
    std::span<const Reads* const> reads) {
  store::Pipeline pipeline;
  for (const Reads* one : reads) pipeline.Append(one->pipeline());
  auto replies = redis_.Execute(pipeline, store::Retry::kIdempotent);
  if (!replies.ok()) return replies.status();
  for (const store::Reply& reply : *replies) {
    if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
  }
  std::vector<ReadResults> results;
  results.reserve(reads.size());
  std::size_t at = 0;
  for (const Reads* one : reads) {
    std::vector<store::Reply> part(
        std::make_move_iterator(replies->begin() + at),
        std::make_move_iterator(replies->begin() + at + one->pipeline().size()));
    at += one->pipeline().size();
    results.emplace_back(std::move(part));
  }
  return results;
}

absl::StatusOr<std::optional<StoredRecord>> RegistrationRepository::Get(const std::string& key) {
  Reads reads;
  std::size_t position = reads.Record(key);
  auto results = Read(reads);
  if (!results.ok()) return results.status();
  return results->Record(position);
}

absl::StatusOr<std::vector<IndexEntry>> RegistrationRepository::Range(const std::string& index,
                                                                      std::int64_t after,
                                                                      int count) {
  auto reply = redis_.Command({"ZRANGEBYSCORE", index, absl::StrCat("(", after), "+inf",
                               "WITHSCORES", "LIMIT", "0", absl::StrCat(count)},
                              store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (absl::Status status = reply->ToStatus(); !status.ok()) return status;
  std::vector<IndexEntry> entries;
  const auto& elements = reply->elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    entries.push_back({elements[i].str(), ParseInt(elements[i + 1].str())});
  }
  return entries;
}

absl::StatusOr<std::vector<std::string>> RegistrationRepository::Due(const std::string& schedule,
                                                                     absl::Time now, int count) {
  return Strings({"ZRANGEBYSCORE", schedule, "-inf", absl::StrCat(absl::ToUnixSeconds(now)),
                  "LIMIT", "0", absl::StrCat(count)});
}

absl::StatusOr<std::vector<std::string>> RegistrationRepository::Tenants() {
  return Strings({"SMEMBERS", std::string(outbox::kTenantRegistryKey)});
}

absl::StatusOr<std::vector<std::string>> RegistrationRepository::Strings(
    const std::vector<std::string>& command) {
  auto reply = redis_.Command(command, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (absl::Status status = reply->ToStatus(); !status.ok()) return status;
  std::vector<std::string> strings;
  for (const auto& element : reply->elements()) strings.push_back(element.str());
  return strings;
}

absl::StatusOr<std::vector<std::optional<StoredRecord>>> RegistrationRepository::GetRecords(
    const std::vector<std::string>& keys) {
  Reads reads;
  for (const std::string& key : keys) reads.Record(key);
  auto results = Read(reads);
  if (!results.ok()) return results.status();
  std::vector<std::optional<StoredRecord>> records;
  records.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) records.push_back(results->Record(i));
  return records;
}

namespace {

absl::StatusOr<CommitResult> ToCommitResult(const events::ScriptOutcome& outcome) {
  const auto& elements = outcome.reply.elements();
  if (elements.empty()) {
    return absl::InternalError("registration transaction: unexpected reply " +
                               outcome.reply.DebugString());
  }
  const std::string& kind = elements[0].str();
  if (kind == "retry") {
    return CommitResult{.kind = CommitResult::Kind::kRetry,
                        .conflict_key = elements.size() > 1 ? elements[1].str() : ""};
  }
  if (kind == "duplicate") {
    return CommitResult{.kind = CommitResult::Kind::kDuplicate,
                        .duplicate_result = elements.size() > 1 ? elements[1].str() : ""};
  }
  return CommitResult{};
}

}  // namespace

absl::StatusOr<CommitResult> RegistrationRepository::Commit(const Transaction& transaction) {
  const Transaction* one[] = {&transaction};
  return std::move(CommitMany(one).front());
}

std::vector<absl::StatusOr<CommitResult>> RegistrationRepository::CommitMany(
    std::span<const Transaction* const> transactions) {
  std::vector<std::string> tenants;
  std::vector<outbox::Change> changes;
  tenants.reserve(transactions.size());
  changes.reserve(transactions.size());
  for (const Transaction* transaction : transactions) {
    tenants.push_back(transaction->tenant());
    changes.push_back({.keys = transaction->keys(),
                       .args = transaction->Arguments(),
                       .events = transaction->events()});
  }
  std::vector<absl::StatusOr<events::ScriptOutcome>> outcomes =
      outbox_.CommitMany(transaction_script_, tenants, changes);
  std::vector<absl::StatusOr<CommitResult>> results;
  results.reserve(outcomes.size());
  for (const absl::StatusOr<events::ScriptOutcome>& outcome : outcomes) {
    results.push_back(outcome.ok() ? ToCommitResult(*outcome)
                                   : absl::StatusOr<CommitResult>(outcome.status()));
  }
  return results;
}

std::string Fingerprint(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace ipraktik::registration
