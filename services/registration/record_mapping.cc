#include "record_mapping.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace ipraktik::registration {
namespace {

// A calendar day as the number yyyymmdd; 0 is the unset day. Any day the domain holds comes
// back as it went in, an invalid one included.
std::int32_t StoredDay(Date day) {
  return static_cast<std::int32_t>(static_cast<int>(day.year()) * 10000 +
                                   static_cast<int>(static_cast<unsigned>(day.month())) * 100 +
                                   static_cast<int>(static_cast<unsigned>(day.day())));
}

Date DayOf(std::int32_t stored) {
  return Date{std::chrono::year(stored / 10000),
              std::chrono::month(static_cast<unsigned>(stored / 100 % 100)),
              std::chrono::day(static_cast<unsigned>(stored % 100))};
}

template <typename Days>
void StoreDays(const std::vector<Date>& days, Days* out) {
  out->Reserve(static_cast<int>(days.size()));
  for (Date day : days) out->Add(StoredDay(day));
}

template <typename Days>
std::vector<Date> DaysOf(const Days& stored) {
  std::vector<Date> days;
  days.reserve(static_cast<std::size_t>(stored.size()));
  for (std::int32_t day : stored) days.push_back(DayOf(day));
  return days;
}

std::string SectorText(Sector sector) {
  return sector == Sector::kUnspecified ? std::string() : std::string(SectorName(sector));
}

std::string LanguageText(Language language) {
  switch (language) {
    case Language::kDanish:
      return "da";
    case Language::kEnglish:
      return "en";
    case Language::kUnspecified:
      break;
  }
  return "";
}

// Reads the names in one record; the first it does not know makes the record unreadable.
class NameReader {
 public:
  explicit NameReader(std::string_view kind) : kind_(kind) {}

  template <typename Value>
  Value Read(const std::optional<Value>& parsed, std::string_view name, Value fallback) {
    if (parsed) return *parsed;
    if (status_.ok()) {
      status_ = absl::DataLossError(absl::StrCat("a stored ", std::string(kind_),
                                                 " record holds the unknown name \"",
                                                 std::string(name), "\""));
    }
    return fallback;
  }
  Sector ReadSector(std::string_view name) {
    if (name.empty()) return Sector::kUnspecified;
    return Read(ParseSector(name), name, Sector::kUnspecified);
  }
  Language ReadLanguage(std::string_view name) {
    if (name.empty()) return Language::kUnspecified;
    std::optional<Language> parsed;
    if (name == "da") parsed = Language::kDanish;
    if (name == "en") parsed = Language::kEnglish;
    return Read(parsed, name, Language::kUnspecified);
  }

  template <typename Value>
  absl::StatusOr<Value> Result(Value value) const {
    if (!status_.ok()) return status_;
    return value;
  }

 private:
  std::string_view kind_;
  absl::Status status_;
};

storage::PersonRecord ToRecord(std::string_view name, std::string_view email) {
  storage::PersonRecord out;
  out.set_name(std::string(name));
  out.set_email(std::string(email));
  return out;
}

}  // namespace

storage::ProgrammeRecord ToRecord(const Programme& programme) {
  storage::ProgrammeRecord out;
  out.set_id(programme.id);
  out.set_name(programme.name);
  out.set_description(programme.description);
  out.set_requires_manager_approval(programme.requires_manager_approval);
  out.set_retention_days(programme.retention_days);
  return out;
}

absl::StatusOr<Programme> FromRecord(const storage::ProgrammeRecord& record) {
  return Programme{.id = record.id(),
                   .name = record.name(),
                   .description = record.description(),
                   .requires_manager_approval = record.requires_manager_approval(),
                   .retention_days = record.retention_days()};
}

