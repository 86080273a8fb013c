// The manager's approval of an application, through the personal link its sign-up e-mailed them:
// what the link is for, the decision (kept in the application's history), and the reminder to a
// manager who has not decided.
#include <map>

#include "absl/strings/str_cat.h"
#include "application_plan.h"
#include "approval_links.h"
#include "domain/rules.h"
#include "domain/text.h"
#include "google/protobuf/util/time_util.h"
#include "ipraktik/contract/event_types.h"
#include "registrar.h"
#include "registrar_events.h"
#include "registrar_metrics.h"
#include "registrar_support.h"

namespace ipraktik::registration {
namespace {

using errors::Violations;

// What a link is for, read in two round trips: the application, then its round, programme,
// intern, the intern's workplace and the wished offers.
struct LinkSubject {
  Loaded<v1::Application> application;
  Loaded<v1::Round> round;
  std::optional<Loaded<v1::Programme>> programme{};
  Loaded<v1::Participant> intern;
  std::optional<Loaded<v1::Workplace>> workplace{};
  std::map<std::string, Loaded<v1::HostOffer>> offers{};

  ApprovalSubject Subject() const {
    return {.round = &round.message,
            .programme = programme ? &programme->message : nullptr,
            .intern = &intern.message,
            .intern_workplace = workplace ? &workplace->message : nullptr,
            .application = &application.message,
            .offers = &offers};
  }
};

template <typename Message>
absl::StatusOr<std::optional<Loaded<Message>>> Optional(const ReadResults& read, std::size_t at) {
  return ToLoaded<Message>(read.Record(at));
}

// The subject of the application with this id; NOT_FOUND when it (or its intern) is gone.
absl::StatusOr<LinkSubject> LoadSubject(RegistrationRepository& repository, const KeySpace& keys,
                                        const std::string& application_id) {
  auto application = LoadExisting<v1::Application>(repository, keys.Application(application_id),
                                                   "application", application_id);
  if (!application.ok()) return application.status();
  const v1::Application& a = application->message;
  Reads reads;
  const std::size_t round_at = reads.Record(keys.Round(a.round_id()));
  const std::size_t intern_at = reads.Record(keys.Participant(a.participant_id()));
  std::vector<std::pair<std::string, std::size_t>> offer_at;
  for (const v1::Wish& wish : a.wishes()) {
    if (wish.has_host_offer_id()) {
      offer_at.emplace_back(wish.host_offer_id(),
                            reads.Record(keys.HostOffer(wish.host_offer_id())));
    }
  }
  auto read = repository.Read(reads);
  if (!read.ok()) return read.status();
  auto round = Optional<v1::Round>(*read, round_at);
  if (!round.ok()) return round.status();
  auto intern = Optional<v1::Participant>(*read, intern_at);
  if (!intern.ok()) return intern.status();
  if (!*round) return errors::NotFound("round", a.round_id());
  if (!*intern) return errors::NotFound("participant", a.participant_id());
  LinkSubject subject{.application = *std::move(application),
                      .round = **std::move(round),
                      .intern = **std::move(intern)};
  for (const auto& [id, at] : offer_at) {
    auto offer = Optional<v1::HostOffer>(*read, at);
    if (!offer.ok()) return offer.status();
    if (*offer) subject.offers.emplace(id, **std::move(offer));
  }
  Reads more;
  const std::size_t programme_at =
      more.Record(keys.Programme(subject.round.message.programme_id()));
  const std::size_t workplace_at =
      more.Record(keys.Workplace(subject.intern.message.workplace_id()));
  auto second = repository.Read(more);
  if (!second.ok()) return second.status();
  auto programme = Optional<v1::Programme>(*second, programme_at);
  if (!programme.ok()) return programme.status();
  auto workplace = Optional<v1::Workplace>(*second, workplace_at);
  if (!workplace.ok()) return workplace.status();
  subject.programme = *std::move(programme);
  subject.workplace = *std::move(workplace);
  return subject;
}

// The application a manager's personal link names; NOT_FOUND when the link is not (or no longer)
// valid, FAILED_PRECONDITION LINK_EXPIRED after the round's sign-up deadline.
absl::StatusOr<LinkSubject> SubjectOfLink(RegistrationRepository& repository, const KeySpace& keys,
                                          const std::string& digest, Date today) {
  Reads reads;
  reads.Value(keys.ApprovalLink(digest));
  auto read = repository.Read(reads);
  if (!read.ok()) return read.status();
  auto application_id = read->Value(0);
  if (!application_id) {
    return errors::NotFound("approval", "approval_token",
                            "this approval link is not valid (any more): the application was "
                            "changed or erased");
  }
  auto subject = LoadSubject(repository, keys, *application_id);
  if (!subject.ok()) return subject.status();
  if (absl::Status valid = ApprovalLinkValid(ToDomain(subject->round.message), today);
      !valid.ok()) {
    return valid;
  }
  return subject;
}

}  // namespace

absl::StatusOr<v1::LookupApprovalResponse> Registrar::LookupApproval(
    const Caller& caller, const v1::LookupApprovalRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  CheckApprovalToken(request.approval_token(), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  const std::string digest = ApprovalTokenDigest(options_, request.approval_token());
  auto subject = SubjectOfLink(repository_, *keys, digest, TodayDate());
  if (!subject.ok()) return subject.status();
  v1::LookupApprovalResponse response;
  for (auto& wish : ApprovalWishes(subject->Subject())) *response.add_wishes() = std::move(wish);
  *response.mutable_round() = RoundCard(subject->round.message);
  *response.mutable_respond_by() = subject->round.message.signup_deadline();
  if (subject->programme) response.set_programme_name(subject->programme->message.name());
  *response.mutable_application() = std::move(subject->application.message);
  // The history is the coordinators' (GetApplication); the page shows the current decision.
  response.mutable_application()->clear_approval_history();
  *response.mutable_participant() = std::move(subject->intern.message);
  return response;
}

absl::StatusOr<v1::DecideApprovalResponse> Registrar::DecideApproval(
    const Caller& caller, const v1::DecideApprovalRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  CheckApprovalToken(request.approval_token(), violations);
  if (request.decision() != v1::APPROVAL_STATE_APPROVED &&
      request.decision() != v1::APPROVAL_STATE_REJECTED) {
    violations.Add("decision", "must be APPROVAL_STATE_APPROVED or APPROVAL_STATE_REJECTED");
  }
  if (CharacterCount(request.comment()) > 2000) {
    violations.Add("comment", "is too long: at most 2000 characters");
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  const ApprovalState decision = ToDomain(request.decision());
  const std::string digest = ApprovalTokenDigest(options_, request.approval_token());

  return Optimistically<v1::DecideApprovalResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::DecideApprovalResponse>> {
        auto subject = SubjectOfLink(repository_, *keys, digest, TodayDate());
        if (!subject.ok()) return subject.status();
        const Loaded<v1::Application>& loaded = subject->application;
        const std::string& application_id = loaded.message.application_id();
        if (auto status = AllowsApproval(ToDomain(subject->round.message)); !status.ok()) {
          return status;
        }
        const std::string decided_name(ApprovalStateName(decision));
        if (LinkUsedFor(loaded.record, digest, decision)) {
          return errors::FailedPrecondition(
              "ALREADY_DECIDED", absl::StrCat("application/", application_id),
              absl::StrCat("this link was already used to decide '", decided_name,
                           "'; each link decides each way once"));
        }
        if (loaded.message.approval_state() == request.decision()) {
          return errors::FailedPrecondition(
              "ALREADY_DECIDED", absl::StrCat("application/", application_id),
              absl::StrCat("the application is already ", decided_name));
        }
        const bool changed = loaded.message.approval_state() == v1::APPROVAL_STATE_APPROVED ||
                             loaded.message.approval_state() == v1::APPROVAL_STATE_REJECTED;
        const absl::Time now = Now();

        v1::Application message = loaded.message;
        message.set_approval_state(request.decision());
        message.set_approval_comment(Trim(request.comment()));
        v1::ApprovalDecisionEntry* entry = message.add_approval_history();
        entry->set_decision(request.decision());
        entry->set_comment(message.approval_comment());
        *entry->mutable_decide_time() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
        StoredRecord record = NextVersion(&loaded.record, message, now);
        record.fields = loaded.record.fields;
        record.fields["approval"] = decided_name;
        record.fields["used"] = MarkLinkUsed(loaded.record, digest, decision);
        SetBookkeeping(record, message);

        v1::ApplicationApprovalDecided decided;
        decided.set_round_id(message.round_id());
        decided.set_application_id(application_id);
        decided.set_participant_id(message.participant_id());
        decided.set_approval_state(message.approval_state());
        decided.set_version(record.version);
        *decided.mutable_intern() = PersonCard(
            subject->intern.message, subject->workplace ? &subject->workplace->message : nullptr);
        *decided.mutable_round() = RoundCard(subject->round.message);
        decided.set_comment(message.approval_comment());
        decided.set_manager_name(message.manager().name());
        decided.set_changed(changed);
        auto event = MakeEvent(caller, contract::kApprovalDecided, decided);
        if (!event.ok()) return event.status();

        Transaction transaction(*keys);
        transaction.ExpectField(keys->Round(message.round_id()), "state", {"open"});
        transaction.ExpectValue(keys->ApprovalLink(digest), application_id);
        transaction.ExpectVersion(keys->Application(application_id), loaded.record.version);
        transaction.PutRecord(keys->Application(application_id), record);
        // A manager who decided is not reminded.
        transaction.Unindex(keys->ApprovalReminders(), application_id);
        transaction.HashIncrement(keys->Round(message.round_id()), "rev");
        transaction.Emit(*std::move(event));
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        v1::DecideApprovalResponse response;
        *response.mutable_application() = std::move(message);
        response.mutable_application()->clear_approval_history();
        return response;
      },
      [this] { metrics_->Retry(); });
}

absl::StatusOr<int> Registrar::RemindApprovals(const std::string& tenant, int batch) {
  auto keys = KeySpace::For(tenant);
  if (!keys.ok()) return keys.status();
  const absl::Time now = Now();
  auto due = repository_.Due(keys->ApprovalReminders(), now, batch);
  if (!due.ok()) return due.status();
  const Caller caller{.tenant = tenant, .correlation_id = ""};
  int reminded = 0;
  for (const std::string& application_id : *due) {
    auto subject = LoadSubject(repository_, *keys, application_id);
    Transaction transaction(*keys);
    transaction.ExpectScheduled(keys->ApprovalReminders(), application_id);
    transaction.Unindex(keys->ApprovalReminders(), application_id);
    bool remind = false;
    if (absl::IsNotFound(subject.status())) {
      // Erased meanwhile: nothing to remind of.
    } else if (!subject.ok()) {
      return subject.status();
    } else if (subject->application.message.approval_state() == v1::APPROVAL_STATE_PENDING &&
               ApprovalLinkValid(ToDomain(subject->round.message), TodayDate()).ok() &&
               subject->round.message.state() == v1::ROUND_STATE_OPEN) {
      const StoredRecord& record = subject->application.record;
      auto link = NewApprovalLink(options_, tenant);
      if (!link.ok()) return link.status();
      // The same reminder of the same application version is the same event, whoever sends it.
      auto event = ApprovalRequestedEvent(
          caller, subject->Subject(), *link, /*reminder=*/true,
          events::EventIdFor(absl::StrCat("approval-reminder/", tenant, "/", application_id, "/",
                                          record.version)));
      if (!event.ok()) return event.status();
      std::vector<std::string> digests = LinkDigests(record);
      digests.push_back(link->digest);
      transaction.ExpectVersion(keys->Application(application_id), record.version);
      transaction.HashSet(keys->Application(application_id), "token", JoinDigests(digests));
      transaction.Set(keys->ApprovalLink(link->digest), application_id);
      transaction.Emit(*std::move(event));
      remind = true;
    }
    auto committed = repository_.Commit(transaction);
    if (!committed.ok()) return committed.status();
    // kRetry: another replica (or pass) came first, or the application changed; a changed one
    // stays scheduled for the next pass.
    if (committed->kind == CommitResult::Kind::kCommitted && remind) ++reminded;
  }
  return reminded;
}

}  // namespace ipraktik::registration
