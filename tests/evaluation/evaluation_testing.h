#pragma once

// What the evaluation integration tests share: placements as the matching service publishes
// them, answers, and the service's parts (store, intake, scheduler with a clock the test moves,
// API) on a real Redis, with the outbox read the way the relay reads it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "evaluator.h"
#include "intake.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/v1/evaluation_events.pb.h"
#include "proto_day.h"
#include "scheduler.h"

namespace ipraktik::evaluation::testing {

constexpr char kSecret[] = "test-secret";
constexpr char kFormUrl[] = "https://forms.example/evaluation/";
const absl::CivilDay kLastDay(2026, 9, 11);

using ::ipraktik::testing::ProtoDay;

inline v1::RoundCard Round() {
  v1::RoundCard round;
  round.set_programme_id("coi");
  round.set_round_id("r-37");
  round.set_name("Innovationspraktik 2026, uge 37");
  return round;
}

inline v1::PersonCard Person(const std::string& id, v1::Sector sector) {
  v1::PersonCard person;
  person.set_participant_id(id);
  person.set_name("Person " + id);
  person.set_email(id + "@people.example");
  person.set_workplace_name("Workplace of " + id);
  person.set_workplace_sector(sector);
  person.set_language(v1::LANGUAGE_DANISH);
  return person;
}

inline v1::HostOfferCard Offer(const std::string& id) {
  v1::HostOfferCard offer;
  offer.set_host_offer_id(id);
  offer.set_workplace_name("Socialforvaltningen");
  offer.set_sector(v1::SECTOR_MUNICIPAL);
  offer.set_region("Hovedstaden");
  *offer.mutable_contact() = Person("host-" + id, v1::SECTOR_MUNICIPAL);
  return offer;
}

inline v1::InternPlaced Placed(const std::string& intern_id, v1::Sector sector,
                               const v1::HostOfferCard& offer, std::int64_t revision = 1) {
  v1::InternPlaced placed;
  *placed.mutable_round() = Round();
  *placed.mutable_intern() = Person(intern_id, sector);
  *placed.mutable_host_offer() = offer;
  *placed.add_days() = ProtoDay(kLastDay - 1);
  *placed.add_days() = ProtoDay(kLastDay);
  placed.set_placement_id("pl-" + intern_id);
  placed.set_revision(revision);
  return placed;
}

inline v1::HostInternsAssigned Assigned(const v1::HostOfferCard& offer,
                                        const std::vector<v1::InternPlaced>& placements,
                                        std::int64_t revision = 1) {
  v1::HostInternsAssigned assigned;
  *assigned.mutable_round() = Round();
  *assigned.mutable_host_offer() = offer;
  for (const auto& placed : placements) {
    auto* visitor = assigned.add_interns();
    *visitor->mutable_intern() = placed.intern();
    *visitor->mutable_days() = placed.days();
    visitor->set_placement_id(placed.placement_id());
  }
  assigned.set_revision(revision);
  return assigned;
}

// Answers of the first survey an intern (or host) gives.
inline v1::EvaluationAnswers FirstAnswers(Role role, int overall, int relevance, int other,
                                          v1::LengthVerdict length, bool recommend, int contacts,
                                          std::string idea = "") {
  v1::EvaluationAnswers answers;
  answers.set_overall_value(overall);
  answers.set_relevance(relevance);
  if (role == Role::kIntern) {
    answers.set_host_preparation(other);
  } else {
    answers.set_intern_contribution(other);
  }
  answers.set_length(length);
  answers.set_would_recommend(recommend);
  answers.set_new_contacts(contacts);
  answers.set_idea(std::move(idea));
  return answers;
}

class EvaluationParts : public ::testing::Test {
 protected:
  // The service's parts on the Redis at redis_port, for a tenant of this test's own.
  void SetUpParts(int redis_port) {
    static int tests = 0;
    tenant_ = "eval-t" + std::to_string(++tests) + "-" + std::to_string(::getpid());
    redis_ = std::make_unique<store::Pool>(
        store::Options{.host = "127.0.0.1", .port = redis_port, .pool_size = 8});
    // The scheduler visits every tenant it knows: only this test's.
    ASSERT_TRUE(redis_->Command({"DEL", "ipraktik:evaluation:tenants"}).ok());
    outbox_ = std::make_unique<outbox::Outbox>(*redis_, "evaluation");
    store_ = std::make_unique<EvaluationStore>(*redis_, *outbox_);
    metrics_ = std::make_unique<EvaluationMetrics>(&registry_);
    intake_ = std::make_unique<Intake>(*store_);
    router_ = IntakeRouter(*intake_, nullptr);
    now_ = absl::FromCivil(kLastDay, absl::UTCTimeZone()) + absl::Hours(12);
    // The API's scheduler (a coordinator's invitations now); passes make their own.
    scheduler_ = NewScheduler();
    evaluator_ = std::make_unique<Evaluator>(*store_, *scheduler_, kSecret, *metrics_);
  }