storage::RoundRecord ToRecord(const Round& round) {
  storage::RoundRecord out;
  out.set_id(round.id);
  out.set_programme_id(round.programme_id);
  out.set_name(round.name);
  out.set_window_start(StoredDay(round.window_start));
  out.set_window_end(StoredDay(round.window_end));
  out.set_signup_deadline(StoredDay(round.signup_deadline));
  out.set_max_wishes(round.max_wishes);
  for (Sector sector : round.allowed_host_sectors) out.add_allowed_host_sectors(SectorText(sector));
  out.set_state(std::string(RoundStateName(round.state)));
  return out;
}

absl::StatusOr<Round> FromRecord(const storage::RoundRecord& record) {
  NameReader names("round");
  Round round{
      .id = record.id(),
      .programme_id = record.programme_id(),
      .name = record.name(),
      .window_start = DayOf(record.window_start()),
      .window_end = DayOf(record.window_end()),
      .signup_deadline = DayOf(record.signup_deadline()),
      .max_wishes = record.max_wishes(),
      .allowed_host_sectors = {},
      .state = names.Read(ParseRoundState(record.state()), record.state(), RoundState::kDraft)};
  for (const std::string& sector : record.allowed_host_sectors()) {
    round.allowed_host_sectors.push_back(names.ReadSector(sector));
  }
  return names.Result(std::move(round));
}

storage::WorkplaceRecord ToRecord(const Workplace& workplace) {
  storage::WorkplaceRecord out;
  out.set_id(workplace.id);
  out.set_name(workplace.name);
  out.set_sector(SectorText(workplace.sector));
  out.set_region(workplace.region);
  out.set_municipality(workplace.municipality);
  return out;
}

absl::StatusOr<Workplace> FromRecord(const storage::WorkplaceRecord& record) {
  NameReader names("workplace");
  return names.Result(Workplace{.id = record.id(),
                                .name = record.name(),
                                .sector = names.ReadSector(record.sector()),
                                .region = record.region(),
                                .municipality = record.municipality()});
}

storage::ParticipantRecord ToRecord(const Participant& participant, absl::Time consent_time) {
  storage::ParticipantRecord out;
  out.set_id(participant.id);
  out.set_name(participant.name);
  out.set_email(participant.email);
  out.set_phone(participant.phone);
  out.set_job_title(participant.job_title);
  out.set_workplace_id(participant.workplace_id);
  out.set_language(LanguageText(participant.language));
  out.set_consent(participant.consent);
  out.set_consent_micros(absl::ToUnixMicros(consent_time));
  return out;
}

absl::StatusOr<Participant> FromRecord(const storage::ParticipantRecord& record) {
  NameReader names("participant");
  return names.Result(Participant{.id = record.id(),
                                  .name = record.name(),
                                  .email = record.email(),
                                  .phone = record.phone(),
                                  .job_title = record.job_title(),
                                  .workplace_id = record.workplace_id(),
                                  .language = names.ReadLanguage(record.language()),
                                  .consent = record.consent()});
}

storage::HostOfferRecord ToRecord(const HostOffer& offer) {
  storage::HostOfferRecord out;
  out.set_id(offer.id);
  out.set_round_id(offer.round_id);
  out.set_workplace_id(offer.workplace_id);
  out.set_title(offer.title);
  out.set_description(offer.description);
  out.set_capacity(offer.capacity);
  StoreDays(offer.days, out.mutable_days());
  out.set_address(offer.address);
  out.set_municipality(offer.municipality);
  out.set_region(offer.region);
  out.mutable_fields()->Assign(offer.fields.begin(), offer.fields.end());
  out.set_contact_participant_id(offer.contact_participant_id);
  out.set_state(std::string(HostOfferStateName(offer.state)));
  return out;
}

