#include "notification_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/delivery_state.h"
#include "domain/mime.h"
#include "event_mapping.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/model/page.h"
#include "ipraktik/text/text.h"
#include "ipraktik/v1/notification_events.pb.h"

namespace ipraktik::notification {
namespace {

// Bounds of a tenant's settings (docs/notification.md).
constexpr std::size_t kMaxLinkBytes = 500;
constexpr std::size_t kMaxSenderNameCharacters = 100;
constexpr std::size_t kMaxTextCharacters = 1000;

// Wraps a payload as the envelope the publishing service would have sent, for a preview.
template <typename Payload>
absl::StatusOr<events::Envelope> PreviewEnvelope(const std::string& type, const std::string& tenant,
                                                 const Payload& payload, absl::Time now) {
  return events::BuildEnvelope({.type = type, .tenant = tenant}, payload, now);
}

void ToProto(const ComposedMessage& message, v1::RenderedMessage& out) {
  out.set_kind(ToProto(message.kind));
  out.set_participant_id(message.recipient.participant_id);
  out.set_recipient_email(message.recipient.email);
  out.set_recipient_name(message.recipient.name);
  out.set_language(ToProto(message.language));
  out.set_subject(message.text.subject);
  out.set_text_body(message.text.text);
  out.set_html_body(message.text.html);
  for (std::size_t i = 0; i < message.attachments.size(); ++i) {
    auto* calendar = out.add_calendars();
    calendar->set_file_name(message.attachments[i].file_name);
    calendar->set_method(CalendarMethodName(message.calendars[i].method));
    calendar->set_content(message.attachments[i].content);
  }
  out.set_mime(message.mime);
}

// The domain of an address, lower case ("" when it has none).
std::string DomainOf(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : text::FoldCase(address.substr(at + 1));
}

// A link participants may be sent to: https only (never javascript: or data:), a host, no space
// or control character, and short enough for a mail line.
bool IsSafeLink(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() > kMaxLinkBytes || !url.starts_with(kScheme)) return false;
  std::string_view rest = url.substr(kScheme.size());
  if (rest.empty() || rest.front() == '/' || rest.front() == '@') return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\';
  });
}

absl::Status CheckSettings(const TenantSettings& settings,
                           const std::vector<std::string>& sender_domains) {
  errors::Violations violations;
  if (!settings.sender_address.empty()) {
    if (!LooksLikeMailAddress(settings.sender_address)) {
      violations.Add("settings.sender_address", "is not an e-mail address");
    } else if (std::find(sender_domains.begin(), sender_domains.end(),
                         DomainOf(settings.sender_address)) == sender_domains.end()) {
      violations.Add("settings.sender_address",
                     "must be in a sender domain configured for this service (" +
                         absl::StrJoin(sender_domains, ", ") + ")");
    }
  }
  if (!settings.reply_to.empty() && !LooksLikeMailAddress(settings.reply_to)) {
    violations.Add("settings.reply_to", "is not an e-mail address");
  }
  if (settings.reminder_days_before < 0 || settings.reminder_days_before > 60) {
    violations.Add("settings.reminder_days_before", "must be 0 (the default) to 60 days");
  }
  if (!settings.programme_url.empty() && !IsSafeLink(settings.programme_url)) {
    violations.Add("settings.programme_url",
                   absl::StrCat("must be an https:// link of at most ", kMaxLinkBytes,
                                " characters without spaces, quotes or angle brackets"));
  }
  struct TextRule {
    const char* field;
    const std::string* value;
    std::size_t max_characters;
    bool multiline;
  };
  for (const TextRule& rule : {
           TextRule{"settings.sender_name", &settings.sender_name, kMaxSenderNameCharacters, false},
           TextRule{"settings.signature_da", &settings.signature_da, kMaxTextCharacters, true},
           TextRule{"settings.signature_en", &settings.signature_en, kMaxTextCharacters, true},
           TextRule{"settings.local_programme_info_da", &settings.local_programme_info_da,
                    kMaxTextCharacters, true},
           TextRule{"settings.local_programme_info_en", &settings.local_programme_info_en,
                    kMaxTextCharacters, true},
       }) {
    if (!text::IsCleanText(*rule.value, rule.multiline)) {
      violations.Add(rule.field, rule.multiline
                                     ? "must be UTF-8 text without control or bidirectional "
                                       "characters"
                                     : "must be one line of UTF-8 text without control, "
                                       "bidirectional or zero-width characters");
    } else if (text::CharacterCount(*rule.value) > rule.max_characters) {
      violations.Add(rule.field,
                     absl::StrCat("is longer than ", rule.max_characters, " characters"));
    }
  }
  return violations.ToStatus("invalid notification settings");
}

}  // namespace