  std::unique_ptr<Scheduler> NewScheduler() {
    return std::make_unique<Scheduler>(
        *store_,
        SchedulerOptions{.link = {.form_url = kFormUrl, .token_secret = kSecret},
                         .time_zone = absl::UTCTimeZone()},
        [this] { return now_.load(); }, *metrics_,
        logging::Logger("evaluation-test", logging::Level::kWarning));
  }

  template <typename Payload>
  void Deliver(const char* type, const Payload& payload) {
    auto envelope = events::BuildEnvelope({.type = type, .tenant = tenant_}, payload);
    ASSERT_TRUE(envelope.ok()) << envelope.status();
    // Through the service's own router, as the consumer hands it a delivery.
    bus::Delivery delivery;
    delivery.body = envelope->SerializeAsString();
    ASSERT_EQ(router_->Handle(delivery).kind(), bus::Outcome::Kind::kAck);
  }

  // Interns i0..i(n-1) of `sector` placed with one host offer, and the host's list.
  std::vector<v1::InternPlaced> PlaceInterns(int n, v1::Sector sector, const std::string& offer_id,
                                             const std::string& prefix = "i") {
    std::vector<v1::InternPlaced> placements;
    for (int i = 0; i < n; ++i) {
      placements.push_back(Placed(prefix + std::to_string(i), sector, Offer(offer_id)));
      Deliver(contract::kInternPlaced, placements.back());
    }
    Deliver(contract::kHostInternsAssigned, Assigned(Offer(offer_id), placements));
    return placements;
  }

  // The matching service's event that a re-match took the intern's placement away.
  void CancelPlacement(const v1::InternPlaced& placed, std::int64_t revision) {
    v1::InternUnmatched unmatched;
    *unmatched.mutable_round() = Round();
    *unmatched.mutable_intern() = placed.intern();
    unmatched.set_placement_id(placed.placement_id());
    unmatched.set_revision(revision);
    unmatched.set_placement_cancelled(true);
    Deliver(contract::kInternUnmatched, unmatched);
  }

  // One intern placed with host h1 and both sides invited: the two invitations, the intern's
  // first.
  std::vector<v1::EvaluationInvitationRequested> InviteOnePlacement() {
    PlaceInterns(1, v1::SECTOR_STATE, "h1");
    AdvanceDays(1);
    EXPECT_TRUE(NewScheduler()->RunOnce().ok());
    auto invitations = TakeInvitations();
    EXPECT_EQ(invitations.size(), 2u);
    std::sort(invitations.begin(), invitations.end(),
              [](const auto& a, const auto& b) { return a.role() < b.role(); });
    return invitations;
  }

  static Role RoleOf(const v1::EvaluationInvitationRequested& invitation) {
    return invitation.role() == v1::EVALUATION_ROLE_HOST ? Role::kHost : Role::kIntern;
  }

