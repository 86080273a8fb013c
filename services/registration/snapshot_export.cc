#include "snapshot_export.h"

#include <charconv>
#include <set>

#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "google/protobuf/util/time_util.h"
#include "ipraktik/errors/errors.h"
#include "registrar_events.h"
#include "registrar_support.h"

namespace ipraktik::registration {
namespace {

constexpr int kApplicationBatch = 256;
// What a repeated element costs beyond its own bytes (tag and length), with room to spare.
constexpr std::size_t kElementOverhead = 16;

std::int64_t Revision(const StoredRecord& record) {
  std::string text = record.Field("rev");
  std::int64_t revision = 0;
  std::from_chars(text.data(), text.data() + text.size(), revision);
  return revision;
}

bool IsFrozen(v1::RoundState state) {
  return state == v1::ROUND_STATE_CLOSED || state == v1::ROUND_STATE_MATCHED ||
         state == v1::ROUND_STATE_PUBLISHED || state == v1::ROUND_STATE_COMPLETED;
}

std::size_t Cost(const google::protobuf::Message& element) {
  return element.ByteSizeLong() + kElementOverhead;
}

}  // namespace

SnapshotExport::SnapshotExport(RegistrationRepository& repository, KeySpace keys,
                               std::size_t budget)
    : repository_(repository), keys_(std::move(keys)), budget_(budget) {}

absl::StatusOr<std::unique_ptr<SnapshotExport>> SnapshotExport::Start(
    RegistrationRepository& repository, const Caller& caller,
    const v1::ExportRoundSnapshotRequest& request, absl::Time now) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  errors::Violations violations;
  RequireId(request.round_id(), "round_id", violations);
  int size = request.max_message_bytes() == 0 ? kMaxMessageBytes : request.max_message_bytes();
  if (size < kMinMessageBytes || size > kMaxMessageBytes) {
    violations.Add("max_message_bytes", absl::StrCat("must be between ", kMinMessageBytes, " and ",
                                                     kMaxMessageBytes, " (or 0 for the default)"));
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  auto round = LoadExisting<v1::Round>(repository, keys->Round(request.round_id()), "round",
                                       request.round_id());
  if (!round.ok()) return round.status();
  if (!IsFrozen(round->message.state())) {
    const bool draft = round->message.state() == v1::ROUND_STATE_DRAFT;
    return errors::FailedPrecondition(
        "ROUND_NOT_CLOSED", "round/" + request.round_id(),
        absl::StrCat(
            "round ", request.round_id(), " is ", draft ? "a draft" : "open for sign-ups",
            ": a round is matched (exported) only once it is closed for sign-ups, so that its "
            "data no longer changes; ",
            draft ? "open it (TransitionRound to ROUND_STATE_OPEN), let interns and hosts sign "
                    "up, then close it (TransitionRound to ROUND_STATE_CLOSED)"
                  : "close it first (TransitionRound to ROUND_STATE_CLOSED)"));
  }
  // Headroom for the response's own framing.
  std::unique_ptr<SnapshotExport> exporter(
      new SnapshotExport(repository, *std::move(keys), static_cast<std::size_t>(size) - 64));
  exporter->round_ = std::move(round->message);
  exporter->revision_ = Revision(round->record);
  exporter->now_ = now;
  if (absl::Status status = exporter->LoadOffers(); !status.ok()) return status;
  return exporter;
}

absl::Status SnapshotExport::LoadWorkplaces(const std::vector<std::string>& ids) {
  std::vector<std::string> missing;
  std::set<std::string> asked;
  for (const auto& id : ids) {
    if (!id.empty() && !workplaces_.contains(id) && asked.insert(id).second) missing.push_back(id);
  }
  if (missing.empty()) return absl::OkStatus();
  std::vector<std::string> record_keys;
  for (const auto& id : missing) record_keys.push_back(keys_.Workplace(id));
  auto records = repository_.GetRecords(record_keys);
  if (!records.ok()) return records.status();
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (!(*records)[i]) continue;
    auto workplace = ParseRecord<v1::Workplace>(*(*records)[i]);
    if (!workplace.ok()) return workplace.status();
    workplaces_.emplace(missing[i], *std::move(workplace));
  }
  return absl::OkStatus();
}

const v1::Workplace* SnapshotExport::WorkplaceOf(const std::string& id) {
  auto it = workplaces_.find(id);
  return it == workplaces_.end() ? nullptr : &it->second;
}

