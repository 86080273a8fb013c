#include "event_mapping.h"

#include "google/protobuf/util/time_util.h"
#include "ipraktik/contract/event_types.h"

namespace ipraktik::notification {
namespace {

Person PersonFromProto(const v1::PersonCard& card) {
  return {.participant_id = card.participant_id(),
          .name = card.name(),
          .email = card.email(),
          .phone = card.phone(),
          .job_title = card.job_title(),
          .workplace_name = card.workplace_name(),
          .workplace_sector = FromProto(card.workplace_sector()),
          .language = FromProto(card.language())};
}

HostOffer OfferFromProto(const v1::HostOfferCard& card) {
  return {.host_offer_id = card.host_offer_id(),
          .title = card.title(),
          .workplace_name = card.workplace_name(),
          .sector = FromProto(card.sector()),
          .description = card.description(),
          .address = card.address(),
          .municipality = card.municipality(),
          .region = card.region(),
          .contact = PersonFromProto(card.contact())};
}

Round RoundFromProto(const v1::RoundCard& card) {
  Round round{
      .programme_id = card.programme_id(), .round_id = card.round_id(), .name = card.name()};
  if (card.has_window_start()) round.window_start = FromProto(card.window_start());
  if (card.has_window_end()) round.window_end = FromProto(card.window_end());
  return round;
}

VisitingIntern VisitorFromProto(const v1::VisitingIntern& visitor) {
  return {.intern = PersonFromProto(visitor.intern()),
          .purpose = visitor.purpose(),
          .days = FromProto(visitor.days()),
          .placement_id = visitor.placement_id()};
}

google::protobuf::Timestamp Timestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(time));
}

v1::DeliveryState StateToProto(const std::string& state) {
  if (state == kStateSent) return v1::DELIVERY_STATE_SENT;
  if (state == kStateFailed) return v1::DELIVERY_STATE_FAILED;
  if (state == kStateUnconfirmed) return v1::DELIVERY_STATE_UNCONFIRMED;
  if (state == kStateRetrying) return v1::DELIVERY_STATE_RETRYING;
  if (state.empty()) return v1::DELIVERY_STATE_UNSPECIFIED;
  return v1::DELIVERY_STATE_PENDING;  // pending, sending, handed_over
}

}  // namespace

v1::MessageKind ToProto(MessageKind kind) {
  switch (kind) {
    case MessageKind::kInternPlaced:
      return v1::MESSAGE_KIND_INTERN_PLACED;
    case MessageKind::kInternMoved:
      return v1::MESSAGE_KIND_INTERN_MOVED;
    case MessageKind::kInternUnmatched:
      return v1::MESSAGE_KIND_INTERN_UNMATCHED;
    case MessageKind::kHostInterns:
      return v1::MESSAGE_KIND_HOST_INTERNS;
    case MessageKind::kHostCancellation:
      return v1::MESSAGE_KIND_HOST_CANCELLATION;
    case MessageKind::kInternReminder:
      return v1::MESSAGE_KIND_INTERN_REMINDER;
    case MessageKind::kHostReminder:
      return v1::MESSAGE_KIND_HOST_REMINDER;
    case MessageKind::kEvaluationInvitation:
      return v1::MESSAGE_KIND_EVALUATION_INVITATION;
    case MessageKind::kApprovalRequest:
      return v1::MESSAGE_KIND_APPROVAL_REQUEST;
    case MessageKind::kApprovalDecision:
      return v1::MESSAGE_KIND_APPROVAL_DECISION;
  }
  return v1::MESSAGE_KIND_UNSPECIFIED;
}

std::optional<MessageKind> FromProto(v1::MessageKind kind) {
  for (MessageKind candidate : kAllMessageKinds) {
    if (ToProto(candidate) == kind) return candidate;
  }
  return std::nullopt;
}

EventRevision RevisionOf(const v1::InternPlaced& event) {
  return {.scope = "placement", .id = event.placement_id(), .revision = event.revision()};
}

EventRevision RevisionOf(const v1::InternUnmatched& event) {
  return {.scope = "placement", .id = event.placement_id(), .revision = event.revision()};
}

EventRevision RevisionOf(const v1::HostInternsAssigned& event) {
  return {.scope = "host", .id = event.host_offer().host_offer_id(), .revision = event.revision()};
}

absl::StatusOr<std::optional<EventRevision>> RevisionOfEnvelope(const events::Envelope& envelope) {
  const auto of = [&envelope]<typename Payload>() -> absl::StatusOr<std::optional<EventRevision>> {
    auto payload = events::UnpackPayload<Payload>(envelope);
    if (!payload.ok()) return payload.status();
    return RevisionOf(*payload);
  };
  if (envelope.type() == contract::kInternPlaced) return of.operator()<v1::InternPlaced>();
  if (envelope.type() == contract::kInternUnmatched) return of.operator()<v1::InternUnmatched>();
  if (envelope.type() == contract::kHostInternsAssigned) {
    return of.operator()<v1::HostInternsAssigned>();
  }
  if (envelope.type() == contract::kReminderDue) return of.operator()<v1::ReminderDue>();
  return std::nullopt;
}

EventRevision RevisionOf(const v1::ReminderDue& event) {
  const std::string& reminder = event.reminder_id();
  const std::size_t colon = reminder.find(':');
  const bool host = reminder.substr(0, colon) == "host";
  return {.scope = host ? "host" : "placement",
          .id = colon == std::string::npos ? reminder : reminder.substr(colon + 1),
          .revision = event.revision()};
}

