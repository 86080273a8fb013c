#include "placement_desk.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "event_mapping.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/text/text.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::notification {
namespace {

// The matching service keeps a change's note up to 500 bytes.
constexpr std::size_t kMaxReasonBytes = 500;
constexpr std::size_t kMaxIdBytes = 128;

void CheckToken(const std::string& token, errors::Violations& out) {
  if (token.empty()) {
    out.Add("placement_token", "is required");
  } else if (absl::Status format = tokens::CheckFormat(token, kPlacementTokenKind); !format.ok()) {
    out.Add("placement_token", std::string(format.message()));
  }
}

void CheckReason(const std::string& reason, bool required, errors::Violations& out) {
  if (reason.empty()) {
    if (required) out.Add("reason", "is required: say why, for the programme's coordinators");
  } else if (!text::IsCleanText(reason, /*multiline=*/true)) {
    out.Add("reason", "must be UTF-8 text without control or bidirectional characters");
  } else if (reason.size() > kMaxReasonBytes) {
    out.Add("reason", absl::StrCat("is longer than ", kMaxReasonBytes, " bytes"));
  }
}

const char* ScopeOf(LinkRole role) { return role == LinkRole::kHost ? "host" : "placement"; }

void AddCalendars(const ComposedMessage& message, v1::LookupPlacementResponse& out) {
  for (std::size_t i = 0; i < message.attachments.size(); ++i) {
    v1::CalendarAttachment* calendar = out.add_calendars();
    calendar->set_file_name(message.attachments[i].file_name);
    calendar->set_method(CalendarMethodName(message.calendars[i].method));
    calendar->set_content(message.attachments[i].content);
  }
}

}  // namespace

PlacementDesk::PlacementDesk(Notifier& notifier, SchedulingRepository& scheduling,
                             PlacementLinkRepository& links, const TemplateStore& templates,
                             RecordPlacementChange record, Clock clock)
    : notifier_(notifier),
      scheduling_(scheduling),
      links_(links),
      templates_(templates),
      record_(std::move(record)),
      clock_(std::move(clock)) {}

absl::StatusOr<PlacementDesk::Found> PlacementDesk::Usable(const std::string& tenant,
                                                           const std::string& token) {
  if (!notifier_.LinksEnabled()) {
    return errors::NotFound("placement_link", "", "this server gives no placement links");
  }
  Found found{.digest = notifier_.LinkDigest(token)};
  auto link = links_.Get(tenant, found.digest);
  if (!link.ok()) return link.status();
  if (!link->has_value()) {
    return errors::NotFound("placement_link", "",
                            "no placement link has this token: it was never sent, or the "
                            "person's data has been erased");
  }
  found.link = **std::move(link);
  auto latest = scheduling_.LatestRevision(tenant, ScopeOf(found.link.role), found.link.scope_id);
  if (!latest.ok()) return latest.status();
  if (absl::Status usable = CheckLinkUsable(found.link, clock_(), *latest); !usable.ok()) {
    return usable;
  }
  return found;
}

absl::StatusOr<events::Envelope> PlacementDesk::LatestEvent(const std::string& tenant,
                                                            const StoredLink& link) {
  auto stored = scheduling_.LoadEvent(tenant, link.event_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return errors::NotFound("placement_link", "",
                            "the message this link came with is no longer kept");
  }
  auto envelope = events::ParseEnvelope(**stored);
  if (!envelope.ok()) return envelope.status();
  const char* expected =
      link.role == LinkRole::kHost ? contract::kHostInternsAssigned : contract::kInternPlaced;
  if (envelope->type() != expected) {
    return errors::FailedPrecondition("PLACEMENT_CANCELLED",
                                      absl::StrCat("placement_link/", LinkRoleName(link.role)),
                                      "a re-match has taken this placement away");
  }
  return envelope;
}

absl::StatusOr<v1::LookupPlacementResponse> PlacementDesk::Lookup(
    const server::CallContext& call, const v1::LookupPlacementRequest& request) {
  errors::Violations violations;
  CheckToken(request.placement_token(), violations);
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto found = Usable(call.tenant, request.placement_token());
  if (!found.ok()) return found.status();
  auto envelope = LatestEvent(call.tenant, found->link);
  if (!envelope.ok()) return envelope.status();
  auto settings = notifier_.EffectiveSettings(call.tenant);
  if (!settings.ok()) return settings.status();
  const absl::TimeZone zone = notifier_.options().time_zone;
  const MessageContext context{.tenant = call.tenant,
                               .event_id = envelope->id(),
                               .event_time = events::OccurredAt(*envelope),
                               .settings = *settings};

  v1::LookupPlacementResponse response;
  const absl::CivilDay last_day = absl::ToCivilDay(found->link.expires - absl::Seconds(1), zone);
  *response.mutable_valid_until() =
      ToProto(Date(std::chrono::year(static_cast<int>(last_day.year())),
                   std::chrono::month(static_cast<unsigned>(last_day.month())),
                   std::chrono::day(static_cast<unsigned>(last_day.day()))));
  std::vector<PlannedMessage> planned;
  std::string guide_file;
  if (found->link.role == LinkRole::kIntern) {
    auto payload = events::UnpackPayload<v1::InternPlaced>(*envelope);
    if (!payload.ok()) return payload.status();
    response.set_role(v1::PLACEMENT_ROLE_INTERN);
    *response.mutable_round() = payload->round();
    *response.mutable_host_offer() = payload->host_offer();
    *response.mutable_participant() = payload->intern();
    response.set_purpose(payload->purpose());
    InternPlaced event = FromProto(*payload);
    ToProto(NormalizedDays(event.days), response.mutable_days());
    planned = PlanMessages(event, context);
    guide_file = "partials/guide.txt";
  } else {
    auto payload = events::UnpackPayload<v1::HostInternsAssigned>(*envelope);
    if (!payload.ok()) return payload.status();
    response.set_role(v1::PLACEMENT_ROLE_HOST);
    *response.mutable_round() = payload->round();
    *response.mutable_host_offer() = payload->host_offer();
    *response.mutable_participant() = payload->host_offer().contact();
    HostInternsAssigned event = FromProto(*payload);
    if (auto dropped = notifier_.DropErasedInterns(call.tenant, event); !dropped.ok()) {
      return dropped;
    }
    std::set<std::string> coming;
    for (const auto& visitor : event.interns) coming.insert(visitor.intern.participant_id);
    for (const v1::VisitingIntern& visitor : payload->interns()) {
      if (coming.contains(visitor.intern().participant_id())) *response.add_interns() = visitor;
    }
    for (const std::string& declined : found->link.declined) {
      if (coming.contains(declined)) response.add_declined_participant_ids(declined);
    }
    ToProto(HostDays(event), response.mutable_days());
    // The message telling who comes (none: cancellations only, without calendars to show).
    for (auto& message : PlanMessages(event, context)) {
      if (message.kind == MessageKind::kHostInterns) planned.push_back(std::move(message));
    }
    guide_file = "partials/host_guide.txt";
  }
  const Language language = planned.empty() ? FromProto(response.participant().language())
                                            : planned.front().LanguageIn(context);
  response.set_language(ToProto(language));
  TemplateData data = planned.empty() ? TemplateData() : planned.front().data;
  auto guide = templates_.RenderText(call.tenant, language, guide_file, data);
  if (!guide.ok()) return guide.status();
  response.set_guide(*std::move(guide));
  if (!planned.empty()) {
    auto composed = Compose(planned.front(), context, templates_, 0, clock_(), zone);
    if (!composed.ok()) return composed.status();
    AddCalendars(*composed, response);
  }
  return response;
}

