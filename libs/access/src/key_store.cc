#include "ipraktik/access/key_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::access {
namespace {

constexpr std::string_view kKeyPrefix = "ipraktik:access:key:";
constexpr std::string_view kIdPrefix = "ipraktik:access:id:";
constexpr std::string_view kTenantPrefix = "ipraktik:access:tenant:";
constexpr std::size_t kKeyIdDigits = 16;

std::string RecordKey(std::string_view digest) { return std::string(kKeyPrefix) += digest; }
std::string IdKey(std::string_view key_id) { return std::string(kIdPrefix) += key_id; }
std::string TenantKey(std::string_view tenant) { return std::string(kTenantPrefix) += tenant; }
std::string Seconds(absl::Time time) { return absl::StrCat(absl::ToUnixSeconds(time)); }

absl::Time TimeOf(const std::map<std::string, std::string>& fields, const std::string& name) {
  std::int64_t seconds = 0;
  auto found = fields.find(name);
  if (found == fields.end() || !absl::SimpleAtoi(found->second, &seconds)) {
    return absl::InfinitePast();
  }
  return absl::FromUnixSeconds(seconds);
}

absl::StatusOr<KeyRecord> ParseRecord(const store::Reply& reply) {
  const auto& elements = reply.elements();
  if (elements.empty()) return absl::NotFoundError("no such API key");
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields[elements[i].str()] = elements[i + 1].str();
  }
  KeyRecord record;
  record.key_id = fields["key_id"];
  record.tenant = fields["tenant"];
  int role = 0;
  if (!absl::SimpleAtoi(fields["role"], &role) || !v1::AccessRole_IsValid(role)) {
    return absl::InternalError(absl::StrCat("API key ", record.key_id, " has no valid role"));
  }
  record.role = static_cast<v1::AccessRole>(role);
  record.label = fields["label"];
  record.create_time = TimeOf(fields, "created");
  record.expire_time = TimeOf(fields, "expires");
  record.revoked = fields["revoked"] == "1";
  if (fields.contains("last_used")) record.last_used_time = TimeOf(fields, "last_used");
  return record;
}

}  // namespace

KeyStore::KeyStore(store::Pool& redis, std::string secret)
    : redis_(redis), secret_(std::move(secret)) {}

absl::StatusOr<KeyStore::Created> KeyStore::Create(std::string_view tenant, v1::AccessRole role,
                                                   std::string_view label, absl::Time now,
                                                   absl::Duration valid_for) {
  auto key = tokens::NewToken(kKeyKind);
  if (!key.ok()) return key.status();
  const std::string digest = tokens::Digest(secret_, *key);
  KeyRecord record{.key_id = absl::StrCat("key-", digest.substr(0, kKeyIdDigits)),
                   .tenant = std::string(tenant),
                   .role = role,
                   .label = std::string(label),
                   .create_time = absl::FromUnixSeconds(absl::ToUnixSeconds(now)),
                   .expire_time = absl::FromUnixSeconds(absl::ToUnixSeconds(now + valid_for)),
                   .revoked = false,
                   .last_used_time = std::nullopt};
  store::Pipeline pipeline;
  pipeline.Add({"MULTI"})
      .Add({"HSET", RecordKey(digest), "key_id", record.key_id, "tenant", record.tenant, "role",
            absl::StrCat(static_cast<int>(role)), "label", record.label, "created",
            Seconds(record.create_time), "expires", Seconds(record.expire_time), "revoked", "0"})
      .Add({"SET", IdKey(record.key_id), digest})
      .Add({"SADD", TenantKey(record.tenant), record.key_id})
      .Add({"EXEC"});
  auto replies = redis_.Execute(pipeline);
  if (!replies.ok()) return replies.status();
  for (const auto& reply : *replies) {
    if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
  }
  return Created{.key = *std::move(key), .record = std::move(record)};
}

absl::StatusOr<KeyRecord> KeyStore::FindByDigest(std::string_view digest) const {
  auto reply = redis_.Command({"HGETALL", RecordKey(digest)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return ParseRecord(*reply);
}

absl::StatusOr<KeyRecord> KeyStore::Find(std::string_view key) const {
  return FindByDigest(tokens::Digest(secret_, key));
}

absl::Status KeyStore::Touch(std::string_view key, absl::Time now) {
  // Records are never deleted (revoking sets a flag), so this cannot bring one back.
  return redis_
      .Command({"HSET", RecordKey(tokens::Digest(secret_, key)), "last_used", Seconds(now)})
      .status();
}

absl::StatusOr<KeyRecord> KeyStore::Get(std::string_view tenant, std::string_view key_id) const {
  auto member = redis_.Command({"SISMEMBER", TenantKey(tenant), key_id}, store::Retry::kIdempotent);
  if (!member.ok()) return member.status();
  auto digest = redis_.Command({"GET", IdKey(key_id)}, store::Retry::kIdempotent);
  if (!digest.ok()) return digest.status();
  if (member->integer() != 1 || digest->is_nil()) {
    return absl::NotFoundError(
        absl::StrCat("no API key ", std::string(key_id.substr(0, 64)), " in this tenant"));
  }
  return FindByDigest(digest->str());
}

absl::StatusOr<std::vector<KeyRecord>> KeyStore::List(std::string_view tenant) const {
  auto ids = redis_.Command({"SMEMBERS", TenantKey(tenant)}, store::Retry::kIdempotent);
  if (!ids.ok()) return ids.status();
  std::vector<KeyRecord> records;
  for (const auto& id : ids->elements()) {
    auto record = Get(tenant, id.str());
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) return record.status();
    records.push_back(*std::move(record));
  }
  std::sort(records.begin(), records.end(), [](const KeyRecord& a, const KeyRecord& b) {
    return a.create_time != b.create_time ? a.create_time > b.create_time : a.key_id < b.key_id;
  });
  return records;
}

absl::StatusOr<KeyRecord> KeyStore::Revoke(std::string_view tenant, std::string_view key_id) {
  auto record = Get(tenant, key_id);
  if (!record.ok()) return record.status();
  auto digest = redis_.Command({"GET", IdKey(key_id)}, store::Retry::kIdempotent);
  if (!digest.ok()) return digest.status();
  auto revoked = redis_.Command({"HSET", RecordKey(digest->str()), "revoked", "1"});
  if (!revoked.ok()) return revoked.status();
  record->revoked = true;
  return record;
}

}  // namespace ipraktik::access
