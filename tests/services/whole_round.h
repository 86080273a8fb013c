#pragma once

// What the whole-round tests (round_test: a round end to end; fault_test: a round under faults)
// share: the five service programs on private Redis, RabbitMQ and SMTP servers with a user per
// service as `make run` has them, stubs for their APIs, and the steps of a round through the
// API (workplaces, host offers, sign-ups, matching jobs), each failing the test when a call
// fails. Header-only; a test that includes it links ipraktik_registration_harness and
// ipraktik::test_support.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api_keys.h"
#include "eventually.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/v1/matching.grpc.pb.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "local_servers.h"
#include "registration_harness.h"
#include "service_programs.h"

namespace ipraktik::testing {

using RegistrationStub = v1::RegistrationService::Stub;
using ::ipraktik::registration::testing::ContextFor;
using ::ipraktik::registration::testing::DaysFromToday;
using ::ipraktik::registration::testing::MustCall;

// The stack of a whole-round test: servers with users, the five programs, stubs.
class WholeStack {
 public:
  // servers: from AddProgramServers; makes the users, starts every program (the notification
  // service with notification_environment added).
  WholeStack(ProgramServers& servers, std::map<std::string, std::string> notification_environment)
      : servers_(servers) {
    servers.redis->MakeServiceUsers();
    servers.rabbit->MakeServiceUsers();
    admin_redis_ = std::make_unique<store::Pool>(store::Options{
        .host = "127.0.0.1",
        .port = servers.redis->port(),
        .user = "admin",
        .password = servers.redis->Password("admin"),
        // A Redis restart is one of the faults: the keys are made between them, but wait.
        .max_attempts = 10,
        .retry_backoff = absl::Milliseconds(200)});
    keys_ = std::make_unique<KeyRing>(*admin_redis_);
    contexts_ = std::make_unique<registration::testing::KeysForContexts>(*keys_);
    programs_ = std::make_unique<ServicePrograms>(*servers.redis, *servers.rabbit, /*users=*/true,
                                                  kTestTokenSecret);
    auto& registration = programs_->Start("registration", {});
    programs_->Start("evaluation", {});
    notification_environment["IPRAKTIK_SMTP_URL"] = servers.smtp->url();
    notification_environment.try_emplace("IPRAKTIK_NOTIFICATION_SENDER_ADDRESS",
                                         "ipraktik@coi.example");
    auto& notification = programs_->Start("notification", notification_environment);
    programs_->Start("matching", {{"IPRAKTIK_REGISTRATION_ADDRESS", registration.address()},
                                  {"IPRAKTIK_NOTIFICATION_ADDRESS", notification.address()},
                                  {"IPRAKTIK_REGISTRATION_API_KEY",
                                   keys_->Key("ipraktik", v1::ACCESS_ROLE_SERVICE)}});
    programs_->Start("matching-worker", {});
    registration_ = v1::RegistrationService::NewStub(Channel("registration"));
    matching_ = v1::MatchingService::NewStub(Channel("matching"));
    notification_ = v1::NotificationService::NewStub(Channel("notification"));
  }

  ServicePrograms& programs() { return *programs_; }
  RegistrationStub& registration() { return *registration_; }
  v1::MatchingService::Stub& matching() { return *matching_; }
  v1::NotificationService::Stub& notification() { return *notification_; }
  KeyRing& keys() { return *keys_; }
  ProgramServers& servers() { return servers_; }

  // A channel to a program's fixed port (it reconnects after the program's restart).
  std::shared_ptr<grpc::Channel> Channel(const std::string& program) {
    return grpc::CreateChannel((*programs_)[program].address(), grpc::InsecureChannelCredentials());
  }

 private:
  ProgramServers& servers_;
  std::unique_ptr<store::Pool> admin_redis_;
  std::unique_ptr<KeyRing> keys_;
  std::unique_ptr<registration::testing::KeysForContexts> contexts_;
  std::unique_ptr<ServicePrograms> programs_;
  std::unique_ptr<RegistrationStub> registration_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  std::unique_ptr<v1::NotificationService::Stub> notification_;
};

// A round's pieces made through the registration API for tenant.
class RoundBuilder {
 public:
  RoundBuilder(RegistrationStub& stub, std::string tenant)
      : stub_(stub), tenant_(std::move(tenant)) {}

  std::string Programme(const std::string& name, bool requires_manager_approval) {
    v1::CreateProgrammeRequest request;
    request.mutable_programme()->set_name(name);
    request.mutable_programme()->set_requires_manager_approval(requires_manager_approval);
    return MustCall(stub_, &RegistrationStub::CreateProgramme, request, tenant_)
        .programme()
        .programme_id();
  }

  // An open round of programme whose window is days [first, last] from today.
  std::string OpenRound(const std::string& programme_id, const std::string& name, int first,
                        int last) {
    v1::CreateRoundRequest request;
    v1::Round* round = request.mutable_round();
    round->set_programme_id(programme_id);
    round->set_name(name);
    *round->mutable_signup_deadline() = DaysFromToday(first - 10);
    *round->mutable_window_start() = DaysFromToday(first);
    *round->mutable_window_end() = DaysFromToday(last);
    round->set_max_wishes(3);
    round->add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
    round->add_allowed_host_sectors(v1::SECTOR_REGIONAL);
    const std::string round_id =
        MustCall(stub_, &RegistrationStub::CreateRound, request, tenant_).round().round_id();
    Transition(round_id, v1::ROUND_STATE_OPEN);
    return round_id;
  }

