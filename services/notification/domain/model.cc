#include "domain/model.h"

#include <algorithm>

namespace ipraktik::notification {

const char* MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kInternPlaced:
      return "intern_placed";
    case MessageKind::kInternMoved:
      return "intern_moved";
    case MessageKind::kInternUnmatched:
      return "intern_unmatched";
    case MessageKind::kHostInterns:
      return "host_interns";
    case MessageKind::kHostCancellation:
      return "host_cancellation";
    case MessageKind::kInternReminder:
      return "intern_reminder";
    case MessageKind::kHostReminder:
      return "host_reminder";
    case MessageKind::kEvaluationInvitation:
      return "evaluation_invitation";
    case MessageKind::kApprovalRequest:
      return "approval_request";
    case MessageKind::kApprovalDecision:
      return "approval_decision";
  }
  return "unknown";
}

std::optional<MessageKind> ParseMessageKind(std::string_view name) {
  for (MessageKind kind : kAllMessageKinds) {
    if (MessageKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

TenantSettings Merge(const TenantSettings& defaults, const TenantSettings& stored) {
  auto pick = [](const std::string& value, const std::string& fallback) {
    return value.empty() ? fallback : value;
  };
  TenantSettings merged;
  merged.sender_name = pick(stored.sender_name, defaults.sender_name);
  merged.sender_address = pick(stored.sender_address, defaults.sender_address);
  merged.reply_to = pick(stored.reply_to, defaults.reply_to);
  merged.signature_da = pick(stored.signature_da, defaults.signature_da);
  merged.signature_en = pick(stored.signature_en, defaults.signature_en);
  merged.reminder_days_before =
      stored.reminder_days_before > 0 ? stored.reminder_days_before : defaults.reminder_days_before;
  merged.programme_url = pick(stored.programme_url, defaults.programme_url);
  merged.local_programme_info_da =
      pick(stored.local_programme_info_da, defaults.local_programme_info_da);
  merged.local_programme_info_en =
      pick(stored.local_programme_info_en, defaults.local_programme_info_en);
  return merged;
}

std::vector<Date> NormalizedDays(std::vector<Date> days) {
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

}  // namespace ipraktik::notification
