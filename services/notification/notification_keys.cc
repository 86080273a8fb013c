#include "notification_keys.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ipraktik::notification {
namespace {

// An index of records without that id (no round, no participant) still needs a key.
std::string IndexId(const std::string& id) { return id.empty() ? std::string("-") : id; }

}  // namespace

absl::StatusOr<NotificationKeys> NotificationKeys::For(const std::string& tenant) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return NotificationKeys{*std::move(keys)};
}

std::string NotificationKeys::Message(const std::string& id) const {
  return tenant.Key("notification:message", id);
}
std::string NotificationKeys::Round(const std::string& id) const {
  return tenant.Key("notification:round", IndexId(id));
}
std::string NotificationKeys::RoundFailed(const std::string& id) const {
  return tenant.Key("notification:round-failed", IndexId(id));
}
std::string NotificationKeys::Participant(const std::string& id) const {
  return tenant.Key("notification:participant", IndexId(id));
}
std::string NotificationKeys::Failed() const { return tenant.Key("notification:failed"); }
std::string NotificationKeys::Erased(const std::string& participant_id) const {
  return tenant.Key("notification:erased", participant_id);
}
std::string NotificationKeys::Event(const std::string& id) const {
  return tenant.Key("notification:event", id);
}
std::string NotificationKeys::Mentions(const std::string& participant_id) const {
  return tenant.Key("notification:mentions", participant_id);
}
std::string NotificationKeys::Revision(const std::string& scope, const std::string& id) const {
  return tenant.Key("notification:revision", absl::StrCat(scope, ":", id));
}
std::string NotificationKeys::Reminders() const { return tenant.Key("notification:reminders"); }
std::string NotificationKeys::ReminderKey(const std::string& id) const {
  return tenant.Key("notification:reminder", id);
}
std::string NotificationKeys::Settings() const { return tenant.Key("notification:settings"); }
std::string NotificationKeys::PlacementLink(const std::string& digest) const {
  return tenant.Key("notification:link", digest);
}
std::string NotificationKeys::PlacementLinks(const std::string& participant_id) const {
  return tenant.Key("notification:links", participant_id);
}

std::string Millis(absl::Time time) { return absl::StrCat(absl::ToUnixMillis(time)); }
std::string Millis(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Milliseconds(duration));
}

std::int64_t ToInt(const std::string& text) {
  std::int64_t value = 0;
  return absl::SimpleAtoi(text, &value) ? value : 0;
}

std::map<std::string, std::string> HashOf(const store::Reply& reply) {
  std::map<std::string, std::string> fields;
  const auto& elements = reply.elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields[elements[i].str()] = elements[i + 1].str();
  }
  return fields;
}

}  // namespace ipraktik::notification