  void Transition(const std::string& round_id, v1::RoundState state) {
    v1::TransitionRoundRequest request;
    request.set_round_id(round_id);
    request.set_state(state);
    MustCall(stub_, &RegistrationStub::TransitionRound, request, tenant_);
  }

  std::string Workplace(const std::string& name, v1::Sector sector, const std::string& region,
                        const std::string& municipality) {
    v1::CreateWorkplaceRequest request;
    request.mutable_workplace()->set_name(name);
    request.mutable_workplace()->set_sector(sector);
    request.mutable_workplace()->set_region(region);
    request.mutable_workplace()->set_municipality(municipality);
    return MustCall(stub_, &RegistrationStub::CreateWorkplace, request, tenant_)
        .workplace()
        .workplace_id();
  }

  // A published host offer whose contact person (name, email, language) is registered with it.
  std::string Offer(const std::string& round_id, const std::string& workplace_id,
                    const std::string& title, int capacity, const std::vector<int>& days,
                    const std::string& contact_name, const std::string& contact_email,
                    v1::Language language = v1::LANGUAGE_DANISH) {
    v1::RegisterParticipantRequest contact;
    contact.mutable_participant()->set_name(contact_name);
    contact.mutable_participant()->set_email(contact_email);
    contact.mutable_participant()->set_job_title("Leder");
    contact.mutable_participant()->set_workplace_id(workplace_id);
    contact.mutable_participant()->set_language(language);
    contact.mutable_participant()->set_consent(true);
    const std::string contact_id =
        MustCall(stub_, &RegistrationStub::RegisterParticipant, contact, tenant_)
            .participant()
            .participant_id();
    v1::CreateHostOfferRequest request;
    v1::HostOffer* offer = request.mutable_host_offer();
    offer->set_round_id(round_id);
    offer->set_workplace_id(workplace_id);
    offer->set_title(title);
    offer->set_description("Følg hverdagen, stil spørgsmål og spis frokost med os.");
    offer->set_capacity(capacity);
    for (int day : days) *offer->add_days() = DaysFromToday(day);
    offer->set_address("Rådhuspladsen 2, 8000 Aarhus C");
    offer->add_fields("ledelse");
    offer->set_contact_participant_id(contact_id);
    v1::PublishHostOfferRequest publish;
    publish.set_host_offer_id(MustCall(stub_, &RegistrationStub::CreateHostOffer, request, tenant_)
                                  .host_offer()
                                  .host_offer_id());
    return MustCall(stub_, &RegistrationStub::PublishHostOffer, publish, tenant_)
        .host_offer()
        .host_offer_id();
  }

  // A sign-up request (not sent) of a person of workplace_id with wishes (offer ids, in order)
  // and the days they can come; a manager when manager_email is set.
  v1::SignUpRequest SignUp(const std::string& round_id, const std::string& workplace_id,
                           const std::string& name, const std::string& email, v1::Language language,
                           const std::vector<std::string>& wishes, const std::vector<int>& days,
                           const std::string& manager_email = "") {
    v1::SignUpRequest request;
    request.set_round_id(round_id);
    v1::Participant* person = request.mutable_participant();
    person->set_name(name);
    person->set_email(email);
    person->set_phone("+45 12 34 56 78");
    person->set_job_title("Fuldmægtig");
    person->set_workplace_id(workplace_id);
    person->set_language(language);
    person->set_consent(true);
    v1::Application* application = request.mutable_application();
    application->set_purpose("Lære hvordan andre leder forandring i praksis.");
    for (int day : days) *application->add_available_days() = DaysFromToday(day);
    for (const auto& wish : wishes) application->add_wishes()->set_host_offer_id(wish);
    if (!manager_email.empty()) {
      application->mutable_manager()->set_name("Leder af " + name);
      application->mutable_manager()->set_email(manager_email);
    }
    return request;
  }

  const std::string& tenant() const { return tenant_; }

 private:
  RegistrationStub& stub_;
  std::string tenant_;
};

// The matching job `job_id` of tenant once it is done (and published, when published is set);
// fails the test when it failed or did not get there.
inline v1::MatchingJob AwaitJob(v1::MatchingService::Stub& matching, const std::string& tenant,
                                const std::string& job_id, bool published,
                                std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  v1::MatchingJob job;
  EXPECT_TRUE(Eventually(
      [&] {
        v1::GetMatchingJobRequest request;
        request.set_job_id(job_id);
        v1::GetMatchingJobResponse response;
        auto context = ContextFor(tenant);
        if (!matching.GetMatchingJob(context.get(), request, &response).ok()) return false;
        job = response.job();
        return job.state() == v1::MATCHING_JOB_STATE_FAILED ||
               (job.state() == v1::MATCHING_JOB_STATE_DONE &&
                (!published || job.has_published_at()));
      },
      timeout))
      << "waited for job " << job_id << " to be done" << (published ? " and published" : "") << ": "
      << job.DebugString();
  EXPECT_EQ(job.state(), v1::MATCHING_JOB_STATE_DONE) << job.failure_reason();
  return job;
}

// Every delivery record of round (all pages).
inline std::vector<v1::Delivery> Deliveries(v1::NotificationService::Stub& notification,
                                            const std::string& tenant,
                                            const std::string& round_id) {
  std::vector<v1::Delivery> all;
  v1::ListDeliveriesRequest request;
  request.set_round_id(round_id);
  request.set_page_size(500);
  do {
    v1::ListDeliveriesResponse page;
    auto context = ContextFor(tenant);
    grpc::Status status = notification.ListDeliveries(context.get(), request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    all.insert(all.end(), page.deliveries().begin(), page.deliveries().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

}  // namespace ipraktik::testing
