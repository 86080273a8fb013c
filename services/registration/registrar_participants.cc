// Participants: registration by e-mail, updates, and GDPR erasure with per-programme retention.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "approval_links.h"
#include "domain/rules.h"
#include "ipraktik/contract/event_types.h"
#include "registrar.h"
#include "registrar_events.h"
#include "registrar_metrics.h"
#include "registrar_support.h"

namespace ipraktik::registration {
namespace {

using errors::FieldPath;
using errors::Violations;

// "<participant id>|<1 when created>": what a replayed RegisterParticipant answers with.
std::string RegisterResult(const std::string& id, bool created) {
  return absl::StrCat(id, "|", created ? "1" : "0");
}

}  // namespace

struct Registrar::Erasure {
  std::string participant_id;
  int applications = 0;
  int host_offers = 0;
};

absl::StatusOr<v1::RegisterParticipantResponse> Registrar::RegisterParticipant(
    const Caller& caller, const v1::RegisterParticipantRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Participant given = ToDomain(request.participant());
  Normalize(given);

  return Optimistically<v1::RegisterParticipantResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::RegisterParticipantResponse>> {
        Reads reads;
        std::size_t owner_at = reads.Value(keys->EmailIndex(given.email));
        std::size_t workplace_at = reads.Record(keys->Workplace(given.workplace_id));
        auto read = repository_.Read(reads);
        if (!read.ok()) return read.status();
        auto workplace = ToLoaded<v1::Workplace>(read->Record(workplace_at));
        if (!workplace.ok()) return workplace.status();
        Violations violations;
        CheckRequestId(request.request_id(), violations);
        Workplace domain_workplace = *workplace ? ToDomain((*workplace)->message) : Workplace{};
        CheckParticipant(given, *workplace ? &domain_workplace : nullptr, FieldPath("participant"),
                         violations);
        if (auto status = violations.ToStatus(); !status.ok()) return status;

        std::optional<Loaded<v1::Participant>> existing;
        if (auto owner = read->Value(owner_at)) {
          auto record = repository_.Get(keys->Participant(*owner));
          if (!record.ok()) return record.status();
          auto loaded = ToLoaded<v1::Participant>(*std::move(record));
          if (!loaded.ok()) return loaded.status();
          if (!loaded->has_value()) return std::nullopt;  // erased meanwhile: decide again
          existing = *std::move(loaded);
        }
        ParticipantPlan plan = PlanParticipant(given, existing, Now());
        Transaction transaction(*keys);
        if (!request.request_id().empty()) {
          transaction.Dedupe(keys->Request("RegisterParticipant", request.request_id()),
                             RequestFingerprint(request),
                             RegisterResult(plan.message.participant_id(), plan.created));
        }
        transaction.ExpectVersion(keys->Workplace(given.workplace_id),
                                  (*workplace)->record.version);
        AddParticipantWrites(transaction, *keys, plan);
        if (plan.created) {
          v1::ParticipantRegistered registered;
          *registered.mutable_participant() = PersonCard(plan.message, &(*workplace)->message);
          registered.set_workplace_id(given.workplace_id);
          auto event = MakeEvent(caller, contract::kParticipantRegistered, registered);
          if (!event.ok()) return event.status();
          transaction.Emit(*std::move(event));
        }
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        v1::RegisterParticipantResponse response;
        switch (committed->kind) {
          case CommitResult::Kind::kRetry:
            return std::nullopt;
          case CommitResult::Kind::kDuplicate: {
            std::string result = committed->duplicate_result;
            std::string id = result.substr(0, result.find('|'));
            auto current = LoadExisting<v1::Participant>(repository_, keys->Participant(id),
                                                         "participant", id);
            if (!current.ok()) return current.status();
            *response.mutable_participant() = std::move(current->message);
            response.set_created(result.ends_with("|1"));
            return response;
          }
          case CommitResult::Kind::kCommitted:
            break;
        }
        *response.mutable_participant() = std::move(plan.message);
        response.set_created(plan.created);
        return response;
      },
      [this] { metrics_->Retry(); });
}

absl::StatusOr<v1::GetParticipantResponse> Registrar::GetParticipant(
    const Caller& caller, const v1::GetParticipantRequest& request) {
  auto participant =
      GetById<v1::Participant>(repository_, caller, request.participant_id(), "participant_id",
                               "participant", &KeySpace::Participant);
  if (!participant.ok()) return participant.status();
  v1::GetParticipantResponse response;
  *response.mutable_participant() = *std::move(participant);
  return response;
}

