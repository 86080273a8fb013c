// The manager's approval of an application, through the personal link its sign-up sent them.
#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "domain/text.h"
#include "ipraktik/contract/event_types.h"
#include "registrar.h"
#include "registrar_events.h"
#include "registrar_metrics.h"
#include "registrar_support.h"

namespace ipraktik::registration {
namespace {

using errors::Violations;

// The application a manager's personal link names; NOT_FOUND when the link is not (or no longer)
// valid.
absl::StatusOr<Loaded<v1::Application>> ApplicationOfLink(RegistrationRepository& repository,
                                                          const KeySpace& keys,
                                                          const std::string& token) {
  Reads reads;
  reads.Value(keys.ApprovalToken(token));
  auto read = repository.Read(reads);
  if (!read.ok()) return read.status();
  auto application_id = read->Value(0);
  if (!application_id) {
    return errors::NotFound("approval", "token",
                            "this approval link is not valid (any more): the application was "
                            "changed or erased");
  }
  return LoadExisting<v1::Application>(repository, keys.Application(*application_id), "application",
                                       *application_id);
}

}  // namespace

absl::StatusOr<v1::LookupApprovalResponse> Registrar::LookupApproval(
    const Caller& caller, const v1::LookupApprovalRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.approval_token(), "approval_token", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto application = ApplicationOfLink(repository_, *keys, request.approval_token());
  if (!application.ok()) return application.status();
  auto participant = LoadExisting<v1::Participant>(
      repository_, keys->Participant(application->message.participant_id()), "participant",
      application->message.participant_id());
  if (!participant.ok()) return participant.status();
  v1::LookupApprovalResponse response;
  *response.mutable_application() = std::move(application->message);
  *response.mutable_participant() = std::move(participant->message);
  return response;
}

absl::StatusOr<v1::DecideApprovalResponse> Registrar::DecideApproval(
    const Caller& caller, const v1::DecideApprovalRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.approval_token(), "approval_token", violations);
  if (request.decision() != v1::APPROVAL_STATE_APPROVED &&
      request.decision() != v1::APPROVAL_STATE_REJECTED) {
    violations.Add("decision", "must be APPROVAL_STATE_APPROVED or APPROVAL_STATE_REJECTED");
  }
  if (CharacterCount(request.comment()) > 2000) {
    violations.Add("comment", "is too long: at most 2000 characters");
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::DecideApprovalResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::DecideApprovalResponse>> {
        auto loaded = ApplicationOfLink(repository_, *keys, request.approval_token());
        if (!loaded.ok()) return loaded.status();
        const std::string& application_id = loaded->message.application_id();
        auto round = LoadExisting<v1::Round>(repository_, keys->Round(loaded->message.round_id()),
                                             "round", loaded->message.round_id());
        if (!round.ok()) return round.status();
        if (auto status = AllowsApproval(ToDomain(round->message)); !status.ok()) return status;

        v1::Application message = loaded->message;
        message.set_approval_state(request.decision());
        message.set_approval_comment(Trim(request.comment()));
        StoredRecord record = NextVersion(&loaded->record, message, Now());
        record.fields = loaded->record.fields;
        record.fields["approval"] = ApprovalStateName(ToDomain(request.decision()));
        SetBookkeeping(record, message);

        v1::ApplicationApprovalDecided decided;
        decided.set_round_id(message.round_id());
        decided.set_application_id(message.application_id());
        decided.set_participant_id(message.participant_id());
        decided.set_approval_state(message.approval_state());
        decided.set_version(record.version);
        auto event = MakeEvent(caller, contract::kApprovalDecided, decided);
        if (!event.ok()) return event.status();

        Transaction transaction(*keys);
        transaction.ExpectField(keys->Round(message.round_id()), "state", {"open"});
        transaction.ExpectValue(keys->ApprovalToken(request.approval_token()), application_id);
        transaction.ExpectVersion(keys->Application(application_id), loaded->record.version);
        transaction.PutRecord(keys->Application(application_id), record);
        transaction.HashIncrement(keys->Round(message.round_id()), "rev");
        transaction.Emit(*std::move(event));
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        v1::DecideApprovalResponse response;
        *response.mutable_application() = std::move(message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

}  // namespace ipraktik::registration