absl::Status SnapshotExport::LoadOffers() {
  auto offers = OffersOfRound(repository_, keys_, round_.round_id(), /*published_only=*/true);
  if (!offers.ok()) return offers.status();
  const std::vector<v1::HostOffer>& published = *offers;

  std::vector<std::string> workplace_ids;
  std::vector<std::string> contact_keys;
  for (const auto& offer : published) {
    workplace_ids.push_back(offer.workplace_id());
    contact_keys.push_back(keys_.Participant(offer.contact_participant_id()));
  }
  auto contacts = repository_.GetRecords(contact_keys);
  if (!contacts.ok()) return contacts.status();
  std::vector<std::optional<v1::Participant>> contact_messages;
  for (const auto& record : *contacts) {
    if (!record) {
      contact_messages.emplace_back();
      continue;
    }
    auto contact = ParseRecord<v1::Participant>(*record);
    if (!contact.ok()) return contact.status();
    workplace_ids.push_back(contact->workplace_id());
    contact_messages.emplace_back(*std::move(contact));
  }
  if (absl::Status loaded = LoadWorkplaces(workplace_ids); !loaded.ok()) return loaded;

  std::vector<OfferFacts> facts;
  facts.reserve(published.size());
  offers_.reserve(published.size());
  for (std::size_t i = 0; i < published.size(); ++i) {
    const v1::HostOffer& offer = published[i];
    const v1::Workplace* workplace = WorkplaceOf(offer.workplace_id());
    const std::optional<v1::Participant>& contact = contact_messages[i];
    const v1::Workplace* contact_workplace = nullptr;
    if (contact) {
      contact_workplace = WorkplaceOf(contact->workplace_id());
    }
    v1::SnapshotHostOffer out;
    out.set_host_offer_id(offer.host_offer_id());
    out.set_workplace_id(offer.workplace_id());
    if (workplace != nullptr) {
      out.set_workplace_name(workplace->name());
      out.set_sector(workplace->sector());
    }
    out.set_region(offer.region());
    out.set_municipality(offer.municipality());
    out.set_capacity(offer.capacity());
    *out.mutable_days() = offer.days();
    *out.mutable_fields() = offer.fields();
    *out.mutable_card() =
        HostOfferCard(offer, workplace, contact ? &*contact : nullptr, contact_workplace);
    facts.push_back({.id = offer.host_offer_id(),
                     .workplace_id = offer.workplace_id(),
                     .sector = FromProto(out.sector()),
                     .region = offer.region(),
                     .municipality = offer.municipality(),
                     .fields = {offer.fields().begin(), offer.fields().end()},
                     .days = {}});
    offers_.push_back(std::move(out));
  }
  expander_ = std::make_unique<WishExpander>(std::move(facts));
  return absl::OkStatus();
}

absl::StatusOr<bool> SnapshotExport::LoadApplications() {
  auto entries =
      repository_.Range(keys_.RoundApplications(round_.round_id()), after_, kApplicationBatch);
  if (!entries.ok()) return entries.status();
  if (entries->empty()) return false;
  after_ = entries->back().score;

  std::vector<std::string> record_keys;
  for (const auto& entry : *entries) record_keys.push_back(keys_.Application(entry.id));
  auto records = repository_.GetRecords(record_keys);
  if (!records.ok()) return records.status();
  std::vector<v1::Application> applications;
  for (const auto& record : *records) {
    if (!record) continue;  // erased meanwhile; the revision check reports it
    auto application = ParseRecord<v1::Application>(*record);
    if (!application.ok()) return application.status();
    switch (application->approval_state()) {
      case v1::APPROVAL_STATE_PENDING:
        ++awaiting_approval_;
        continue;
      case v1::APPROVAL_STATE_REJECTED:
        ++rejected_;
        continue;
      default:
        applications.push_back(*std::move(application));
    }
  }

  Reads reads;
  std::vector<std::size_t> person_at;
  std::vector<std::optional<std::size_t>> swap_at;
  for (const auto& application : applications) {
    person_at.push_back(reads.Record(keys_.Participant(application.participant_id())));
    swap_at.push_back(
        application.swap_request().email().empty()
            ? std::nullopt
            : std::optional(reads.Value(keys_.EmailIndex(application.swap_request().email()))));
  }
  auto read = repository_.Read(reads);
  if (!read.ok()) return read.status();
  std::vector<std::optional<v1::Participant>> people;
  std::vector<std::string> workplace_ids;
  for (std::size_t i = 0; i < applications.size(); ++i) {
    auto record = read->Record(person_at[i]);
    if (!record) {
      people.emplace_back();
      continue;
    }
    auto person = ParseRecord<v1::Participant>(*record);
    if (!person.ok()) return person.status();
    workplace_ids.push_back(person->workplace_id());
    people.emplace_back(*std::move(person));
  }
  if (absl::Status status = LoadWorkplaces(workplace_ids); !status.ok()) return status;

  for (std::size_t i = 0; i < applications.size(); ++i) {
    if (!people[i]) continue;
    const v1::Application& application = applications[i];
    const v1::Participant& person = *people[i];
    const v1::Workplace* workplace = WorkplaceOf(person.workplace_id());
    v1::SnapshotApplication out;
    out.set_application_id(application.application_id());
    *out.mutable_intern() = PersonCard(person, workplace);
    out.set_workplace_id(person.workplace_id());
    if (workplace != nullptr) {
      out.set_sector(workplace->sector());
      out.set_region(workplace->region());
      out.set_municipality(workplace->municipality());
    }
    *out.mutable_available_days() = application.available_days();
    out.set_purpose(application.purpose());
    for (const RankedOffers& group :
         expander_->Expand(ToDomain(application).wishes, person.workplace_id())) {
      v1::SnapshotWish* wish = out.add_wishes();
      wish->set_rank(group.rank);
      for (const auto& id : group.host_offer_ids) wish->add_host_offer_ids(id);
      if (group.criteria) *wish->mutable_criteria() = ToProto(*group.criteria);
    }
    if (swap_at[i]) {
      if (auto partner = read->Value(*swap_at[i]); partner && *partner != person.participant_id()) {
        out.set_swap_with_participant_id(*partner);
      }
    }
    out.set_approval_state(application.approval_state());
    ++exported_;
    if (Cost(out) > budget_) {
      SplitInto(std::move(out), pending_);
    } else {
      pending_.push_back(std::move(out));
    }
  }
  return true;
}

