#include "application_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "ipraktik/contract/event_types.h"
#include "record_cache.h"
#include "registrar_events.h"

namespace ipraktik::registration {

using errors::FieldPath;
using errors::Violations;

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
  if (std::any_of(wishes.begin(), wishes.end(),
                  [](const Wish& wish) { return wish.criteria && !wish.criteria->empty(); })) {
    auto published = PublishedOfferFacts(repository, keys, inputs.round->message.round_id());
    if (!published.ok()) return published.status();
    inputs.published = *std::move(published);
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
                             },
                             .published_offers = inputs.published ? &*inputs.published : nullptr};
  CheckApplication(application, context, FieldPath("application"), violations);
}

absl::StatusOr<ApplicationPlan> PlanApplication(
    Application application, const ApplicationInputs& inputs,
    const std::optional<Loaded<v1::Application>>& previous, absl::Time now,
    const ApprovalLinkPolicy& links) {
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
  // The manager's decisions stay with the application, whatever the intern changes.
  if (previous) *plan.message.mutable_approval_history() = previous->message.approval_history();
  plan.record = NextVersion(previous ? &previous->record : nullptr, plan.message, now);
  std::vector<std::string> digests;
  std::string used;
  if (previous) {
    digests = LinkDigests(previous->record);
    used = previous->record.Field("used");
  }
  if (approval.needs_new_link) {
    auto link = NewApprovalLink(*links.options, links.tenant);
    if (!link.ok()) return link.status();
    digests = {link->digest};
    used.clear();
    plan.link = *std::move(link);
    plan.remind_at = ApprovalReminderTime(
        inputs.round->message, links.options->approval_reminder_days, links.time_zone, now);
  } else if (approval.state == ApprovalState::kNotRequired) {
    digests.clear();
    used.clear();
  }
  plan.record.fields["round"] = application.round_id;
  plan.record.fields["participant"] = application.participant_id;
  plan.record.fields["approval"] = ApprovalStateName(approval.state);
  plan.record.fields["token"] = JoinDigests(digests);
  plan.record.fields["used"] = used;
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
  const std::vector<std::string> kept = LinkDigests(plan.record);
  if (previous) {
    for (const std::string& digest : LinkDigests(previous->record)) {
      if (std::find(kept.begin(), kept.end(), digest) == kept.end()) {
        transaction.Delete(keys.ApprovalLink(digest));
      }
    }
  }
  if (plan.link) {
    transaction.Set(keys.ApprovalLink(plan.link->digest), id);
    if (plan.remind_at) {
      transaction.Schedule(keys.ApprovalReminders(), id, *plan.remind_at);
    } else {
      transaction.Unindex(keys.ApprovalReminders(), id);
    }
  } else if (kept.empty()) {
    transaction.Unindex(keys.ApprovalReminders(), id);
  }
  transaction.HashIncrement(keys.Round(application.round_id()), "rev");
}

absl::Status AddApplicationEvents(Transaction& transaction, const Caller& caller,
                                  const ApplicationPlan& plan, const v1::Participant& intern,
                                  const v1::Workplace* workplace, const ApplicationInputs& inputs) {
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
  }
  submitted.set_resubmitted(!plan.created);
  submitted.set_version(plan.record.version);
  auto event = MakeEvent(caller, contract::kApplicationSubmitted, submitted);
  if (!event.ok()) return event.status();
  transaction.Emit(*std::move(event));
  if (!plan.link) return absl::OkStatus();
  auto requested = ApprovalRequestedEvent(caller,
                                          {.round = &inputs.round->message,
                                           .programme = &inputs.programme->message,
                                           .intern = &intern,
                                           .intern_workplace = workplace,
                                           .application = &application,
                                           .offers = &inputs.offers},
                                          *plan.link, /*reminder=*/false);
  if (!requested.ok()) return requested.status();
  transaction.Emit(*std::move(requested));
  return absl::OkStatus();
}

}  // namespace ipraktik::registration
