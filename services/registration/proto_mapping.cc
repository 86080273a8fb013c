#include "proto_mapping.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace ipraktik::registration {
namespace {

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return {list.begin(), list.end()};
}

}  // namespace

RoundState ToDomain(v1::RoundState state) {
  switch (state) {
    case v1::ROUND_STATE_OPEN:
      return RoundState::kOpen;
    case v1::ROUND_STATE_CLOSED:
      return RoundState::kClosed;
    case v1::ROUND_STATE_MATCHED:
      return RoundState::kMatched;
    case v1::ROUND_STATE_PUBLISHED:
      return RoundState::kPublished;
    case v1::ROUND_STATE_COMPLETED:
      return RoundState::kCompleted;
    default:
      return RoundState::kDraft;
  }
}

v1::RoundState ToProto(RoundState state) {
  switch (state) {
    case RoundState::kDraft:
      return v1::ROUND_STATE_DRAFT;
    case RoundState::kOpen:
      return v1::ROUND_STATE_OPEN;
    case RoundState::kClosed:
      return v1::ROUND_STATE_CLOSED;
    case RoundState::kMatched:
      return v1::ROUND_STATE_MATCHED;
    case RoundState::kPublished:
      return v1::ROUND_STATE_PUBLISHED;
    case RoundState::kCompleted:
      return v1::ROUND_STATE_COMPLETED;
  }
  return v1::ROUND_STATE_UNSPECIFIED;
}

HostOfferState ToDomain(v1::HostOfferState state) {
  switch (state) {
    case v1::HOST_OFFER_STATE_PUBLISHED:
      return HostOfferState::kPublished;
    case v1::HOST_OFFER_STATE_WITHDRAWN:
      return HostOfferState::kWithdrawn;
    default:
      return HostOfferState::kDraft;
  }
}

v1::HostOfferState ToProto(HostOfferState state) {
  switch (state) {
    case HostOfferState::kDraft:
      return v1::HOST_OFFER_STATE_DRAFT;
    case HostOfferState::kPublished:
      return v1::HOST_OFFER_STATE_PUBLISHED;
    case HostOfferState::kWithdrawn:
      return v1::HOST_OFFER_STATE_WITHDRAWN;
  }
  return v1::HOST_OFFER_STATE_UNSPECIFIED;
}

ApprovalState ToDomain(v1::ApprovalState state) {
  switch (state) {
    case v1::APPROVAL_STATE_PENDING:
      return ApprovalState::kPending;
    case v1::APPROVAL_STATE_APPROVED:
      return ApprovalState::kApproved;
    case v1::APPROVAL_STATE_REJECTED:
      return ApprovalState::kRejected;
    default:
      return ApprovalState::kNotRequired;
  }
}

v1::ApprovalState ToProto(ApprovalState state) {
  switch (state) {
    case ApprovalState::kNotRequired:
      return v1::APPROVAL_STATE_NOT_REQUIRED;
    case ApprovalState::kPending:
      return v1::APPROVAL_STATE_PENDING;
    case ApprovalState::kApproved:
      return v1::APPROVAL_STATE_APPROVED;
    case ApprovalState::kRejected:
      return v1::APPROVAL_STATE_REJECTED;
  }
  return v1::APPROVAL_STATE_UNSPECIFIED;
}

Programme ToDomain(const v1::Programme& programme) {
  return {.id = programme.programme_id(),
          .name = programme.name(),
          .description = programme.description(),
          .requires_manager_approval = programme.requires_manager_approval(),
          .retention_days = programme.retention_days()};
}

v1::Programme ToProto(const Programme& programme) {
  v1::Programme out;
  out.set_programme_id(programme.id);
  out.set_name(programme.name);
  out.set_description(programme.description);
  out.set_requires_manager_approval(programme.requires_manager_approval);
  out.set_retention_days(programme.retention_days);
  return out;
}

Round ToDomain(const v1::Round& round) {
  Round out{.id = round.round_id(),
            .programme_id = round.programme_id(),
            .name = round.name(),
            .window_start = FromProto(round.window_start()),
            .window_end = FromProto(round.window_end()),
            .signup_deadline = FromProto(round.signup_deadline()),
            .max_wishes = round.max_wishes(),
            .allowed_host_sectors = {},
            .state = ToDomain(round.state())};
  for (int sector : round.allowed_host_sectors()) {
    out.allowed_host_sectors.push_back(FromProto(static_cast<v1::Sector>(sector)));
  }
  return out;
}

v1::Round ToProto(const Round& round) {
  v1::Round out;
  out.set_round_id(round.id);
  out.set_programme_id(round.programme_id);
  out.set_name(round.name);
  *out.mutable_window_start() = ToProto(round.window_start);
  *out.mutable_window_end() = ToProto(round.window_end);
  *out.mutable_signup_deadline() = ToProto(round.signup_deadline);
  out.set_max_wishes(round.max_wishes);
  for (Sector sector : round.allowed_host_sectors) out.add_allowed_host_sectors(ToProto(sector));
  out.set_state(ToProto(round.state));
  return out;
}

Workplace ToDomain(const v1::Workplace& workplace) {
  return {.id = workplace.workplace_id(),
          .name = workplace.name(),
          .sector = FromProto(workplace.sector()),
          .region = workplace.region(),
          .municipality = workplace.municipality()};
}

v1::Workplace ToProto(const Workplace& workplace) {
  v1::Workplace out;
  out.set_workplace_id(workplace.id);
  out.set_name(workplace.name);
  out.set_sector(ToProto(workplace.sector));
  out.set_region(workplace.region);
  out.set_municipality(workplace.municipality);
  return out;
}