void SnapshotExport::SplitInto(v1::SnapshotApplication application,
                               std::deque<v1::SnapshotApplication>& out) {
  const std::size_t limit = budget_ - 1024;
  v1::SnapshotApplication part = application;
  part.clear_wishes();
  std::size_t size = Cost(part);
  auto flush = [&] {
    out.push_back(std::move(part));
    part = v1::SnapshotApplication();
    part.set_application_id(application.application_id());
    part.set_continued(true);
    size = Cost(part);
  };
  for (const v1::SnapshotWish& group : application.wishes()) {
    auto start_group = [&] {
      v1::SnapshotWish* wish = part.add_wishes();
      wish->set_rank(group.rank());
      if (group.has_criteria()) *wish->mutable_criteria() = group.criteria();
      size += Cost(*wish);
      return wish;
    };
    if (size + Cost(group.criteria()) + kElementOverhead > limit) flush();
    v1::SnapshotWish* wish = start_group();
    for (const std::string& id : group.host_offer_ids()) {
      if (size + id.size() + kElementOverhead > limit) {
        flush();
        wish = start_group();
      }
      wish->add_host_offer_ids(id);
      size += id.size() + 2;
    }
  }
  out.push_back(std::move(part));
}

absl::Status SnapshotExport::CheckUnchanged() {
  auto round = repository_.Get(keys_.Round(round_.round_id()));
  if (!round.ok()) return round.status();
  if (!round->has_value() || Revision(**round) != revision_ ||
      (*round)->Field("state") == "draft" || (*round)->Field("state") == "open") {
    return absl::AbortedError(
        "the round changed during the export (a participant was erased or the round was "
        "reopened): export it again");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::ExportRoundSnapshotResponse>> SnapshotExport::Next() {
  v1::ExportRoundSnapshotResponse response;
  std::size_t size = 0;
  while (true) {
    switch (phase_) {
      case Phase::kHeader: {
        v1::RoundSnapshotHeader* header = response.mutable_header();
        *header->mutable_round() = RoundCard(round_);
        header->set_state(round_.state());
        header->set_max_wishes(round_.max_wishes());
        *header->mutable_allowed_host_sectors() = round_.allowed_host_sectors();
        header->set_revision(revision_);
        *header->mutable_export_time() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now_));
        header->set_host_offer_count(static_cast<int>(offers_.size()));
        phase_ = Phase::kOffers;
        return response;
      }
      case Phase::kOffers:
        while (next_offer_ < offers_.size()) {
          std::size_t cost = Cost(offers_[next_offer_]);
          if (size > 0 && size + cost > budget_) return response;
          *response.add_host_offers() = std::move(offers_[next_offer_++]);
          size += cost;
        }
        offers_.clear();
        phase_ = Phase::kApplications;
        if (size > 0) return response;
        break;
      case Phase::kApplications:
        while (true) {
          if (pending_.empty()) {
            if (applications_read_) break;
            auto more = LoadApplications();
            if (!more.ok()) return more.status();
            if (!*more) applications_read_ = true;
            continue;
          }
          std::size_t cost = Cost(pending_.front());
          if (size > 0 && size + cost > budget_) return response;
          // A part of a split application, or an application that fits alone.
          *response.add_applications() = std::move(pending_.front());
          pending_.pop_front();
          size += cost;
          if (response.applications(response.applications_size() - 1).continued() ||
              (!pending_.empty() && pending_.front().continued())) {
            return response;
          }
        }
        phase_ = Phase::kTrailer;
        if (size > 0) return response;
        break;
      case Phase::kTrailer: {
        if (absl::Status status = CheckUnchanged(); !status.ok()) return status;
        v1::RoundSnapshotTrailer* trailer = response.mutable_trailer();
        trailer->set_host_offer_count(static_cast<int>(expander_->offers().size()));
        trailer->set_application_count(exported_);
        trailer->set_applications_awaiting_approval(awaiting_approval_);
        trailer->set_applications_rejected(rejected_);
        trailer->set_revision(revision_);
        phase_ = Phase::kDone;
        return response;
      }
      case Phase::kDone:
        return std::nullopt;
    }
  }
}

}  // namespace ipraktik::registration