absl::StatusOr<HostOffer> FromRecord(const storage::HostOfferRecord& record) {
  NameReader names("host offer");
  return names.Result(HostOffer{.id = record.id(),
                                .round_id = record.round_id(),
                                .workplace_id = record.workplace_id(),
                                .title = record.title(),
                                .description = record.description(),
                                .capacity = record.capacity(),
                                .days = DaysOf(record.days()),
                                .address = record.address(),
                                .municipality = record.municipality(),
                                .region = record.region(),
                                .fields = {record.fields().begin(), record.fields().end()},
                                .contact_participant_id = record.contact_participant_id(),
                                .state = names.Read(ParseHostOfferState(record.state()),
                                                    record.state(), HostOfferState::kDraft)});
}

storage::ApplicationRecord ToRecord(const Application& application) {
  storage::ApplicationRecord out;
  out.set_id(application.id);
  out.set_round_id(application.round_id);
  out.set_participant_id(application.participant_id);
  out.set_purpose(application.purpose);
  StoreDays(application.available_days, out.mutable_available_days());
  for (const Wish& wish : application.wishes) {
    storage::WishRecord* stored = out.add_wishes();
    if (!wish.criteria) {
      stored->set_host_offer_id(wish.host_offer_id);
      continue;
    }
    storage::WishRecord::Criteria* criteria = stored->mutable_criteria();
    criteria->set_field(wish.criteria->field);
    criteria->set_sector(SectorText(wish.criteria->sector));
    criteria->set_region(wish.criteria->region);
    criteria->set_municipality(wish.criteria->municipality);
  }
  if (const auto& swap = application.swap_request) {
    *out.mutable_swap_request() = ToRecord(swap->name, swap->email);
  }
  if (const auto& manager = application.manager) {
    *out.mutable_manager() = ToRecord(manager->name, manager->email);
  }
  out.set_approval_state(std::string(ApprovalStateName(application.approval_state)));
  out.set_approval_comment(application.approval_comment);
  return out;
}

absl::StatusOr<Application> FromRecord(const storage::ApplicationRecord& record) {
  NameReader names("application");
  Application application{
      .id = record.id(),
      .round_id = record.round_id(),
      .participant_id = record.participant_id(),
      .purpose = record.purpose(),
      .available_days = DaysOf(record.available_days()),
      .wishes = {},
      .swap_request = std::nullopt,
      .manager = std::nullopt,
      .approval_state = names.Read(ParseApprovalState(record.approval_state()),
                                   record.approval_state(), ApprovalState::kNotRequired),
      .approval_comment = record.approval_comment()};
  for (const storage::WishRecord& stored : record.wishes()) {
    Wish& wish = application.wishes.emplace_back();
    if (!stored.has_criteria()) {
      wish.host_offer_id = stored.host_offer_id();
      continue;
    }
    const storage::WishRecord::Criteria& criteria = stored.criteria();
    wish.criteria = CriteriaWish{.field = criteria.field(),
                                 .sector = names.ReadSector(criteria.sector()),
                                 .region = criteria.region(),
                                 .municipality = criteria.municipality()};
  }
  if (record.has_swap_request()) {
    application.swap_request =
        SwapRequest{.email = record.swap_request().email(), .name = record.swap_request().name()};
  }
  if (record.has_manager()) {
    application.manager =
        Manager{.name = record.manager().name(), .email = record.manager().email()};
  }
  return names.Result(std::move(application));
}

std::string StoredBytes(const v1::Participant& participant) {
  absl::Time consent_time = absl::UnixEpoch();
  if (participant.has_consent_time()) {
    consent_time = absl::FromUnixMicros(
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(participant.consent_time()));
  }
  return ToRecord(ToDomain(participant), consent_time).SerializeAsString();
}

template <>
absl::StatusOr<v1::Participant> FromStoredBytes<v1::Participant>(std::string_view bytes) {
  auto record = ParseStored<storage::ParticipantRecord>(bytes);
  if (!record.ok()) return record.status();
  auto participant = FromRecord(*record);
  if (!participant.ok()) return participant.status();
  v1::Participant out = ToProto(*participant);
  if (record->consent_micros() != 0) {
    *out.mutable_consent_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(record->consent_micros());
  }
  return out;
}

}  // namespace ipraktik::registration