absl::StatusOr<v1::DeclinePlacementResponse> PlacementDesk::Decline(
    const server::CallContext& call, const v1::DeclinePlacementRequest& request) {
  errors::Violations violations;
  CheckToken(request.placement_token(), violations);
  if (request.participant_id().empty()) {
    violations.Add("participant_id", "is required: the intern declined");
  } else if (request.participant_id().size() > kMaxIdBytes ||
             !text::IsCleanText(request.participant_id())) {
    violations.Add("participant_id", "is not a participant id");
  }
  CheckReason(request.reason(), /*required=*/true, violations);
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  auto found = Usable(call.tenant, request.placement_token());
  if (!found.ok()) return found.status();
  const StoredLink& link = found->link;
  if (link.role != LinkRole::kHost) {
    return errors::FailedPrecondition(
        "NOT_HOST_LINK", "placement_link/intern",
        "this is an intern's link: only the host's link declines an intern (an intern withdraws)");
  }
  v1::DeclinePlacementResponse response;
  if (link.declined.contains(request.participant_id())) {
    response.set_already_declined(true);
    return response;
  }
  auto envelope = LatestEvent(call.tenant, link);
  if (!envelope.ok()) return envelope.status();
  auto payload = events::UnpackPayload<v1::HostInternsAssigned>(*envelope);
  if (!payload.ok()) return payload.status();
  const bool visiting = std::any_of(
      payload->interns().begin(), payload->interns().end(), [&](const v1::VisitingIntern& visitor) {
        return visitor.intern().participant_id() == request.participant_id();
      });
  if (!visiting) {
    return errors::FailedPrecondition("NOT_VISITING",
                                      absl::StrCat("participant/", request.participant_id()),
                                      "the intern is not among the interns coming to this host");
  }
  if (absl::Status recorded = record_(call, {.kind = PlacementChange::Kind::kHostDeclined,
                                             .round_id = link.round_id,
                                             .participant_id = request.participant_id(),
                                             .host_offer_id = link.scope_id,
                                             .note = request.reason()});
      !recorded.ok()) {
    return recorded;
  }
  auto added = links_.MarkDeclined(call.tenant, found->digest, request.participant_id());
  if (!added.ok()) return added.status();
  response.set_already_declined(!*added);
  return response;
}

absl::StatusOr<v1::WithdrawPlacementResponse> PlacementDesk::Withdraw(
    const server::CallContext& call, const v1::WithdrawPlacementRequest& request) {
  errors::Violations violations;
  CheckToken(request.placement_token(), violations);
  CheckReason(request.reason(), /*required=*/false, violations);
  if (auto status = violations.ToStatus(); !status.ok()) return status;
  v1::WithdrawPlacementResponse response;
  auto found = Usable(call.tenant, request.placement_token());
  if (!found.ok()) {
    // A repeat of the withdrawal is answered as done.
    for (const auto& violation : errors::PreconditionViolationsOf(found.status())) {
      if (violation.type == "ALREADY_WITHDRAWN") {
        response.set_already_withdrawn(true);
        return response;
      }
    }
    return found.status();
  }
  const StoredLink& link = found->link;
  if (link.role != LinkRole::kIntern) {
    return errors::FailedPrecondition(
        "NOT_INTERN_LINK", "placement_link/host",
        "this is a host's link: only the intern's link withdraws (a host declines an intern)");
  }
  if (absl::Status recorded = record_(call, {.kind = PlacementChange::Kind::kInternWithdrew,
                                             .round_id = link.round_id,
                                             .participant_id = link.participant_id,
                                             .note = request.reason()});
      !recorded.ok()) {
    return recorded;
  }
  auto marked = links_.MarkWithdrawn(call.tenant, found->digest);
  if (!marked.ok()) return marked.status();
  response.set_already_withdrawn(!*marked);
  return response;
}

}  // namespace ipraktik::notification