InternPlaced FromProto(const v1::InternPlaced& event) {
  return {.round = RoundFromProto(event.round()),
          .intern = PersonFromProto(event.intern()),
          .purpose = event.purpose(),
          .host_offer = OfferFromProto(event.host_offer()),
          .days = FromProto(event.days()),
          .rank = event.rank(),
          .moved = event.change() == v1::PLACEMENT_CHANGE_MOVED,
          .placement_id = event.placement_id(),
          .revision = event.revision()};
}

InternUnmatched FromProto(const v1::InternUnmatched& event) {
  return {.round = RoundFromProto(event.round()),
          .intern = PersonFromProto(event.intern()),
          .reason_code = event.reason_code(),
          .reason = event.reason(),
          .placement_id = event.placement_id(),
          .revision = event.revision(),
          .placement_cancelled = event.placement_cancelled(),
          .cancelled_days = FromProto(event.cancelled_days())};
}

HostInternsAssigned FromProto(const v1::HostInternsAssigned& event) {
  HostInternsAssigned out{.round = RoundFromProto(event.round()),
                          .host_offer = OfferFromProto(event.host_offer()),
                          .revision = event.revision()};
  for (const auto& visitor : event.interns()) out.interns.push_back(VisitorFromProto(visitor));
  for (const auto& visitor : event.cancelled()) out.cancelled.push_back(VisitorFromProto(visitor));
  return out;
}

EvaluationInvitation FromProto(const v1::EvaluationInvitationRequested& event) {
  EvaluationInvitation out{.round = RoundFromProto(event.round()),
                           .participant = PersonFromProto(event.participant()),
                           .role = FromProto(event.role()),
                           .form_url = event.form_url(),
                           .invitation_id = event.invitation_id(),
                           .host_workplace_name = event.host_workplace_name()};
  if (event.has_respond_by() && event.respond_by().year() > 0) {
    out.respond_by = FromProto(event.respond_by());
  }
  return out;
}

ApprovalRequest FromProto(const v1::ApprovalRequested& event) {
  ApprovalRequest out{.round = RoundFromProto(event.round()),
                      .programme_name = event.programme_name(),
                      .application_id = event.application_id(),
                      .intern = PersonFromProto(event.intern()),
                      .manager_name = event.manager().name(),
                      .manager_email = event.manager().email(),
                      .approval_url = event.approval_url(),
                      .purpose = event.purpose(),
                      .reminder = event.reminder()};
  if (event.has_respond_by() && event.respond_by().year() > 0) {
    out.respond_by = FromProto(event.respond_by());
  }
  for (const auto& wish : event.wishes()) {
    out.wishes.push_back({.rank = wish.rank(), .title = wish.title()});
  }
  return out;
}

ApprovalDecision FromProto(const v1::ApplicationApprovalDecided& event) {
  return {.round = RoundFromProto(event.round()),
          .application_id = event.application_id(),
          .intern = PersonFromProto(event.intern()),
          .approved = event.approval_state() == v1::APPROVAL_STATE_APPROVED,
          .comment = event.comment(),
          .manager_name = event.manager_name(),
          .changed = event.changed()};
}

TenantSettings FromProto(const v1::NotificationSettings& settings) {
  return {.sender_name = settings.sender_name(),
          .sender_address = settings.sender_address(),
          .reply_to = settings.reply_to(),
          .signature_da = settings.signature_da(),
          .signature_en = settings.signature_en(),
          .reminder_days_before = settings.reminder_days_before(),
          .programme_url = settings.programme_url(),
          .local_programme_info_da = settings.local_programme_info_da(),
          .local_programme_info_en = settings.local_programme_info_en()};
}

v1::NotificationSettings ToProto(const TenantSettings& settings) {
  v1::NotificationSettings out;
  out.set_sender_name(settings.sender_name);
  out.set_sender_address(settings.sender_address);
  out.set_reply_to(settings.reply_to);
  out.set_signature_da(settings.signature_da);
  out.set_signature_en(settings.signature_en);
  out.set_reminder_days_before(settings.reminder_days_before);
  out.set_programme_url(settings.programme_url);
  out.set_local_programme_info_da(settings.local_programme_info_da);
  out.set_local_programme_info_en(settings.local_programme_info_en);
  return out;
}

v1::Delivery ToProto(const DeliveryRecord& record) {
  v1::Delivery out;
  out.set_message_id(record.message_id);
  out.set_event_id(record.event_id);
  out.set_event_type(record.event_type);
  if (auto kind = ParseMessageKind(record.kind)) out.set_kind(ToProto(*kind));
  out.set_round_id(record.round_id);
  out.set_participant_id(record.participant_id);
  out.set_recipient_email(record.recipient_email);
  out.set_recipient_name(record.recipient_name);
  out.set_language(record.language == "en" ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH);
  out.set_subject(record.subject);
  out.set_state(StateToProto(record.state));
  out.set_attempts(record.attempts);
  out.set_failure_reason(record.failure_reason);
  out.set_last_error(record.last_error);
  out.set_smtp_code(record.smtp_code);
  *out.mutable_created_at() = Timestamp(record.created_at);
  *out.mutable_updated_at() = Timestamp(record.updated_at);
  if (record.sent_at) *out.mutable_sent_at() = Timestamp(*record.sent_at);
  out.set_resends(record.resends);
  out.set_rfc822_message_id(record.rfc822_message_id);
  return out;
}

}  // namespace ipraktik::notification