NotificationServiceImpl::NotificationServiceImpl(Notifier& notifier, DeliveryRepository& repository,
                                                 PlacementDesk& desk, server::Calls calls,
                                                 Clock clock)
    : notifier_(notifier),
      repository_(repository),
      desk_(desk),
      calls_(std::move(calls)),
      clock_(std::move(clock)) {}

template <typename Request, typename Response>
NotificationServiceImpl::Reactor* NotificationServiceImpl::Unary(
    Context* context, const Request* request, Response* response,
    absl::Status (NotificationServiceImpl::*method)(const server::CallContext&, const Request&,
                                                    Response&)) {
  return calls_.Unary(context, request, response,
                      [this, method](const server::CallContext& call,
                                     const Request& q) -> absl::StatusOr<Response> {
                        Response answer;
                        if (absl::Status status = (this->*method)(call, q, answer); !status.ok()) {
                          return status;
                        }
                        return answer;
                      });
}

NotificationServiceImpl::Reactor* NotificationServiceImpl::PreviewMessages(
    Context* context, const v1::PreviewMessagesRequest* request,
    v1::PreviewMessagesResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::Preview);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::ListDeliveries(
    Context* context, const v1::ListDeliveriesRequest* request,
    v1::ListDeliveriesResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::List);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::GetDelivery(
    Context* context, const v1::GetDeliveryRequest* request, v1::GetDeliveryResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::Get);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::CountDeliveries(
    Context* context, const v1::CountDeliveriesRequest* request,
    v1::CountDeliveriesResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::Count);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::ResendMessage(
    Context* context, const v1::ResendMessageRequest* request,
    v1::ResendMessageResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::Resend);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::GetNotificationSettings(
    Context* context, const v1::GetNotificationSettingsRequest* request,
    v1::GetNotificationSettingsResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::GetSettings);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::UpdateNotificationSettings(
    Context* context, const v1::UpdateNotificationSettingsRequest* request,
    v1::UpdateNotificationSettingsResponse* response) {
  return Unary(context, request, response, &NotificationServiceImpl::UpdateSettings);
}

namespace {
// The placement desk's calls take the call context itself (tenant, correlation id, deadline).
const server::CallContext& AsIs(const server::CallContext& call) { return call; }
}  // namespace

