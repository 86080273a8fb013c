// Applications: sign-up (idempotent by e-mail and round, retry-safe by request id), changes
// guarded by etags, the manager's approval through a personal link, and the bulk import.
#include <map>
#include <set>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

}  // namespace

// What an application's rules depend on, read in one round trip (two for a cold round).
struct ApplicationInputs {
  std::optional<Loaded<v1::Round>> round;
  std::optional<Loaded<v1::Programme>> programme;
  std::optional<Loaded<v1::Workplace>> workplace;  // the intern's
  std::optional<Loaded<v1::Participant>> participant;
  std::optional<Loaded<v1::Application>> application;
  std::map<std::string, Loaded<v1::HostOffer>> offers;  // the wished ones that exist
  std::optional<std::string> replay;                    // the stored result of the request id
};

namespace {

// The reads behind ApplicationInputs: the round with its programme, the intern's workplace, the
// wished offers, and (by e-mail) the participant with their application in the round, plus the
// stored result of request_key. With a cache, the rarely changing records come from it when they
// can, so a warm sign-up costs one round trip; the transaction checks their versions
// (AddApplicationWrites).
struct ApplicationReads {
  std::map<std::string, std::optional<StoredRecord>> records;
  Reads reads;
  std::vector<std::pair<std::string, std::size_t>> pending;  // key, position in reads
  std::string round_key;
  std::string programme_id;  // known when the round came from the cache
  std::size_t person_at = 0;
};

ApplicationReads PlanApplicationReads(const RegistrationRepository& repository, RecordCache* cache,
                                      const KeySpace& keys, const std::string& round_id,
                                      const std::string& email, const std::string& workplace_id,
                                      const std::vector<Wish>& wishes,
                                      const std::string& request_key) {
  ApplicationReads plan;
  auto want = [&](const std::string& key) {
    if (plan.records.contains(key)) return;
    if (cache != nullptr) {
      if (auto hit = cache->Get(key)) {
        plan.records.emplace(key, *std::move(hit));
        return;
      }
    }
    plan.records.emplace(key, std::nullopt);
    plan.pending.emplace_back(key, plan.reads.Record(key));
  };
  plan.round_key = keys.Round(round_id);
  want(plan.round_key);
  want(keys.Workplace(workplace_id));
  for (const Wish& wish : wishes) {
    if (!wish.criteria && !wish.host_offer_id.empty()) want(keys.HostOffer(wish.host_offer_id));
  }
  // The round's programme, when the round is known already (an unparsable cached round is
  // left to CompleteApplicationInputs, which reports it).
  if (plan.records[plan.round_key]) {
    auto round = ParseRecord<v1::Round>(*plan.records[plan.round_key]);
    if (round.ok()) {
      plan.programme_id = round->programme_id();
      want(keys.Programme(plan.programme_id));
    }
  }
  plan.person_at =
      plan.reads.Person(repository.person_script(), keys, email, round_id, request_key);
  return plan;
}

// The inputs from the planned reads' results; a cold round's programme takes a round trip more.
absl::StatusOr<ApplicationInputs> CompleteApplicationInputs(
    ApplicationReads& plan, const ReadResults& read, RegistrationRepository& repository,
    RecordCache* cache, const KeySpace& keys, const std::string& workplace_id,
    const std::vector<Wish>& wishes) {
  auto& records = plan.records;
  for (const auto& [key, position] : plan.pending) {
    records[key] = read.Record(position);
    if (cache != nullptr && records[key]) cache->Put(key, *records[key]);
  }
  plan.pending.clear();
  PersonInRound person = read.Person(plan.person_at);

  ApplicationInputs inputs;
  inputs.replay = person.request;
  auto round = ToLoaded<v1::Round>(records[plan.round_key]);
  if (!round.ok()) return round.status();
  inputs.round = *std::move(round);
  if (!inputs.round) return inputs;
  std::string programme_id = plan.programme_id;
  if (programme_id.empty()) {  // a cold round: its programme takes a second round trip
    programme_id = inputs.round->message.programme_id();
    const std::string programme_key = keys.Programme(programme_id);
    std::optional<StoredRecord> record =
        cache != nullptr ? cache->Get(programme_key) : std::nullopt;
    if (!record) {
      auto fetched = repository.Get(programme_key);
      if (!fetched.ok()) return fetched.status();
      record = *std::move(fetched);
      if (cache != nullptr && record) cache->Put(programme_key, *record);
    }
    records[programme_key] = std::move(record);
  }
  auto programme = ToLoaded<v1::Programme>(records[keys.Programme(programme_id)]);
  if (!programme.ok()) return programme.status();
  inputs.programme = *std::move(programme);
  auto workplace = ToLoaded<v1::Workplace>(records[keys.Workplace(workplace_id)]);
  if (!workplace.ok()) return workplace.status();
  inputs.workplace = *std::move(workplace);
  for (const Wish& wish : wishes) {
    if (wish.criteria || wish.host_offer_id.empty()) continue;
    auto offer = ToLoaded<v1::HostOffer>(records[keys.HostOffer(wish.host_offer_id)]);
    if (!offer.ok()) return offer.status();
    if (*offer) inputs.offers.emplace(wish.host_offer_id, **std::move(offer));
  }
  auto participant = ToLoaded<v1::Participant>(person.participant);
  if (!participant.ok()) return participant.status();
  inputs.participant = *std::move(participant);
  auto application = ToLoaded<v1::Application>(person.application);
  if (!application.ok()) return application.status();
  inputs.application = *std::move(application);
  return inputs;
}

absl::StatusOr<ApplicationInputs> ReadApplicationInputs(
    RegistrationRepository& repository, RecordCache* cache, const KeySpace& keys,
    const std::string& round_id, const std::string& email, const std::string& workplace_id,
    const std::vector<Wish>& wishes, const std::string& request_key) {
  ApplicationReads plan = PlanApplicationReads(repository, cache, keys, round_id, email,
                                               workplace_id, wishes, request_key);
  auto read = repository.Read(plan.reads);
  if (!read.ok()) return read.status();
  return CompleteApplicationInputs(plan, *read, repository, cache, keys, workplace_id, wishes);
}

// Checks the application against its inputs, adding violations under "application".
void CheckApplicationInputs(const Application& application, const ApplicationInputs& inputs,
                            std::string_view intern_email, std::string_view intern_workplace_id,
                            Violations& violations) {
  Programme programme = ToDomain(inputs.programme->message);
  Round round = ToDomain(inputs.round->message);
  std::map<std::string, HostOffer> offers;
  for (const auto& [id, offer] : inputs.offers) offers.emplace(id, ToDomain(offer.message));
  ApplicationContext context{.programme = programme,
                             .round = round,
                             .intern_email = intern_email,
                             .intern_workplace_id = intern_workplace_id,
                             .find_offer = [&offers](const std::string& id) -> const HostOffer* {
                               auto it = offers.find(id);
                               return it == offers.end() ? nullptr : &it->second;
                             }};
  CheckApplication(application, context, FieldPath("application"), violations);
}

// The application's next record and the writes that store it (approval link included).
struct ApplicationPlan {
  v1::Application message;
  StoredRecord record;
  std::string new_token;  // set when the manager gets a new personal link
  bool created = false;
};

ApplicationPlan PlanApplication(Application application, const ApplicationInputs& inputs,
                                const std::optional<Loaded<v1::Application>>& previous,
                                absl::Time now) {
  ApplicationPlan plan;
  plan.created = !previous.has_value();
  std::optional<Application> before;
  if (previous) before = ToDomain(previous->message);
  ApprovalDecision approval = ApprovalOnSubmit(ToDomain(inputs.programme->message),
                                               before ? &*before : nullptr, application);
  application.approval_state = approval.state;
  application.approval_comment =
      before && before->approval_state == approval.state ? before->approval_comment : "";
  plan.message = ToProto(application);
  plan.record = NextVersion(previous ? &previous->record : nullptr, plan.message, now);
  std::string token = previous ? previous->record.Field("token") : "";
  if (approval.needs_new_link) {
    plan.new_token = NewApprovalToken();
    token = plan.new_token;
  } else if (approval.state == ApprovalState::kNotRequired) {
    token.clear();
  }
  plan.record.fields["round"] = application.round_id;
  plan.record.fields["participant"] = application.participant_id;
  plan.record.fields["approval"] = ApprovalStateName(approval.state);
  plan.record.fields["token"] = token;
  SetBookkeeping(plan.record, plan.message);
  return plan;
}

void AddApplicationWrites(Transaction& transaction, const KeySpace& keys,
                          const ApplicationPlan& plan,
                          const std::optional<Loaded<v1::Application>>& previous,
                          const ApplicationInputs& inputs) {
  const v1::Application& application = plan.message;
  const std::string& id = application.application_id();
  // The records the rules were decided on (perhaps from the cache) are still those versions.
  transaction.ExpectVersion(keys.Round(application.round_id()), inputs.round->record.version);
  transaction.ExpectVersion(keys.Programme(inputs.round->message.programme_id()),
                            inputs.programme->record.version);
  for (const auto& [offer_id, offer] : inputs.offers) {
    transaction.ExpectVersion(keys.HostOffer(offer_id), offer.record.version);
  }
  transaction.ExpectVersion(keys.Application(id), previous ? previous->record.version : 0);
  transaction.PutRecord(keys.Application(id), plan.record);
  transaction.Index(keys.RoundApplications(application.round_id()), id);
  transaction.AddMember(keys.ParticipantApplications(application.participant_id()), id);
  std::string old_token = previous ? previous->record.Field("token") : "";
  if (!old_token.empty() && old_token != plan.record.Field("token")) {
    transaction.Delete(keys.ApprovalToken(old_token));
  }
  if (!plan.new_token.empty()) transaction.Set(keys.ApprovalToken(plan.new_token), id);
  transaction.HashIncrement(keys.Round(application.round_id()), "rev");
}

absl::StatusOr<events::Envelope> SubmittedEvent(const Caller& caller, const ApplicationPlan& plan,
                                                const v1::Participant& intern,
                                                const v1::Workplace* workplace,
                                                std::string_view approval_base_url) {
  v1::ApplicationSubmitted submitted;
  const v1::Application& application = plan.message;
  submitted.set_round_id(application.round_id());
  submitted.set_application_id(application.application_id());
  *submitted.mutable_intern() = PersonCard(intern, workplace);
  submitted.set_purpose(application.purpose());
  submitted.set_wish_count(application.wishes_size());
  submitted.set_approval_state(application.approval_state());
  if (application.approval_state() == v1::APPROVAL_STATE_PENDING) {
    *submitted.mutable_manager() = application.manager();
    submitted.set_approval_url(absl::StrCat(std::string(approval_base_url), caller.tenant, "/",
                                            plan.record.Field("token")));
  }
  submitted.set_resubmitted(!plan.created);
  submitted.set_version(plan.record.version);
  return MakeEvent(caller, contract::kApplicationSubmitted, submitted);
}

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
    const SignUpInput& input, const ApplicationInputs& inputs) {
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
  ApplicationPlan plan = PlanApplication(application, inputs, inputs.application, now);

  Transaction transaction(keys);
  if (!input.request_id.empty()) {
    transaction.Dedupe(input.request_key, input.fingerprint,
                       SignUpResult(application.participant_id, application.id, plan.created));
  }
  transaction.ExpectVersion(keys.Workplace(participant.workplace_id),
                            inputs.workplace->record.version);
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
  auto submitted = SubmittedEvent(input.caller, plan, person.message, &inputs.workplace->message,
                                  options_.approval_base_url);
  if (!submitted.ok()) return submitted.status();
  transaction.Emit(*std::move(submitted));
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
    auto inputs = ReadApplicationInputs(repository_, cache, input.keys, input.round_id,
                                        input.participant.email, input.participant.workplace_id,
                                        input.application.wishes,
                                        input.request_id.empty() ? "" : input.request_key);
    if (!inputs.ok()) return inputs.status();
    auto decision = DecideSignUp(input, *inputs);
    if (!decision.ok()) return decision.status();
    if (auto* replayed = std::get_if<std::string>(&*decision))
      return ReplaySignUp(input, *replayed);
    SignUpCommit& commit = std::get<SignUpCommit>(*decision);
    return SignUpCommitted(input, repository_.Commit(commit.transaction), commit);
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

        ApplicationPlan plan = PlanApplication(application, *inputs, inputs->application, Now());
        Transaction transaction(*keys);
        transaction.ExpectVersion(keys->Participant(application.participant_id),
                                  person->record.version);
        AddApplicationWrites(transaction, *keys, plan, inputs->application, *inputs);
        auto event = SubmittedEvent(caller, plan, person->message,
                                    inputs->workplace ? &inputs->workplace->message : nullptr,
                                    options_.approval_base_url);
        if (!event.ok()) return event.status();
        transaction.Emit(*std::move(event));
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        v1::UpdateApplicationResponse response;
        *response.mutable_application() = std::move(plan.message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

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
                           v1::ImportSignUpsResponse& summary) {
  auto report = [&](const v1::ImportRow& row, const absl::Status& status) {
    summary.set_rows_failed(summary.rows_failed() + 1);
    metrics_->ImportRow(false);
    metrics_->SignUpRefused();
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
    v1::Participant participant = row.participant();
    if (participant.workplace_id().empty() && row.has_workplace()) {
      auto workplace_id = FindOrCreateWorkplace(*keys, row.workplace());
      if (!workplace_id.ok()) {
        report(row, workplace_id.status());
        continue;
      }
      participant.set_workplace_id(*workplace_id);
    }
    auto outcome = SignUpPerson(MakeSignUpInput(caller, *keys, std::string(round_id), participant,
                                                row.application(), "", "", ""));
    if (!outcome.ok()) {
      report(row, outcome.status());
      continue;
    }
    metrics_->ImportRow(true);
    if (outcome->created) {
      summary.set_applications_created(summary.applications_created() + 1);
      metrics_->SignUpCreated();
    } else {
      summary.set_applications_updated(summary.applications_updated() + 1);
      metrics_->SignUpUpdated();
    }
  }
}

}  // namespace ipraktik::registration
