#pragma once

// What the registration API does, call by call, as a plain class: API messages in and out, no
// gRPC. The gRPC handlers (registration_service.h) only read the caller from the metadata and
// pass messages through, so tests and the import can drive the same code.
//
// Every write follows one pattern: read the records it depends on, decide with the domain rules
// (domain/), and commit a repository Transaction that re-checks what was read (versions, a
// round's state, an e-mail's owner) atomically with the writes and the outbox events. When a
// concurrent change got there first, the whole read-decide-commit runs again, so rules are
// always decided on current data and every refusal carries the domain's rich error details.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/model.h"
#include "ipraktik/v1/registration.pb.h"
#include "registration_repository.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::registration {

namespace v1 = ::ipraktik::v1;

// Who a call acts for (from the request metadata, libs/server).
struct Caller {
  std::string tenant;
  std::string correlation_id;
};

// The participant pages on the local stack (IPRAKTIK_PARTICIPANT_WEB_URL's default).
inline constexpr char kDefaultParticipantWebUrl[] = "http://127.0.0.1:7180";

struct RegistrarOptions {
  // The participant pages (served by the participant web service): a manager's personal link is
  // participant_web_url + "/approval/<tenant>/<token>".
  std::string participant_web_url = kDefaultParticipantWebUrl;
  // The key of the approval tokens' digests (tokens::Digest; the server's IPRAKTIK_TOKEN_SECRET).
  std::string token_secret;
  // A manager who has not decided is reminded this many days before the sign-up deadline (0:
  // never).
  int approval_reminder_days = 3;
  // Days (deadlines, retention) are Danish days.
  std::string time_zone = "Europe/Copenhagen";
  // The current time; tests move it.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Counters of sign-ups, imports, erasures and transaction retries when set; must outlive the
  // registrar.
  prometheus::Registry* metrics = nullptr;
};

class RecordCache;
class RegistrarMetrics;
class SnapshotExport;
struct ApplicationInputs;

// One sign-up of a batch (Registrar::SignUpMany) and where its answer goes.
struct BatchedSignUp {
  Caller caller;
  const v1::SignUpRequest* request = nullptr;  // must stay valid until done is called
  std::function<void(absl::StatusOr<v1::SignUpResponse>)> done;
};

class Registrar {
 public:
  // repository must outlive the registrar. Thread-safe.
  Registrar(RegistrationRepository& repository, RegistrarOptions options);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  absl::StatusOr<v1::CreateProgrammeResponse> CreateProgramme(
      const Caller& caller, const v1::CreateProgrammeRequest& request);
  absl::StatusOr<v1::GetProgrammeResponse> GetProgramme(const Caller& caller,
                                                        const v1::GetProgrammeRequest& request);
  absl::StatusOr<v1::ListProgrammesResponse> ListProgrammes(
      const Caller& caller, const v1::ListProgrammesRequest& request);
  absl::StatusOr<v1::UpdateProgrammeResponse> UpdateProgramme(
      const Caller& caller, const v1::UpdateProgrammeRequest& request);

  absl::StatusOr<v1::CreateRoundResponse> CreateRound(const Caller& caller,
                                                      const v1::CreateRoundRequest& request);
  absl::StatusOr<v1::GetRoundResponse> GetRound(const Caller& caller,
                                                const v1::GetRoundRequest& request);
  absl::StatusOr<v1::ListRoundsResponse> ListRounds(const Caller& caller,
                                                    const v1::ListRoundsRequest& request);
  absl::StatusOr<v1::UpdateRoundResponse> UpdateRound(const Caller& caller,
                                                      const v1::UpdateRoundRequest& request);
  absl::StatusOr<v1::TransitionRoundResponse> TransitionRound(
      const Caller& caller, const v1::TransitionRoundRequest& request);
  // A matching of the round was published (the matching service's event): a closed round moves
  // to PUBLISHED through MATCHED. Again, or for a round already published or completed, nothing
  // changes. FAILED_PRECONDITION for a round that is not closed (a draft, or reopened since).
  absl::Status RecordMatchingPublished(const Caller& caller, const std::string& round_id);

  absl::StatusOr<v1::CreateWorkplaceResponse> CreateWorkplace(
      const Caller& caller, const v1::CreateWorkplaceRequest& request);
  absl::StatusOr<v1::GetWorkplaceResponse> GetWorkplace(const Caller& caller,
                                                        const v1::GetWorkplaceRequest& request);
  absl::StatusOr<v1::ListWorkplacesResponse> ListWorkplaces(
      const Caller& caller, const v1::ListWorkplacesRequest& request);
  absl::StatusOr<v1::UpdateWorkplaceResponse> UpdateWorkplace(
      const Caller& caller, const v1::UpdateWorkplaceRequest& request);

  absl::StatusOr<v1::RegisterParticipantResponse> RegisterParticipant(
      const Caller& caller, const v1::RegisterParticipantRequest& request);
  absl::StatusOr<v1::GetParticipantResponse> GetParticipant(
      const Caller& caller, const v1::GetParticipantRequest& request);
  absl::StatusOr<v1::ListParticipantsResponse> ListParticipants(
      const Caller& caller, const v1::ListParticipantsRequest& request);
  absl::StatusOr<v1::UpdateParticipantResponse> UpdateParticipant(
      const Caller& caller, const v1::UpdateParticipantRequest& request);
  absl::StatusOr<v1::EraseParticipantResponse> EraseParticipant(
      const Caller& caller, const v1::EraseParticipantRequest& request);
  absl::StatusOr<v1::ApplyRetentionResponse> ApplyRetention(
      const Caller& caller, const v1::ApplyRetentionRequest& request);