  // The invitation events in the outbox, taken out as the relay does after publishing them.
  std::vector<v1::EvaluationInvitationRequested> TakeInvitations() {
    auto stream = outbox::StreamKey(*store::TenantKeys::For(tenant_), outbox_->publisher());
    auto entries = redis_->Command({"XRANGE", stream, "-", "+"});
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<v1::EvaluationInvitationRequested> invitations;
    for (const auto& entry : entries->elements()) {
      const auto& fields = entry.elements()[1].elements();
      for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str() != events::kEntryEnvelopeField) continue;
        auto envelope = events::ParseEnvelope(fields[i + 1].str());
        EXPECT_TRUE(envelope.ok());
        EXPECT_EQ(envelope->type(), contract::kEvaluationInvitationRequested);
        auto payload = events::UnpackPayload<v1::EvaluationInvitationRequested>(*envelope);
        EXPECT_TRUE(payload.ok());
        invitations.push_back(*payload);
      }
      EXPECT_TRUE(redis_->Command({"XDEL", stream, entry.elements()[0].str()}).ok());
    }
    return invitations;
  }

  static std::multiset<std::string> Recipients(
      const std::vector<v1::EvaluationInvitationRequested>& invitations) {
    std::multiset<std::string> emails;
    for (const auto& invitation : invitations) emails.insert(invitation.participant().email());
    return emails;
  }

  static std::string TokenOf(const v1::EvaluationInvitationRequested& invitation) {
    const std::string& url = invitation.form_url();
    return url.substr(url.rfind('/') + 1);
  }

  // Every value a key holds, as text (whatever its type).
  std::string Contents(const std::string& key) {
    auto type = redis_->Command({"TYPE", key});
    EXPECT_TRUE(type.ok());
    std::map<std::string, std::vector<std::string>> reads = {{"string", {"GET", key}},
                                                             {"hash", {"HGETALL", key}},
                                                             {"set", {"SMEMBERS", key}},
                                                             {"list", {"LRANGE", key, "0", "-1"}},
                                                             {"zset", {"ZRANGE", key, "0", "-1"}},
                                                             {"stream", {"XRANGE", key, "-", "+"}}};
    auto read = redis_->Command(reads.at(type->str()));
    EXPECT_TRUE(read.ok());
    return read->DebugString();
  }

  void SetTenantThresholds(int min_answers, int min_answers_for_text) {
    v1::UpdateTenantEvaluationSettingsRequest request;
    request.mutable_settings()->set_min_answers(min_answers);
    request.mutable_settings()->set_min_answers_for_text(min_answers_for_text);
    auto updated = evaluator_->UpdateTenantSettings(tenant_, request);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  void AdvanceDays(int days) { now_ = now_.load() + absl::Hours(24 * days); }

  double Counter(const std::string& name, const std::string& label) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        for (const auto& pair : metric.label) {
          if (pair.value == label) return metric.counter.value;
        }
      }
    }
    return 0;
  }

  // The value of a gauge of this test's tenant (nullopt when it has none).
  std::optional<double> TenantGauge(const std::string& name) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        for (const auto& pair : metric.label) {
          if (pair.name == "tenant" && pair.value == tenant_) return metric.gauge.value;
        }
      }
    }
    return std::nullopt;
  }

  absl::StatusOr<v1::SubmitEvaluationResponse> Submit(const std::string& token,
                                                      const v1::EvaluationAnswers& answers) {
    v1::SubmitEvaluationRequest request;
    request.set_token(token);
    *request.mutable_answers() = answers;
    return evaluator_->Submit(tenant_, request);
  }

  std::string tenant_;
  prometheus::Registry registry_;
  std::unique_ptr<store::Pool> redis_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<EvaluationStore> store_;
  std::unique_ptr<EvaluationMetrics> metrics_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<server::EventRouter> router_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Evaluator> evaluator_;
  std::atomic<absl::Time> now_;
};

}  // namespace ipraktik::evaluation::testing