NotificationServiceImpl::Reactor* NotificationServiceImpl::LookupPlacement(
    Context* context, const v1::LookupPlacementRequest* request,
    v1::LookupPlacementResponse* response) {
  return calls_.UnaryOn(context, request, response, desk_, &PlacementDesk::Lookup, AsIs);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::DeclinePlacement(
    Context* context, const v1::DeclinePlacementRequest* request,
    v1::DeclinePlacementResponse* response) {
  return calls_.UnaryOn(context, request, response, desk_, &PlacementDesk::Decline, AsIs);
}
NotificationServiceImpl::Reactor* NotificationServiceImpl::WithdrawPlacement(
    Context* context, const v1::WithdrawPlacementRequest* request,
    v1::WithdrawPlacementResponse* response) {
  return calls_.UnaryOn(context, request, response, desk_, &PlacementDesk::Withdraw, AsIs);
}

absl::Status NotificationServiceImpl::Preview(const server::CallContext& call,
                                              const v1::PreviewMessagesRequest& request,
                                              v1::PreviewMessagesResponse& response) {
  PreviewRequest preview{.tenant = call.tenant, .participant_id = request.participant_id()};
  if (request.kind() != v1::MESSAGE_KIND_UNSPECIFIED) preview.kind = FromProto(request.kind());
  if (request.language() != v1::LANGUAGE_UNSPECIFIED) {
    preview.language = FromProto(request.language());
  }
  const absl::Time now = clock_();
  absl::StatusOr<events::Envelope> envelope;
  switch (request.source_case()) {
    case v1::PreviewMessagesRequest::kInternPlaced:
      envelope =
          PreviewEnvelope(contract::kInternPlaced, call.tenant, request.intern_placed(), now);
      break;
    case v1::PreviewMessagesRequest::kInternUnmatched:
      envelope =
          PreviewEnvelope(contract::kInternUnmatched, call.tenant, request.intern_unmatched(), now);
      break;
    case v1::PreviewMessagesRequest::kHostInternsAssigned:
      envelope = PreviewEnvelope(contract::kHostInternsAssigned, call.tenant,
                                 request.host_interns_assigned(), now);
      break;
    case v1::PreviewMessagesRequest::kEvaluationInvitationRequested:
      envelope = PreviewEnvelope(contract::kEvaluationInvitationRequested, call.tenant,
                                 request.evaluation_invitation_requested(), now);
      break;
    case v1::PreviewMessagesRequest::kApprovalRequested:
      envelope = PreviewEnvelope(contract::kApprovalRequested, call.tenant,
                                 request.approval_requested(), now);
      break;
    case v1::PreviewMessagesRequest::kApprovalDecided:
      envelope =
          PreviewEnvelope(contract::kApprovalDecided, call.tenant, request.approval_decided(), now);
      break;
    case v1::PreviewMessagesRequest::kMessageId:
      preview.message_id = request.message_id();
      break;
    case v1::PreviewMessagesRequest::SOURCE_NOT_SET:
      return errors::InvalidArgument(
          {{"source",
            "name an event (intern_placed, intern_unmatched, host_interns_assigned, "
            "evaluation_invitation_requested, approval_requested, approval_decided) or a "
            "message_id"}});
  }
  if (preview.message_id.empty()) {
    if (!envelope.ok()) return envelope.status();
    preview.envelope = *std::move(envelope);
  }
  auto messages = notifier_.Preview(preview);
  if (!messages.ok()) {
    if (messages.status().code() == absl::StatusCode::kNotFound && !preview.message_id.empty()) {
      return errors::NotFound("message", preview.message_id,
                              std::string(messages.status().message()));
    }
    return messages.status();
  }
  for (const auto& message : *messages) ToProto(message, *response.add_messages());
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::List(const server::CallContext& call,
                                           const v1::ListDeliveriesRequest& request,
                                           v1::ListDeliveriesResponse& response) {
  errors::Violations violations;
  if (request.round_id().empty() && request.participant_id().empty() && !request.failed_only()) {
    violations.Add("round_id", "set round_id, participant_id or failed_only");
  }
  if (!request.page_token().empty() &&
      request.page_token().find_first_not_of("0123456789") != std::string::npos) {
    violations.Add("page_token", "is not a token a previous page returned");
  }
  if (auto status = violations.ToStatus("invalid delivery query"); !status.ok()) return status;
  auto page = repository_.List(call.tenant,
                               {.round_id = request.round_id(),
                                .participant_id = request.participant_id(),
                                .failed_only = request.failed_only()},
                               model::PageSizeOf(request.page_size()), request.page_token());
  if (!page.ok()) return page.status();
  for (const auto& record : page->records) {
    auto delivery = Marked(call.tenant, record);
    if (!delivery.ok()) return delivery.status();
    *response.add_deliveries() = *std::move(delivery);
  }
  response.set_next_page_token(page->next_page_token);
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::Get(const server::CallContext& call,
                                          const v1::GetDeliveryRequest& request,
                                          v1::GetDeliveryResponse& response) {
  if (request.message_id().empty()) {
    return errors::InvalidArgument({{"message_id", "is required"}});
  }
  auto record = repository_.Get(call.tenant, request.message_id());
  if (!record.ok()) return record.status();
  if (!record->has_value()) return errors::NotFound("message", request.message_id());
  auto delivery = Marked(call.tenant, **record);
  if (!delivery.ok()) return delivery.status();
  *response.mutable_delivery() = *std::move(delivery);
  return absl::OkStatus();
}

absl::StatusOr<v1::Delivery> NotificationServiceImpl::Marked(const std::string& tenant,
                                                             const DeliveryRecord& record) {
  v1::Delivery delivery = ToProto(record);
  auto superseded = notifier_.Superseded(tenant, record);
  if (!superseded.ok()) return superseded.status();
  if (superseded->has_value()) {
    delivery.set_superseded(true);
    delivery.set_superseded_reason(**superseded);
  }
  return delivery;
}

absl::Status NotificationServiceImpl::Count(const server::CallContext& call,
                                            const v1::CountDeliveriesRequest& request,
                                            v1::CountDeliveriesResponse& response) {
  if (request.round_id().empty()) return errors::InvalidArgument({{"round_id", "is required"}});
  if (request.round_id().size() > 128) {
    return errors::InvalidArgument({{"round_id", "is longer than 128 characters"}});
  }
  DeliveryTally tally;
  std::string token;
  do {
    auto page = repository_.List(call.tenant, {.round_id = request.round_id()}, 1000, token);
    if (!page.ok()) return page.status();
    for (const auto& record : page->records) tally.Add(record.state);
    token = page->next_page_token;
  } while (!token.empty());
  response.set_sent(tally.sent);
  response.set_failed(tally.failed);
  response.set_pending(tally.pending);
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::Resend(const server::CallContext& call,
                                             const v1::ResendMessageRequest& request,
                                             v1::ResendMessageResponse& response) {
  if (request.message_id().empty()) {
    return errors::InvalidArgument({{"message_id", "is required"}});
  }
  // A superseded message would send an outdated placement (and its calendar REQUEST after a
  // cancellation): refused with the reason.
  auto existing = repository_.Get(call.tenant, request.message_id());
  if (!existing.ok()) return existing.status();
  if (!existing->has_value()) return errors::NotFound("message", request.message_id());
  auto superseded = notifier_.Superseded(call.tenant, **existing);
  if (!superseded.ok()) return superseded.status();
  if (superseded->has_value()) {
    return errors::FailedPrecondition(
        "SUPERSEDED", "message/" + request.message_id(),
        absl::StrCat(**superseded, "; the participant has the newer message"));
  }
  // The record and the event that makes the consumer send it again are stored together.
  auto record =
      repository_.RequestResend(call.tenant, request.message_id(), call.correlation_id, clock_());
  if (!record.ok()) {
    if (record.status().code() == absl::StatusCode::kNotFound) {
      return errors::NotFound("message", request.message_id());
    }
    return record.status();
  }
  calls_.LoggerFor(call).Info("resend requested",
                              {{"message_id", request.message_id()}, {"resend", record->resends}});
  *response.mutable_delivery() = ToProto(*record);
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::GetSettings(const server::CallContext& call,
                                                  const v1::GetNotificationSettingsRequest&,
                                                  v1::GetNotificationSettingsResponse& response) {
  auto stored = repository_.GetSettings(call.tenant);
  if (!stored.ok()) return stored.status();
  *response.mutable_settings() = ToProto(*stored);
  *response.mutable_effective() = ToProto(Merge(notifier_.defaults(), *stored));
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::UpdateSettings(
    const server::CallContext& call, const v1::UpdateNotificationSettingsRequest& request,
    v1::UpdateNotificationSettingsResponse& response) {
  TenantSettings settings = FromProto(request.settings());
  if (auto status = CheckSettings(settings, notifier_.sender_domains()); !status.ok()) {
    return status;
  }
  if (auto status = repository_.PutSettings(call.tenant, settings); !status.ok()) return status;
  *response.mutable_settings() = ToProto(settings);
  *response.mutable_effective() = ToProto(Merge(notifier_.defaults(), settings));
  return absl::OkStatus();
}

}  // namespace ipraktik::notification