  absl::StatusOr<v1::CreateHostOfferResponse> CreateHostOffer(
      const Caller& caller, const v1::CreateHostOfferRequest& request);
  absl::StatusOr<v1::GetHostOfferResponse> GetHostOffer(const Caller& caller,
                                                        const v1::GetHostOfferRequest& request);
  absl::StatusOr<v1::ListHostOffersResponse> ListHostOffers(
      const Caller& caller, const v1::ListHostOffersRequest& request);
  absl::StatusOr<v1::UpdateHostOfferResponse> UpdateHostOffer(
      const Caller& caller, const v1::UpdateHostOfferRequest& request);
  absl::StatusOr<v1::PublishHostOfferResponse> PublishHostOffer(
      const Caller& caller, const v1::PublishHostOfferRequest& request);
  absl::StatusOr<v1::WithdrawHostOfferResponse> WithdrawHostOffer(
      const Caller& caller, const v1::WithdrawHostOfferRequest& request);

  absl::StatusOr<v1::SignUpResponse> SignUp(const Caller& caller, const v1::SignUpRequest& request);
  // Many sign-ups at once, answering each exactly as SignUp would, through one pipelined round
  // trip for all their reads and one for all their commits (the common case); done is called
  // for each, on this thread, before it returns.
  void SignUpMany(std::span<BatchedSignUp> batch);
  absl::StatusOr<v1::GetApplicationResponse> GetApplication(
      const Caller& caller, const v1::GetApplicationRequest& request);
  absl::StatusOr<v1::ListApplicationsResponse> ListApplications(
      const Caller& caller, const v1::ListApplicationsRequest& request);
  absl::StatusOr<v1::UpdateApplicationResponse> UpdateApplication(
      const Caller& caller, const v1::UpdateApplicationRequest& request);
  absl::StatusOr<v1::LookupApprovalResponse> LookupApproval(
      const Caller& caller, const v1::LookupApprovalRequest& request);
  absl::StatusOr<v1::DecideApprovalResponse> DecideApproval(
      const Caller& caller, const v1::DecideApprovalRequest& request);
  // Reminds the managers of tenant whose reminder is due (at most batch of them): each gets a
  // fresh link by a "registration.approval.requested" event (reminder = true), written with the
  // reminder's removal from the schedule in one transaction, so replicas and repeated passes
  // remind once. Returns how many were reminded.
  absl::StatusOr<int> RemindApprovals(const std::string& tenant, int batch);
  const RegistrarOptions& options() const { return options_; }

  // The bulk import, one request message at a time. Start checks the round (it must take
  // sign-ups); ImportRows signs up each row and adds to summary what happened to it (with
  // validate_only, what would happen: the same checks, nothing stored).
  absl::Status StartImport(const Caller& caller, std::string_view round_id);
  void ImportRows(const Caller& caller, std::string_view round_id,
                  const google::protobuf::RepeatedPtrField<v1::ImportRow>& rows, bool validate_only,
                  v1::ImportSignUpsResponse& summary);

  // The snapshot export of a closed round (snapshot_export.h), and its outcome for the metrics.
  absl::StatusOr<std::unique_ptr<SnapshotExport>> StartExport(
      const Caller& caller, const v1::ExportRoundSnapshotRequest& request);
  void RecordExport(bool completed);

  RegistrationRepository& repository() { return repository_; }
  // The Danish day and the time now.
  absl::CivilDay Today() const;
  Date TodayDate() const;
  absl::Time Now() const { return options_.clock(); }

 private:
  struct SignUpOutcome;
  struct SignUpInput;
  struct SignUpCommit;
  struct Erasure;

  // A sign-up's steps: the normalized request, the decision on its inputs (the stored result
  // of a replayed request id, or the commit to make), and the outcome of that commit (nullopt:
  // a concurrent change came first, decide again).
  static SignUpInput MakeSignUpInput(const Caller& caller, const KeySpace& keys,
                                     const std::string& round_id,
                                     const v1::Participant& participant_in,
                                     const v1::Application& application_in,
                                     const std::string& request_id, const std::string& fingerprint,
                                     const std::string& etag);
  absl::StatusOr<SignUpInput> SignUpInputOf(const Caller& caller, const v1::SignUpRequest& request);
  // new_workplace: the intern's workplace, created with the sign-up (an imported row's).
  absl::StatusOr<std::variant<std::string, SignUpCommit>> DecideSignUp(
      const SignUpInput& input, const ApplicationInputs& inputs,
      const v1::Workplace* new_workplace = nullptr);
  absl::StatusOr<SignUpOutcome> ReplaySignUp(const SignUpInput& input, const std::string& result);
  absl::StatusOr<std::optional<SignUpOutcome>> SignUpCommitted(
      const SignUpInput& input, const absl::StatusOr<CommitResult>& committed,
      SignUpCommit& commit);
  // Read, decide and commit until done (optimistic retries).
  absl::StatusOr<SignUpOutcome> SignUpPerson(const SignUpInput& input);
  // The response (and the sign-up counters) of an outcome.
  absl::StatusOr<v1::SignUpResponse> SignUpAnswer(absl::StatusOr<SignUpOutcome> outcome);
  absl::StatusOr<Erasure> Erase(const Caller& caller, const KeySpace& keys,
                                const std::string& participant_id, bool validate_only);

  RegistrationRepository& repository_;
  RegistrarOptions options_;
  absl::TimeZone time_zone_;
  std::unique_ptr<RegistrarMetrics> metrics_;
  // Rounds, programmes, workplaces and offers for the sign-up path (record_cache.h).
  std::unique_ptr<RecordCache> cache_;
};

}  // namespace ipraktik::registration
