// Programmes, rounds and workplaces; the Registrar's shared set-up. Participants, host offers,
// applications and the import are in registrar_*.cc.
#include "registrar.h"

#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "domain/text.h"
#include "ipraktik/contract/event_types.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "record_cache.h"
#include "registrar_events.h"
#include "registrar_metrics.h"
#include "registrar_support.h"
#include "snapshot_export.h"

namespace ipraktik::registration {
namespace {

using errors::FieldPath;
using errors::Violations;

// Commits a create transaction under the request's request id (when it has one). The id of the
// record: the new one, or the one the first request with this request id created; nullopt when
// a concurrent change means the create must be decided again.
absl::StatusOr<std::optional<std::string>> CommitCreate(
    RegistrationRepository& repository, Transaction& transaction, const KeySpace& keys,
    std::string_view method, const std::string& request_id,
    const google::protobuf::Message& request, const std::string& id) {
  if (!request_id.empty()) {
    transaction.Dedupe(keys.Request(method, request_id), RequestFingerprint(request), id);
  }
  auto result = repository.Commit(transaction);
  if (!result.ok()) return result.status();
  switch (result->kind) {
    case CommitResult::Kind::kRetry:
      return std::optional<std::string>();
    case CommitResult::Kind::kDuplicate:
      return std::optional<std::string>(result->duplicate_result);
    case CommitResult::Kind::kCommitted:
      break;
  }
  return std::optional<std::string>(id);
}

}  // namespace

Registrar::Registrar(RegistrationRepository& repository, RegistrarOptions options)
    : repository_(repository),
      options_(std::move(options)),
      metrics_(std::make_unique<RegistrarMetrics>(options_.metrics)),
      cache_(std::make_unique<RecordCache>()) {
  if (!absl::LoadTimeZone(options_.time_zone, &time_zone_)) {
    // Without tzdata: Danish standard time, which is off by an hour only around midnight in
    // summer.
    time_zone_ = absl::FixedTimeZone(3600);
  }
}

Registrar::~Registrar() = default;

absl::CivilDay Registrar::Today() const { return absl::ToCivilDay(Now(), time_zone_); }

absl::StatusOr<std::unique_ptr<SnapshotExport>> Registrar::StartExport(
    const Caller& caller, const v1::ExportRoundSnapshotRequest& request) {
  return SnapshotExport::Start(repository_, caller, request, Now());
}

void Registrar::RecordExport(bool completed) { metrics_->SnapshotExport(completed); }

Date Registrar::TodayDate() const {
  absl::CivilDay today = Today();
  return Date{std::chrono::year(static_cast<int>(today.year())),
              std::chrono::month(static_cast<unsigned>(today.month())),
              std::chrono::day(static_cast<unsigned>(today.day()))};
}

// ---------------------------------------------------------------------------------------------
// Programmes

absl::StatusOr<v1::CreateProgrammeResponse> Registrar::CreateProgramme(
    const Caller& caller, const v1::CreateProgrammeRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Programme programme = ToDomain(request.programme());
  Normalize(programme);
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckProgramme(programme, FieldPath("programme"), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  auto id = Optimistically<std::string>([&]() -> absl::StatusOr<std::optional<std::string>> {
    programme.id = NewId("prg");
    v1::Programme message = ToProto(programme);
    Transaction transaction(*keys);
    transaction.ExpectVersion(keys->Programme(programme.id), 0);
    transaction.PutRecord(keys->Programme(programme.id), NextVersion(nullptr, message, Now()));
    transaction.Index(keys->Programmes(), programme.id);
    return CommitCreate(repository_, transaction, *keys, "CreateProgramme", request.request_id(),
                        request, programme.id);
  });
  if (!id.ok()) return id.status();
  auto loaded = LoadExisting<v1::Programme>(repository_, keys->Programme(*id), "programme", *id);
  if (!loaded.ok()) return loaded.status();
  v1::CreateProgrammeResponse response;
  *response.mutable_programme() = std::move(loaded->message);
  return response;
}

absl::StatusOr<v1::GetProgrammeResponse> Registrar::GetProgramme(
    const Caller& caller, const v1::GetProgrammeRequest& request) {
  auto programme = GetById<v1::Programme>(repository_, caller, request.programme_id(),
                                          "programme_id", "programme", &KeySpace::Programme);
  if (!programme.ok()) return programme.status();
  v1::GetProgrammeResponse response;
  *response.mutable_programme() = *std::move(programme);
  return response;
}

absl::StatusOr<v1::ListProgrammesResponse> Registrar::ListProgrammes(
    const Caller& caller, const v1::ListProgrammesRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  PageRequest page = ParsePage(request.page_size(), request.page_token(), "", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto listed = ListIndex<v1::Programme>(
      repository_, keys->Programmes(), [&](const std::string& id) { return keys->Programme(id); },
      page, [](const v1::Programme&) { return true; });
  if (!listed.ok()) return listed.status();
  v1::ListProgrammesResponse response;
  for (auto& programme : listed->items) *response.add_programmes() = std::move(programme);
  response.set_next_page_token(listed->next_page_token);
  return response;
}

absl::StatusOr<v1::UpdateProgrammeResponse> Registrar::UpdateProgramme(
    const Caller& caller, const v1::UpdateProgrammeRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.programme().programme_id();
  Violations violations;
  RequireId(id, "programme.programme_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::UpdateProgrammeResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::UpdateProgrammeResponse>> {
        auto update =
            PrepareUpdate(repository_, keys->Programme(id), "programme", id, request.programme(),
                          request.update_mask(),
                          {"name", "description", "requires_manager_approval", "retention_days"});
        if (!update.ok()) return update.status();
        const Loaded<v1::Programme>* loaded = &update->before;
        v1::Programme& updated = update->after;
        Programme programme = ToDomain(updated);
        Normalize(programme);
        Violations checked;
        CheckProgramme(programme, FieldPath("programme"), checked);
        if (auto status = checked.ToStatus(); !status.ok()) return status;
        v1::Programme message = ToProto(programme);
        StoredRecord record = NextVersion(&loaded->record, message, Now());
        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Programme(id), loaded->record.version);
        transaction.PutRecord(keys->Programme(id), record);
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        SetBookkeeping(record, message);
        v1::UpdateProgrammeResponse response;
        *response.mutable_programme() = std::move(message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

// ---------------------------------------------------------------------------------------------
// Rounds

absl::StatusOr<v1::CreateRoundResponse> Registrar::CreateRound(
    const Caller& caller, const v1::CreateRoundRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Round round = ToDomain(request.round());
  round.state = RoundState::kDraft;
  Normalize(round);

  auto id = Optimistically<std::string>(
      [&]() -> absl::StatusOr<std::optional<std::string>> {
        std::optional<Loaded<v1::Programme>> programme;
        if (!round.programme_id.empty()) {
          auto record = repository_.Get(keys->Programme(round.programme_id));
          if (!record.ok()) return record.status();
          auto loaded = ToLoaded<v1::Programme>(*std::move(record));
          if (!loaded.ok()) return loaded.status();
          programme = *std::move(loaded);
        }
        Violations violations;
        CheckRequestId(request.request_id(), violations);
        Programme domain_programme = programme ? ToDomain(programme->message) : Programme{};
        CheckRound(round, programme ? &domain_programme : nullptr, FieldPath("round"), violations);
        CheckRoundStart(round, TodayDate(), FieldPath("round"), violations);
        if (auto status = violations.ToStatus(); !status.ok()) return status;

        round.id = NewId("rnd");
        v1::Round message = ToProto(round);
        StoredRecord record = NextVersion(nullptr, message, Now());
        record.fields["state"] = RoundStateName(round.state);
        record.fields["programme"] = round.programme_id;
        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Programme(round.programme_id), programme->record.version);
        transaction.ExpectVersion(keys->Round(round.id), 0);
        transaction.PutRecord(keys->Round(round.id), record);
        transaction.Index(keys->Rounds(), round.id);
        return CommitCreate(repository_, transaction, *keys, "CreateRound", request.request_id(),
                            request, round.id);
      },
      [this] { metrics_->Retry(); });
  if (!id.ok()) return id.status();
  auto loaded = LoadExisting<v1::Round>(repository_, keys->Round(*id), "round", *id);
  if (!loaded.ok()) return loaded.status();
  v1::CreateRoundResponse response;
  *response.mutable_round() = std::move(loaded->message);
  return response;
}

absl::StatusOr<v1::GetRoundResponse> Registrar::GetRound(const Caller& caller,
                                                         const v1::GetRoundRequest& request) {
  auto round = GetById<v1::Round>(repository_, caller, request.round_id(), "round_id", "round",
                                  &KeySpace::Round);
  if (!round.ok()) return round.status();
  v1::GetRoundResponse response;
  *response.mutable_round() = *std::move(round);
  return response;
}

absl::StatusOr<v1::ListRoundsResponse> Registrar::ListRounds(const Caller& caller,
                                                             const v1::ListRoundsRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  PageRequest page =
      ParsePage(request.page_size(), request.page_token(),
                absl::StrCat(request.programme_id(), "|", request.state()), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto listed = ListIndex<v1::Round>(
      repository_, keys->Rounds(), [&](const std::string& id) { return keys->Round(id); }, page,
      [&](const v1::Round& round) {
        return (request.programme_id().empty() || round.programme_id() == request.programme_id()) &&
               (request.state() == v1::ROUND_STATE_UNSPECIFIED || round.state() == request.state());
      });
  if (!listed.ok()) return listed.status();
  v1::ListRoundsResponse response;
  for (auto& round : listed->items) *response.add_rounds() = std::move(round);
  response.set_next_page_token(listed->next_page_token);
  return response;
}

absl::StatusOr<v1::UpdateRoundResponse> Registrar::UpdateRound(
    const Caller& caller, const v1::UpdateRoundRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.round().round_id();
  Violations violations;
  RequireId(id, "round.round_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::UpdateRoundResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::UpdateRoundResponse>> {
        auto update = PrepareUpdate(repository_, keys->Round(id), "round", id, request.round(),
                                    request.update_mask(),
                                    {"name", "window_start", "window_end", "signup_deadline",
                                     "max_wishes", "allowed_host_sectors"});
        if (!update.ok()) return update.status();
        const Loaded<v1::Round>* loaded = &update->before;
        v1::Round& updated = update->after;
        Round before = ToDomain(loaded->message);
        Round after = ToDomain(updated);
        Normalize(after);
        Violations checked;
        Programme existing_programme{.id = after.programme_id};  // it existed at creation
        CheckRound(after, &existing_programme, FieldPath("round"), checked);
        if (after.window_start != before.window_start) {
          CheckRoundStart(after, TodayDate(), FieldPath("round"), checked);
        }
        if (auto status = checked.ToStatus(); !status.ok()) return status;
        if (auto status = AllowsRoundChange(before, after); !status.ok()) return status;
        if (after.window_start != before.window_start || after.window_end != before.window_end) {
          auto offers = OffersOfRound(repository_, *keys, id, /*published_only=*/false);
          if (!offers.ok()) return offers.status();
          std::vector<HostOffer> dated;
          for (const auto& offer : *offers) dated.push_back(ToDomain(offer));
          if (auto status = CheckOffersInWindow(after, dated); !status.ok()) return status;
        }

        v1::Round message = ToProto(after);
        StoredRecord record = NextVersion(&loaded->record, message, Now());
        record.fields["state"] = RoundStateName(after.state);
        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Round(id), loaded->record.version);
        transaction.PutRecord(keys->Round(id), record);
        transaction.HashIncrement(keys->Round(id), "rev");
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        SetBookkeeping(record, message);
        v1::UpdateRoundResponse response;
        *response.mutable_round() = std::move(message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

absl::StatusOr<v1::TransitionRoundResponse> Registrar::TransitionRound(
    const Caller& caller, const v1::TransitionRoundRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.round_id();
  Violations violations;
  RequireId(id, "round_id", violations);
  if (request.state() == v1::ROUND_STATE_UNSPECIFIED || !v1::RoundState_IsValid(request.state())) {
    violations.Add("state", "is required: the state to move the round to");
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::TransitionRoundResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::TransitionRoundResponse>> {
        auto loaded = LoadExisting<v1::Round>(repository_, keys->Round(id), "round", id);
        if (!loaded.ok()) return loaded.status();
        if (auto status = CheckEtag(request.etag(), loaded->record.version, "round", id);
            !status.ok()) {
          return status;
        }
        Round round = ToDomain(loaded->message);
        RoundState target = ToDomain(request.state());
        if (auto status = CheckTransition(round, target); !status.ok()) return status;

        RoundState previous = round.state;
        round.state = target;
        v1::Round message = ToProto(round);
        StoredRecord record = NextVersion(&loaded->record, message, Now());
        record.fields["state"] = RoundStateName(round.state);
        v1::RoundStateChanged changed;
        SetBookkeeping(record, message);
        *changed.mutable_round() = RoundCard(message);
        changed.set_previous_state(ToProto(previous));
        changed.set_state(message.state());
        changed.set_version(record.version);
        auto event = MakeEvent(caller, contract::kRoundStateChanged, changed);
        if (!event.ok()) return event.status();

        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Round(id), loaded->record.version);
        transaction.PutRecord(keys->Round(id), record);
        transaction.Emit(*std::move(event));
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        v1::TransitionRoundResponse response;
        *response.mutable_round() = std::move(message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

absl::Status Registrar::RecordMatchingPublished(const Caller& caller, const std::string& round_id) {
  // A concurrent change (a redelivered event, a coordinator) may move the round between the read
  // and the step: read again and decide again.
  constexpr int kLostRaces = 4;
  for (int lost = 0; lost < kLostRaces;) {
    v1::GetRoundRequest get;
    get.set_round_id(round_id);
    auto round = GetRound(caller, get);
    if (!round.ok()) return round.status();
    v1::RoundState next;
    switch (round->round().state()) {
      case v1::ROUND_STATE_PUBLISHED:
      case v1::ROUND_STATE_COMPLETED:
        return absl::OkStatus();
      case v1::ROUND_STATE_CLOSED:
        next = v1::ROUND_STATE_MATCHED;
        break;
      case v1::ROUND_STATE_MATCHED:
        next = v1::ROUND_STATE_PUBLISHED;
        break;
      default:
        return errors::FailedPrecondition(
            "ROUND_NOT_CLOSED", absl::StrCat("round/", round_id),
            "a matching of the round was published while the round is not closed (a draft, or "
            "reopened for late sign-ups since): its state stays as it is");
    }
    v1::TransitionRoundRequest step;
    step.set_round_id(round_id);
    step.set_state(next);
    step.set_etag(round->round().etag());
    auto stepped = TransitionRound(caller, step);
    if (stepped.ok()) {
      if (next == v1::ROUND_STATE_PUBLISHED) return absl::OkStatus();
      continue;
    }
    if (!absl::IsFailedPrecondition(stepped.status()) && !absl::IsAborted(stepped.status())) {
      return stepped.status();
    }
    ++lost;
  }
  return absl::AbortedError(
      absl::StrCat("round ", round_id, " kept changing while its publication was recorded"));
}

// ---------------------------------------------------------------------------------------------
// Workplaces

absl::StatusOr<v1::CreateWorkplaceResponse> Registrar::CreateWorkplace(
    const Caller& caller, const v1::CreateWorkplaceRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Workplace workplace = ToDomain(request.workplace());
  Normalize(workplace);
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckWorkplace(workplace, FieldPath("workplace"), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  auto id = Optimistically<std::string>(
      [&]() -> absl::StatusOr<std::optional<std::string>> {
        workplace.id = NewId("wpl");
        v1::Workplace message = ToProto(workplace);
        std::string name_key = WorkplaceNameKey(*keys, message);
        auto existing = repository_.Read([&] {
          Reads reads;
          reads.Value(name_key);
          if (!request.request_id().empty()) {
            reads.Value(keys->Request("CreateWorkplace", request.request_id()));
          }
          return reads;
        }());
        if (!existing.ok()) return existing.status();
        // A retried request finds its own workplace under the name: let the dedupe answer it.
        if (auto owner = existing->Value(0);
            owner && !(request.request_id().size() > 0 && existing->Value(1).has_value())) {
          return errors::AlreadyExists(
              "workplace", *owner,
              absl::StrCat("a workplace named \"", workplace.name, "\" in ", workplace.municipality,
                           " exists already: ", *owner));
        }
        Transaction transaction(*keys);
        AddNewWorkplaceWrites(transaction, *keys, message, Now());
        return CommitCreate(repository_, transaction, *keys, "CreateWorkplace",
                            request.request_id(), request, workplace.id);
      },
      [this] { metrics_->Retry(); });
  if (!id.ok()) return id.status();
  auto loaded = LoadExisting<v1::Workplace>(repository_, keys->Workplace(*id), "workplace", *id);
  if (!loaded.ok()) return loaded.status();
  v1::CreateWorkplaceResponse response;
  *response.mutable_workplace() = std::move(loaded->message);
  return response;
}

absl::StatusOr<v1::GetWorkplaceResponse> Registrar::GetWorkplace(
    const Caller& caller, const v1::GetWorkplaceRequest& request) {
  auto workplace = GetById<v1::Workplace>(repository_, caller, request.workplace_id(),
                                          "workplace_id", "workplace", &KeySpace::Workplace);
  if (!workplace.ok()) return workplace.status();
  v1::GetWorkplaceResponse response;
  *response.mutable_workplace() = *std::move(workplace);
  return response;
}

absl::StatusOr<v1::ListWorkplacesResponse> Registrar::ListWorkplaces(
    const Caller& caller, const v1::ListWorkplacesRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  PageRequest page =
      ParsePage(request.page_size(), request.page_token(),
                absl::StrCat(request.sector(), "|", request.region(), "|", request.municipality()),
                violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto listed = ListIndex<v1::Workplace>(
      repository_, keys->Workplaces(), [&](const std::string& id) { return keys->Workplace(id); },
      page,
      [&](const v1::Workplace& workplace) {
        return (request.sector() == v1::SECTOR_UNSPECIFIED ||
                workplace.sector() == request.sector()) &&
               (request.region().empty() || SameText(workplace.region(), request.region())) &&
               (request.municipality().empty() ||
                SameText(workplace.municipality(), request.municipality()));
      });
  if (!listed.ok()) return listed.status();
  v1::ListWorkplacesResponse response;
  for (auto& workplace : listed->items) *response.add_workplaces() = std::move(workplace);
  response.set_next_page_token(listed->next_page_token);
  return response;
}

absl::StatusOr<v1::UpdateWorkplaceResponse> Registrar::UpdateWorkplace(
    const Caller& caller, const v1::UpdateWorkplaceRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.workplace().workplace_id();
  Violations violations;
  RequireId(id, "workplace.workplace_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::UpdateWorkplaceResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::UpdateWorkplaceResponse>> {
        auto update =
            PrepareUpdate(repository_, keys->Workplace(id), "workplace", id, request.workplace(),
                          request.update_mask(), {"name", "sector", "region", "municipality"});
        if (!update.ok()) return update.status();
        const Loaded<v1::Workplace>* loaded = &update->before;
        v1::Workplace& updated = update->after;
        Workplace workplace = ToDomain(updated);
        Normalize(workplace);
        Violations checked;
        CheckWorkplace(workplace, FieldPath("workplace"), checked);
        if (auto status = checked.ToStatus(); !status.ok()) return status;
        v1::Workplace message = ToProto(workplace);
        std::string old_name_key = WorkplaceNameKey(*keys, loaded->message);
        std::string new_name_key = WorkplaceNameKey(*keys, message);
        StoredRecord record = NextVersion(&loaded->record, message, Now());

        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Workplace(id), loaded->record.version);
        if (new_name_key != old_name_key) {
          auto taken = repository_.Read([&] {
            Reads reads;
            reads.Value(new_name_key);
            return reads;
          }());
          if (!taken.ok()) return taken.status();
          if (auto owner = taken->Value(0)) {
            return errors::AlreadyExists(
                "workplace", *owner,
                absl::StrCat("a workplace named \"", workplace.name, "\" in ",
                             workplace.municipality, " exists already: ", *owner));
          }
          transaction.ExpectValue(new_name_key, "");
          transaction.ExpectValue(old_name_key, id);
          transaction.Delete(old_name_key);
          transaction.Set(new_name_key, id);
        }
        transaction.PutRecord(keys->Workplace(id), record);
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        SetBookkeeping(record, message);
        v1::UpdateWorkplaceResponse response;
        *response.mutable_workplace() = std::move(message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

}  // namespace ipraktik::registration