Participant ToDomain(const v1::Participant& participant) {
  return {.id = participant.participant_id(),
          .name = participant.name(),
          .email = participant.email(),
          .phone = participant.phone(),
          .job_title = participant.job_title(),
          .workplace_id = participant.workplace_id(),
          .language = FromProto(participant.language()),
          .consent = participant.consent()};
}

v1::Participant ToProto(const Participant& participant) {
  v1::Participant out;
  out.set_participant_id(participant.id);
  out.set_name(participant.name);
  out.set_email(participant.email);
  out.set_phone(participant.phone);
  out.set_job_title(participant.job_title);
  out.set_workplace_id(participant.workplace_id);
  out.set_language(ToProto(participant.language));
  out.set_consent(participant.consent);
  return out;
}

HostOffer ToDomain(const v1::HostOffer& offer) {
  return {.id = offer.host_offer_id(),
          .round_id = offer.round_id(),
          .workplace_id = offer.workplace_id(),
          .title = offer.title(),
          .description = offer.description(),
          .capacity = offer.capacity(),
          .days = FromProto(offer.days()),
          .address = offer.address(),
          .municipality = offer.municipality(),
          .region = offer.region(),
          .fields = Strings(offer.fields()),
          .contact_participant_id = offer.contact_participant_id(),
          .state = ToDomain(offer.state())};
}

v1::HostOffer ToProto(const HostOffer& offer) {
  v1::HostOffer out;
  out.set_host_offer_id(offer.id);
  out.set_round_id(offer.round_id);
  out.set_workplace_id(offer.workplace_id);
  out.set_title(offer.title);
  out.set_description(offer.description);
  out.set_capacity(offer.capacity);
  ToProto(offer.days, out.mutable_days());
  out.set_address(offer.address);
  out.set_municipality(offer.municipality);
  out.set_region(offer.region);
  for (const auto& field : offer.fields) out.add_fields(field);
  out.set_contact_participant_id(offer.contact_participant_id);
  out.set_state(ToProto(offer.state));
  return out;
}

CriteriaWish ToDomain(const v1::CriteriaWish& criteria) {
  return {.field = criteria.field(),
          .sector = FromProto(criteria.sector()),
          .region = criteria.region(),
          .municipality = criteria.municipality()};
}

v1::CriteriaWish ToProto(const CriteriaWish& criteria) {
  v1::CriteriaWish out;
  out.set_field(criteria.field);
  out.set_sector(ToProto(criteria.sector));
  out.set_region(criteria.region);
  out.set_municipality(criteria.municipality);
  return out;
}

Application ToDomain(const v1::Application& application) {
  Application out{.id = application.application_id(),
                  .round_id = application.round_id(),
                  .participant_id = application.participant_id(),
                  .purpose = application.purpose(),
                  .available_days = FromProto(application.available_days()),
                  .wishes = {},
                  .swap_request = std::nullopt,
                  .manager = std::nullopt,
                  .approval_state = ToDomain(application.approval_state()),
                  .approval_comment = application.approval_comment()};
  for (const v1::Wish& wish : application.wishes()) {
    Wish domain_wish;
    if (wish.has_criteria()) {
      domain_wish.criteria = ToDomain(wish.criteria());
    } else {
      domain_wish.host_offer_id = wish.host_offer_id();
    }
    out.wishes.push_back(std::move(domain_wish));
  }
  if (application.has_swap_request()) {
    out.swap_request = SwapRequest{.email = application.swap_request().email(),
                                   .name = application.swap_request().name()};
  }
  if (application.has_manager()) {
    out.manager =
        Manager{.name = application.manager().name(), .email = application.manager().email()};
  }
  return out;
}

v1::Application ToProto(const Application& application) {
  v1::Application out;
  out.set_application_id(application.id);
  out.set_round_id(application.round_id);
  out.set_participant_id(application.participant_id);
  out.set_purpose(application.purpose);
  ToProto(application.available_days, out.mutable_available_days());
  for (const Wish& wish : application.wishes) {
    v1::Wish* added = out.add_wishes();
    if (wish.criteria) {
      *added->mutable_criteria() = ToProto(*wish.criteria);
    } else {
      added->set_host_offer_id(wish.host_offer_id);
    }
  }
  if (application.swap_request) {
    out.mutable_swap_request()->set_email(application.swap_request->email);
    out.mutable_swap_request()->set_name(application.swap_request->name);
  }
  if (application.manager) {
    out.mutable_manager()->set_name(application.manager->name);
    out.mutable_manager()->set_email(application.manager->email);
  }
  out.set_approval_state(ToProto(application.approval_state));
  out.set_approval_comment(application.approval_comment);
  return out;
}

std::string Etag(std::int64_t version) { return absl::StrCat(version); }

void SetBookkeeping(const StoredRecord& record, google::protobuf::Message& message) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  if (const auto* etag = descriptor->FindFieldByName("etag")) {
    reflection->SetString(&message, etag, Etag(record.version));
  }
  auto set_time = [&](const char* name, absl::Time time) {
    const auto* field = descriptor->FindFieldByName(name);
    if (field == nullptr || field->message_type() == nullptr) return;
    auto* timestamp =
        static_cast<google::protobuf::Timestamp*>(reflection->MutableMessage(&message, field));
    *timestamp =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
  };
  set_time("create_time", record.create_time);
  set_time("update_time", record.update_time);
}

void ClearBookkeeping(google::protobuf::Message& message) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  for (const char* name : {"etag", "create_time", "update_time"}) {
    if (const auto* field = descriptor->FindFieldByName(name))
      reflection->ClearField(&message, field);
  }
}

}  // namespace ipraktik::registration
