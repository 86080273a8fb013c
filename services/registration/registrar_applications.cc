// Applications: sign-up (idempotent by e-mail and round, retry-safe by request id), reading and
// changing an application (guarded by etags), and the bulk import. The rules and writes they
// share are in application_plan.h; the manager's approval in registrar_approvals.cc.
#include <map>
#include <set>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "application_plan.h"
#include "domain/rules.h"
#include "domain/text.h"
#include "ipraktik/contract/event_types.h"
#include "record_cache.h"
#include "registrar.h"
#include "registrar_events.h"
#include "registrar_metrics.h"
#include "registrar_support.h"

namespace ipraktik::registration {
namespace {

using errors::FieldPath;
using errors::Violations;

constexpr int kMaxImportRowsPerMessage = 1000;

// "<participant id>|<application id>|<1 when created>": what a replayed sign-up answers with.
std::string SignUpResult(const std::string& participant_id, const std::string& application_id,
                         bool created) {
  return absl::StrCat(participant_id, "|", application_id, "|", created ? "1" : "0");
}

}  // namespace

struct Registrar::SignUpOutcome {
  v1::Participant participant;
  v1::Application application;
  bool created = false;
  bool replayed = false;
};

// One sign-up's normalized request.
struct Registrar::SignUpInput {
  Caller caller;
  KeySpace keys;
  std::string round_id;
  Participant participant;
  Application application;
  std::string request_id;
  std::string fingerprint;
  std::string etag;
  std::string request_key;
  // An imported row's workplace (normalized and checked, without id) when the row names it by
  // name and municipality: found, or created with the sign-up.
  std::optional<v1::Workplace> workplace_by_name{};
  // Decide only: nothing is stored.
  bool validate_only = false;
};

// The transaction that stores a decided sign-up, and what it answers once committed.
struct Registrar::SignUpCommit {
  Transaction transaction;
  SignUpOutcome outcome;
};

Registrar::SignUpInput Registrar::MakeSignUpInput(
    const Caller& caller, const KeySpace& keys, const std::string& round_id,
    const v1::Participant& participant_in, const v1::Application& application_in,
    const std::string& request_id, const std::string& fingerprint, const std::string& etag) {
  SignUpInput input{.caller = caller,
                    .keys = keys,
                    .round_id = round_id,
                    .participant = ToDomain(participant_in),
                    .application = ToDomain(application_in),
                    .request_id = request_id,
                    .fingerprint = fingerprint,
                    .etag = etag,
                    .request_key = keys.Request("SignUp", request_id)};
  Normalize(input.participant);
  Normalize(input.application);
  return input;
}

absl::StatusOr<Registrar::SignUpOutcome> Registrar::ReplaySignUp(const SignUpInput& input,
                                                                 const std::string& result) {
  std::vector<std::string> parts = absl::StrSplit(result, '|');
  if (parts.size() != 3) return absl::InternalError("a stored sign-up result is malformed");
  auto person = LoadExisting<v1::Participant>(repository_, input.keys.Participant(parts[0]),
                                              "participant", parts[0]);
  if (!person.ok()) return person.status();
  auto applied = LoadExisting<v1::Application>(repository_, input.keys.Application(parts[1]),
                                               "application", parts[1]);
  if (!applied.ok()) return applied.status();
  return SignUpOutcome{.participant = std::move(person->message),
                       .application = std::move(applied->message),
                       .created = parts[2] == "1",
                       .replayed = true};
}

absl::StatusOr<std::variant<std::string, Registrar::SignUpCommit>> Registrar::DecideSignUp(
    const SignUpInput& input, const ApplicationInputs& inputs, const v1::Workplace* new_workplace) {
  auto replay = ReplayOf(inputs.replay, input.request_id, input.fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) return **std::move(replay);
  const std::string& round_id = input.round_id;
  const KeySpace& keys = input.keys;
  const Participant& participant = input.participant;
  if (!inputs.round) return errors::NotFound("round", round_id);
  if (!inputs.programme) {
    return absl::InternalError("round " + round_id + " belongs to no programme");
  }
  Violations violations;
  Workplace workplace = inputs.workplace ? ToDomain(inputs.workplace->message) : Workplace{};
  CheckParticipant(participant, inputs.workplace ? &workplace : nullptr, FieldPath("participant"),
                   violations);
  CheckApplicationInputs(input.application, inputs, participant.email, participant.workplace_id,
                         violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  if (absl::Status status = AllowsSignUp(ToDomain(inputs.round->message), TodayDate());
      !status.ok()) {
    return status;
  }
  if (!input.etag.empty()) {
    if (!inputs.application) {
      return CheckEtag(input.etag, 0, "application", ApplicationId(round_id, "?"));
    }
    if (absl::Status status =
            CheckEtag(input.etag, inputs.application->record.version, "application",
                      inputs.application->message.application_id());
        !status.ok()) {
      return status;
    }
  }
  const absl::Time now = Now();
  ParticipantPlan person = PlanParticipant(participant, inputs.participant, now);
  Application application = input.application;
  application.round_id = round_id;
  application.participant_id = person.message.participant_id();
  application.id = ApplicationId(round_id, application.participant_id);
  auto planned =
      PlanApplication(application, inputs, inputs.application, now,
                      {.options = &options_, .tenant = keys.tenant(), .time_zone = time_zone_});
  if (!planned.ok()) return planned.status();
  ApplicationPlan& plan = *planned;

  Transaction transaction(keys);
  if (!input.request_id.empty()) {
    transaction.Dedupe(input.request_key, input.fingerprint,
                       SignUpResult(application.participant_id, application.id, plan.created));
  }
  if (new_workplace != nullptr) {
    AddNewWorkplaceWrites(transaction, keys, *new_workplace, now);
  } else {
    transaction.ExpectVersion(keys.Workplace(participant.workplace_id),
                              inputs.workplace->record.version);
  }
  AddParticipantWrites(transaction, keys, person);
  AddApplicationWrites(transaction, keys, plan, inputs.application, inputs);
  if (person.created) {
    v1::ParticipantRegistered registered;
    *registered.mutable_participant() = PersonCard(person.message, &inputs.workplace->message);
    registered.set_workplace_id(participant.workplace_id);
    auto event = MakeEvent(input.caller, contract::kParticipantRegistered, registered);
    if (!event.ok()) return event.status();
    transaction.Emit(*std::move(event));
  }
  if (absl::Status events = AddApplicationEvents(transaction, input.caller, plan, person.message,
                                                 &inputs.workplace->message, inputs);
      !events.ok()) {
    return events;
  }
  const bool created = plan.created;
  return SignUpCommit{.transaction = std::move(transaction),
                      .outcome = {.participant = std::move(person.message),
                                  .application = std::move(plan.message),
                                  .created = created,
                                  .replayed = false}};
}

absl::StatusOr<std::optional<Registrar::SignUpOutcome>> Registrar::SignUpCommitted(
    const SignUpInput& input, const absl::StatusOr<CommitResult>& committed, SignUpCommit& commit) {
  if (!committed.ok()) return committed.status();
  switch (committed->kind) {
    case CommitResult::Kind::kRetry:
      cache_->Evict(committed->conflict_key);
      return std::nullopt;
    case CommitResult::Kind::kDuplicate:
      return ReplaySignUp(input, committed->duplicate_result);
    case CommitResult::Kind::kCommitted:
      break;
  }
  if (commit.outcome.created) metrics_->RoundSignUp(input.caller.tenant, input.round_id);
  return std::move(commit.outcome);
}

namespace {

// A refusal is never based on cached records alone: these are decided again on fresh ones.
bool MayBeStaleRefusal(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kFailedPrecondition ||
         status.code() == absl::StatusCode::kNotFound;
}

}  // namespace

absl::StatusOr<Registrar::SignUpOutcome> Registrar::SignUpPerson(const SignUpInput& input) {
  // One decision: on records from the cache where it has them, or all read now.
  auto decide = [&](RecordCache* cache) -> absl::StatusOr<std::optional<SignUpOutcome>> {
    // An imported row's workplace by name: the one with that name, or a new one stored in the
    // same transaction as the sign-up (so a refused row leaves none behind).
    std::optional<SignUpInput> resolved;
    std::optional<v1::Workplace> new_workplace;
    if (input.workplace_by_name) {
      Reads reads;
      reads.Value(WorkplaceNameKey(input.keys, *input.workplace_by_name));
      auto existing = repository_.Read(reads);
      if (!existing.ok()) return existing.status();
      resolved = input;
      if (auto owner = existing->Value(0)) {
        resolved->participant.workplace_id = *owner;
      } else {
        new_workplace = *input.workplace_by_name;
        new_workplace->set_workplace_id(NewId("wpl"));
        resolved->participant.workplace_id = new_workplace->workplace_id();
      }
    }
    const SignUpInput& effective = resolved ? *resolved : input;
    auto inputs = ReadApplicationInputs(
        repository_, cache, effective.keys, effective.round_id, effective.participant.email,
        effective.participant.workplace_id, effective.application.wishes,
        effective.request_id.empty() ? "" : effective.request_key);
    if (!inputs.ok()) return inputs.status();
    if (new_workplace) inputs->workplace = Loaded<v1::Workplace>{*new_workplace, StoredRecord{}};
    auto decision = DecideSignUp(effective, *inputs, new_workplace ? &*new_workplace : nullptr);
    if (!decision.ok()) return decision.status();
    if (auto* replayed = std::get_if<std::string>(&*decision))
      return ReplaySignUp(effective, *replayed);
    SignUpCommit& commit = std::get<SignUpCommit>(*decision);
    if (effective.validate_only) return std::optional<SignUpOutcome>(std::move(commit.outcome));
    return SignUpCommitted(effective, repository_.Commit(commit.transaction), commit);
  };

  return Optimistically<SignUpOutcome>(
      [&]() -> absl::StatusOr<std::optional<SignUpOutcome>> {
        auto decided = decide(cache_.get());
        if (!decided.ok() && MayBeStaleRefusal(decided.status())) decided = decide(nullptr);
        return decided;
      },
      [this] { metrics_->Retry(); });
}

absl::StatusOr<v1::SignUpResponse> Registrar::SignUpAnswer(absl::StatusOr<SignUpOutcome> outcome) {
  if (!outcome.ok()) {
    metrics_->SignUpRefused();
    return outcome.status();
  }
  if (outcome->replayed) {
    metrics_->SignUpReplayed();
  } else if (outcome->created) {
    metrics_->SignUpCreated();
  } else {
    metrics_->SignUpUpdated();
  }
  v1::SignUpResponse response;
  *response.mutable_participant() = std::move(outcome->participant);
  *response.mutable_application() = std::move(outcome->application);
  response.set_created(outcome->created);
  return response;
}

absl::StatusOr<Registrar::SignUpInput> Registrar::SignUpInputOf(const Caller& caller,
                                                                const v1::SignUpRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.round_id(), "round_id", violations);
  CheckRequestId(request.request_id(), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  return MakeSignUpInput(caller, *keys, request.round_id(), request.participant(),
                         request.application(), request.request_id(),
                         request.request_id().empty() ? "" : RequestFingerprint(request),
                         request.etag());
}

absl::StatusOr<v1::SignUpResponse> Registrar::SignUp(const Caller& caller,
                                                     const v1::SignUpRequest& request) {
  auto input = SignUpInputOf(caller, request);
  if (!input.ok()) return SignUpAnswer(input.status());
  return SignUpAnswer(SignUpPerson(*input));
}

void Registrar::SignUpMany(std::span<BatchedSignUp> batch) {
  // The common case goes through two pipelined round trips for the whole batch: the reads, then
  // the commits. Everything else (a refusal that may rest on cached records, a replayed request,
  // a concurrent change, a malformed request) is done again one by one by SignUp, after the
  // batch: none of them has written anything, and SignUp decides them on fresh records.
  struct Item {
    BatchedSignUp* call;
    SignUpInput input;
    ApplicationReads reads;
    std::optional<SignUpCommit> commit{};
  };
  std::vector<Item> items;
  std::vector<BatchedSignUp*> one_by_one;
  items.reserve(batch.size());
  for (BatchedSignUp& call : batch) {
    auto input = SignUpInputOf(call.caller, *call.request);
    if (!input.ok()) {
      one_by_one.push_back(&call);
      continue;
    }
    ApplicationReads reads = PlanApplicationReads(
        repository_, cache_.get(), input->keys, input->round_id, input->participant.email,
        input->participant.workplace_id, input->application.wishes,
        input->request_id.empty() ? "" : input->request_key);
    items.push_back({.call = &call, .input = *std::move(input), .reads = std::move(reads)});
  }
  std::vector<const Reads*> reads;
  for (const Item& item : items) reads.push_back(&item.reads.reads);
  auto read = repository_.ReadMany(reads);
  std::vector<Item*> deciding;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Item& item = items[i];
    if (!read.ok()) {
      item.call->done(SignUpAnswer(read.status()));
      continue;
    }
    auto inputs = CompleteApplicationInputs(item.reads, (*read)[i], repository_, cache_.get(),
                                            item.input.keys, item.input.participant.workplace_id,
                                            item.input.application.wishes);
    if (!inputs.ok()) {
      item.call->done(SignUpAnswer(inputs.status()));
      continue;
    }
    auto decision = DecideSignUp(item.input, *inputs);
    if (!decision.ok() && !MayBeStaleRefusal(decision.status())) {
      item.call->done(SignUpAnswer(decision.status()));
    } else if (!decision.ok() || std::holds_alternative<std::string>(*decision)) {
      one_by_one.push_back(item.call);
    } else {
      item.commit = std::get<SignUpCommit>(*std::move(decision));
      deciding.push_back(&item);
    }
  }
  std::vector<const Transaction*> transactions;
  for (const Item* item : deciding) transactions.push_back(&item->commit->transaction);
  std::vector<absl::StatusOr<CommitResult>> committed = repository_.CommitMany(transactions);
  for (std::size_t i = 0; i < deciding.size(); ++i) {
    Item& item = *deciding[i];
    auto outcome = SignUpCommitted(item.input, committed[i], *item.commit);
    if (outcome.ok() && !outcome->has_value()) {
      metrics_->Retry();
      one_by_one.push_back(item.call);
      continue;
    }
    item.call->done(outcome.ok() ? SignUpAnswer(**std::move(outcome))
                                 : SignUpAnswer(outcome.status()));
  }
  for (BatchedSignUp* call : one_by_one) call->done(SignUp(call->caller, *call->request));
}

absl::StatusOr<v1::GetApplicationResponse> Registrar::GetApplication(
    const Caller& caller, const v1::GetApplicationRequest& request) {
  auto application =
      GetById<v1::Application>(repository_, caller, request.application_id(), "application_id",
                               "application", &KeySpace::Application);
  if (!application.ok()) return application.status();
  v1::GetApplicationResponse response;
  *response.mutable_application() = *std::move(application);
  return response;
}

absl::StatusOr<v1::ListApplicationsResponse> Registrar::ListApplications(
    const Caller& caller, const v1::ListApplicationsRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.round_id(), "round_id", violations);
  PageRequest page = ParsePage(request.page_size(), request.page_token(),
                               absl::StrCat(request.round_id(), "|", request.approval_state(), "|",
                                            request.participant_id()),
                               violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto round = LoadExisting<v1::Round>(repository_, keys->Round(request.round_id()), "round",
                                       request.round_id());
  if (!round.ok()) return round.status();
  auto listed = ListIndex<v1::Application>(
      repository_, keys->RoundApplications(request.round_id()),
      [&](const std::string& id) { return keys->Application(id); }, page,
      [&](const v1::Application& application) {
        return (request.approval_state() == v1::APPROVAL_STATE_UNSPECIFIED ||
                application.approval_state() == request.approval_state()) &&
               (request.participant_id().empty() ||
                application.participant_id() == request.participant_id());
      });
  if (!listed.ok()) return listed.status();
  v1::ListApplicationsResponse response;
  for (auto& application : listed->items) *response.add_applications() = std::move(application);
  response.set_next_page_token(listed->next_page_token);
  return response;
}

absl::StatusOr<v1::UpdateApplicationResponse> Registrar::UpdateApplication(
    const Caller& caller, const v1::UpdateApplicationRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.application().application_id();
  Violations violations;
  RequireId(id, "application.application_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::UpdateApplicationResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::UpdateApplicationResponse>> {
        auto update =
            PrepareUpdate(repository_, keys->Application(id), "application", id,
                          request.application(), request.update_mask(),
                          {"purpose", "available_days", "wishes", "swap_request", "manager"});
        if (!update.ok()) return update.status();
        const Loaded<v1::Application>* loaded = &update->before;
        v1::Application& updated = update->after;
        Application application = ToDomain(updated);
        Normalize(application);
        auto person = LoadExisting<v1::Participant>(repository_,
                                                    keys->Participant(application.participant_id),
                                                    "participant", application.participant_id);
        if (!person.ok()) return person.status();
        auto inputs = ReadApplicationInputs(repository_, nullptr, *keys, application.round_id,
                                            person->message.email(), person->message.workplace_id(),
                                            application.wishes, "");
        if (!inputs.ok()) return inputs.status();
        if (!inputs->round || !inputs->programme || !inputs->application) return std::nullopt;
        Violations checked;
        CheckApplicationInputs(application, *inputs, person->message.email(),
                               person->message.workplace_id(), checked);
        if (auto status = checked.ToStatus(); !status.ok()) return status;
        if (auto status = AllowsSignUp(ToDomain(inputs->round->message), TodayDate());
            !status.ok()) {
          return status;
        }
        if (inputs->application->record.version != loaded->record.version) return std::nullopt;

        auto planned = PlanApplication(
            application, *inputs, inputs->application, Now(),
            {.options = &options_, .tenant = keys->tenant(), .time_zone = time_zone_});
        if (!planned.ok()) return planned.status();
        ApplicationPlan& plan = *planned;
        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Participant(application.participant_id),
                                  person->record.version);
        AddApplicationWrites(transaction, *keys, plan, inputs->application, *inputs);
        if (absl::Status events = AddApplicationEvents(
                transaction, caller, plan, person->message,
                inputs->workplace ? &inputs->workplace->message : nullptr, *inputs);
            !events.ok()) {
          return events;
        }
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        v1::UpdateApplicationResponse response;
        *response.mutable_application() = std::move(plan.message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

// ---------------------------------------------------------------------------------------------
// Bulk import

absl::Status Registrar::StartImport(const Caller& caller, std::string_view round_id) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(std::string(round_id), "round_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto round = LoadExisting<v1::Round>(repository_, keys->Round(round_id), "round", round_id);
  if (!round.ok()) return round.status();
  return AllowsSignUp(ToDomain(round->message), TodayDate());
}

void Registrar::ImportRows(const Caller& caller, std::string_view round_id,
                           const google::protobuf::RepeatedPtrField<v1::ImportRow>& rows,
                           bool validate_only, v1::ImportSignUpsResponse& summary) {
  auto report = [&](const v1::ImportRow& row, const absl::Status& status) {
    summary.set_rows_failed(summary.rows_failed() + 1);
    if (!validate_only) {
      metrics_->ImportRow(false);
      metrics_->SignUpRefused();
    }
    auto violations = errors::FieldViolationsOf(status);
    if (violations.empty()) {
      v1::ImportRowError* error = summary.add_errors();
      error->set_line(row.line());
      error->set_description(std::string(status.message()));
      return;
    }
    for (const auto& violation : violations) {
      v1::ImportRowError* error = summary.add_errors();
      error->set_line(row.line());
      error->set_field(violation.field);
      error->set_description(violation.description);
    }
  };
  auto keys = KeysFor(caller);
  summary.set_rows_received(summary.rows_received() + rows.size());
  if (rows.size() > kMaxImportRowsPerMessage) {
    for (const auto& row : rows) {
      report(row, absl::InvalidArgumentError(
                      absl::StrCat("at most ", kMaxImportRowsPerMessage, " rows per message")));
    }
    return;
  }
  for (const v1::ImportRow& row : rows) {
    if (!keys.ok()) {
      report(row, keys.status());
      continue;
    }
    SignUpInput input = MakeSignUpInput(caller, *keys, std::string(round_id), row.participant(),
                                        row.application(), "", "", "");
    input.validate_only = validate_only;
    if (input.participant.workplace_id.empty() && row.has_workplace()) {
      Workplace workplace = ToDomain(row.workplace());
      Normalize(workplace);
      Violations violations;
      CheckWorkplace(workplace, FieldPath("workplace"), violations);
      if (absl::Status status = violations.ToStatus(); !status.ok()) {
        report(row, status);
        continue;
      }
      input.workplace_by_name = ToProto(workplace);
    }
    auto outcome = SignUpPerson(input);
    if (!outcome.ok()) {
      report(row, outcome.status());
      continue;
    }
    if (!validate_only) metrics_->ImportRow(true);
    if (outcome->created) {
      summary.set_applications_created(summary.applications_created() + 1);
      if (!validate_only) metrics_->SignUpCreated();
    } else {
      summary.set_applications_updated(summary.applications_updated() + 1);
      if (!validate_only) metrics_->SignUpUpdated();
    }
  }
}

}  // namespace ipraktik::registration