absl::StatusOr<v1::ListParticipantsResponse> Registrar::ListParticipants(
    const Caller& caller, const v1::ListParticipantsRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  PageRequest page =
      ParsePage(request.page_size(), request.page_token(),
                absl::StrCat(request.workplace_id(), "|", request.email()), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  v1::ListParticipantsResponse response;
  if (!request.email().empty()) {
    // At most one participant has the address: found through the e-mail index, so the answer is
    // one complete page however many participants the tenant has.
    Reads reads;
    std::size_t owner_at = reads.Value(keys->EmailIndex(NormalizedEmail(request.email())));
    auto read = repository_.Read(reads);
    if (!read.ok()) return read.status();
    auto owner = read->Value(owner_at);
    if (!owner || page.after != 0) return response;
    auto record = repository_.Get(keys->Participant(*owner));
    if (!record.ok()) return record.status();
    if (!record->has_value()) return response;  // erased in between
    auto participant = ParseRecord<v1::Participant>(**record);
    if (!participant.ok()) return participant.status();
    if (request.workplace_id().empty() || participant->workplace_id() == request.workplace_id()) {
      *response.add_participants() = *std::move(participant);
    }
    return response;
  }
  auto listed = ListIndex<v1::Participant>(
      repository_, keys->Participants(),
      [&](const std::string& id) { return keys->Participant(id); }, page,
      [&](const v1::Participant& participant) {
        return request.workplace_id().empty() ||
               participant.workplace_id() == request.workplace_id();
      });
  if (!listed.ok()) return listed.status();
  for (auto& participant : listed->items) *response.add_participants() = std::move(participant);
  response.set_next_page_token(listed->next_page_token);
  return response;
}

absl::StatusOr<v1::UpdateParticipantResponse> Registrar::UpdateParticipant(
    const Caller& caller, const v1::UpdateParticipantRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.participant().participant_id();
  Violations violations;
  RequireId(id, "participant.participant_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::UpdateParticipantResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::UpdateParticipantResponse>> {
        auto update = PrepareUpdate(
            repository_, keys->Participant(id), "participant", id, request.participant(),
            request.update_mask(),
            {"name", "email", "phone", "job_title", "workplace_id", "language", "consent"});
        if (!update.ok()) return update.status();
        const Loaded<v1::Participant>* loaded = &update->before;
        v1::Participant& updated = update->after;
        Participant participant = ToDomain(updated);
        Normalize(participant);
        Reads reads;
        std::size_t workplace_at = reads.Record(keys->Workplace(participant.workplace_id));
        std::size_t owner_at = reads.Value(keys->EmailIndex(participant.email));
        auto read = repository_.Read(reads);
        if (!read.ok()) return read.status();
        auto workplace = ToLoaded<v1::Workplace>(read->Record(workplace_at));
        if (!workplace.ok()) return workplace.status();
        Violations checked;
        Workplace domain_workplace = *workplace ? ToDomain((*workplace)->message) : Workplace{};
        CheckParticipant(participant, *workplace ? &domain_workplace : nullptr,
                         FieldPath("participant"), checked);
        if (auto status = checked.ToStatus(); !status.ok()) return status;
        auto owner = read->Value(owner_at);
        if (owner && *owner != id) {
          return errors::AlreadyExists(
              "participant", *owner,
              "another participant has this e-mail address: " + participant.email);
        }

        ParticipantPlan plan = PlanParticipant(participant, std::optional(*loaded), Now());
        Transaction transaction(*keys);
        std::string old_email_key = keys->EmailIndex(loaded->message.email());
        if (participant.email != loaded->message.email()) {
          transaction.ExpectValue(old_email_key, id);
          transaction.Delete(old_email_key);
          transaction.ExpectValue(keys->EmailIndex(participant.email), "");
          transaction.ExpectVersion(keys->Participant(id), plan.previous_version);
          transaction.PutRecord(keys->Participant(id), plan.record);
          transaction.Set(keys->EmailIndex(participant.email), id);
        } else {
          AddParticipantWrites(transaction, *keys, plan);
        }
        transaction.ExpectVersion(keys->Workplace(participant.workplace_id),
                                  (*workplace)->record.version);
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        v1::UpdateParticipantResponse response;
        *response.mutable_participant() = std::move(plan.message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

absl::StatusOr<Registrar::Erasure> Registrar::Erase(const Caller& caller, const KeySpace& keys,
                                                    const std::string& participant_id,
                                                    bool validate_only) {
  return Optimistically<Erasure>(
      [&]() -> absl::StatusOr<std::optional<Erasure>> {
        Reads reads;
        std::size_t participant_at = reads.Record(keys.Participant(participant_id));
        std::size_t applications_at = reads.Members(keys.ParticipantApplications(participant_id));
        std::size_t offers_at = reads.Members(keys.ParticipantOffers(participant_id));
        auto read = repository_.Read(reads);
        if (!read.ok()) return read.status();
        auto participant = ToLoaded<v1::Participant>(read->Record(participant_at));
        if (!participant.ok()) return participant.status();
        if (!participant->has_value()) return errors::NotFound("participant", participant_id);
        std::vector<std::string> application_ids = read->Members(applications_at);
        std::vector<std::string> offer_ids = read->Members(offers_at);

        std::vector<std::string> record_keys;
        for (const auto& id : application_ids) record_keys.push_back(keys.Application(id));
        for (const auto& id : offer_ids) record_keys.push_back(keys.HostOffer(id));
        auto records = repository_.GetRecords(record_keys);
        if (!records.ok()) return records.status();

        Erasure erasure{.participant_id = participant_id};
        std::set<std::string> round_ids;
        Transaction transaction(keys);
        const StoredRecord& person = (*participant)->record;
        std::string email_key = keys.EmailIndex((*participant)->message.email());
        transaction.ExpectVersion(keys.Participant(participant_id), person.version);
        transaction.ExpectValue(email_key, participant_id);
        transaction.Delete(keys.Participant(participant_id));
        transaction.Delete(email_key);
        transaction.Unindex(keys.Participants(), participant_id);
        for (std::size_t i = 0; i < application_ids.size(); ++i) {
          const auto& record = (*records)[i];
          std::string key = keys.Application(application_ids[i]);
          transaction.ExpectVersion(key, record ? record->version : 0);
          if (!record) continue;
          std::string round_id = record->Field("round");
          transaction.Delete(key);
          transaction.Unindex(keys.RoundApplications(round_id), application_ids[i]);
          for (const std::string& digest : LinkDigests(*record)) {
            transaction.Delete(keys.ApprovalLink(digest));
          }
          transaction.Unindex(keys.ApprovalReminders(), application_ids[i]);
          transaction.HashIncrement(keys.Round(round_id), "rev");
          round_ids.insert(round_id);
          ++erasure.applications;
        }
        transaction.Delete(keys.ParticipantApplications(participant_id));
        for (std::size_t i = 0; i < offer_ids.size(); ++i) {
          const auto& record = (*records)[application_ids.size() + i];
          std::string key = keys.HostOffer(offer_ids[i]);
          transaction.ExpectVersion(key, record ? record->version : 0);
          if (!record) continue;
          auto offer = ParseRecord<v1::HostOffer>(*record);
          if (!offer.ok()) return offer.status();
          if (offer->contact_participant_id() != participant_id) continue;
          offer->clear_contact_participant_id();
          StoredRecord next = NextVersion(&*record, *offer, Now());
          next.fields = record->fields;
          transaction.PutRecord(key, next);
          transaction.HashIncrement(keys.Round(offer->round_id()), "rev");
          round_ids.insert(offer->round_id());
          ++erasure.host_offers;
        }
        transaction.Delete(keys.ParticipantOffers(participant_id));

        v1::ParticipantErased erased;
        erased.set_participant_id(participant_id);
        for (const auto& round_id : round_ids) erased.add_round_ids(round_id);
        auto event = MakeEvent(caller, contract::kParticipantErased, erased);
        if (!event.ok()) return event.status();
        transaction.Emit(*std::move(event));
        if (validate_only) return erasure;
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        metrics_->Erasure();
        return erasure;
      },
      [this] { metrics_->Retry(); });
}

absl::StatusOr<v1::EraseParticipantResponse> Registrar::EraseParticipant(
    const Caller& caller, const v1::EraseParticipantRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.participant_id(), "participant_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto erasure = Erase(caller, *keys, request.participant_id(), /*validate_only=*/false);
  if (!erasure.ok()) return erasure.status();
  v1::EraseParticipantResponse response;
  response.set_participant_id(erasure->participant_id);
  response.set_applications_erased(erasure->applications);
  response.set_host_offers_changed(erasure->host_offers);
  return response;
}

absl::StatusOr<v1::ApplyRetentionResponse> Registrar::ApplyRetention(
    const Caller& caller, const v1::ApplyRetentionRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.programme_id(), "programme_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto programme = LoadExisting<v1::Programme>(repository_, keys->Programme(request.programme_id()),
                                               "programme", request.programme_id());
  if (!programme.ok()) return programme.status();

  // Every round of the tenant with its programme's retention: a participant is erased only when
  // every round they took part in, in any programme, has expired.
  const Date today = TodayDate();
  std::map<std::string, Programme> programmes;
  std::map<std::string, bool> expired;  // round id -> expired
  std::vector<std::string> expired_rounds_of_programme;
  absl::Status scanned = ForEachInIndex(
      repository_, keys->Rounds(), [&](const std::vector<std::string>& ids) -> absl::Status {
        std::vector<std::string> round_keys;
        for (const auto& id : ids) round_keys.push_back(keys->Round(id));
        auto records = repository_.GetRecords(round_keys);
        if (!records.ok()) return records.status();
        for (const auto& record : *records) {
          if (!record) continue;
          auto round = ParseRecord<v1::Round>(*record);
          if (!round.ok()) return round.status();
          if (!programmes.contains(round->programme_id())) {
            auto owner =
                LoadExisting<v1::Programme>(repository_, keys->Programme(round->programme_id()),
                                            "programme", round->programme_id());
            if (!owner.ok()) return owner.status();
            programmes.emplace(round->programme_id(), ToDomain(owner->message));
          }
          bool is_expired =
              RetentionExpired(ToDomain(*round), programmes.at(round->programme_id()), today);
          expired[round->round_id()] = is_expired;
          if (is_expired && round->programme_id() == request.programme_id()) {
            expired_rounds_of_programme.push_back(round->round_id());
          }
        }
        return absl::OkStatus();
      });
  if (!scanned.ok()) return scanned;

  std::set<std::string> candidates;
  for (const auto& round_id : expired_rounds_of_programme) {
    for (const auto& [index, kind] : {std::pair{keys->RoundApplications(round_id), "application"},
                                      std::pair{keys->RoundOffers(round_id), "offer"}}) {
      absl::Status status = ForEachInIndex(
          repository_, index, [&](const std::vector<std::string>& ids) -> absl::Status {
            std::vector<std::string> record_keys;
            for (const auto& id : ids) {
              record_keys.push_back(std::string(kind) == "application" ? keys->Application(id)
                                                                       : keys->HostOffer(id));
            }
            auto records = repository_.GetRecords(record_keys);
            if (!records.ok()) return records.status();
            for (const auto& record : *records) {
              if (!record) continue;
              std::string person = record->Field("participant");
              if (!person.empty()) candidates.insert(person);
            }
            return absl::OkStatus();
          });
      if (!status.ok()) return status;
    }
  }

  v1::ApplyRetentionResponse response;
  for (const auto& participant_id : candidates) {
    Reads reads;
    std::size_t applications_at = reads.Members(keys->ParticipantApplications(participant_id));
    std::size_t offers_at = reads.Members(keys->ParticipantOffers(participant_id));
    auto read = repository_.Read(reads);
    if (!read.ok()) return read.status();
    std::vector<std::string> record_keys;
    for (const auto& id : read->Members(applications_at))
      record_keys.push_back(keys->Application(id));
    for (const auto& id : read->Members(offers_at)) record_keys.push_back(keys->HostOffer(id));
    auto records = repository_.GetRecords(record_keys);
    if (!records.ok()) return records.status();
    bool all_expired = true;
    for (const auto& record : *records) {
      if (record && !expired[record->Field("round")]) all_expired = false;
    }
    if (!all_expired) continue;
    auto erasure = Erase(caller, *keys, participant_id, request.validate_only());
    if (!erasure.ok() && erasure.status().code() != absl::StatusCode::kNotFound) {
      return erasure.status();
    }
    if (erasure.ok()) response.add_erased_participant_ids(participant_id);
  }
  return response;
}

}  // namespace ipraktik::registration
