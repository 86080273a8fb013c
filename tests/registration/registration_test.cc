// The registration service through a real gRPC client, served in-process on a real gRPC server
// with real Redis and RabbitMQ: the whole sign-up flow, every validation error (read from the
// BadRequest details), idempotency, concurrent-edit detection, tenant isolation, manager
// approval, GDPR erasure and retention, the bulk import, the snapshot export, and the events on
// RabbitMQ.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "metric_value.h"
#include "registration_harness.h"
#include "snapshot_export.h"

namespace ipraktik::registration::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using Stub = v1::RegistrationService::Stub;

absl::Time At(int year, int month, int day) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, 10, 0, 0), absl::UTCTimeZone());
}

// One Redis and RabbitMQ, one event queue and one in-process service for the whole program.
struct Shared {
  ipraktik::testing::RedisServer redis;
  ipraktik::testing::RabbitMqServer rabbit;
  TestClock clock{At(2026, 8, 1)};
  EventTap events{rabbit.url(), "registration-test-events"};
  InProcessRegistration service{redis, rabbit.url(), clock};
};

class RegistrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = new Shared(); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }

  void SetUp() override {
    shared_->clock.Set(At(2026, 8, 1));
    stub_ = shared_->service.NewStub();
  }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response& response,
                    const std::string& tenant = "aarhus") {
    auto context = ContextFor(tenant);
    return (stub_.get()->*method)(context.get(), request, &response);
  }

  // Calls a method that must succeed.
  template <typename Request, typename Response>
  Response Ok(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
              const Request& request, const std::string& tenant = "aarhus") {
    return MustCall(*stub_, method, request, tenant);
  }

  // A call that must fail: its status.
  template <typename Request, typename Response>
  grpc::Status Fails(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                     const Request& request, const std::string& tenant = "aarhus") {
    Response response;
    grpc::Status status = Call(method, request, response, tenant);
    EXPECT_FALSE(status.ok()) << Request::descriptor()->name() << " succeeded";
    return status;
  }

  // A programme with an open round, two host workplaces with a published offer each (fields
  // "ledelse" / "digitalisering"), and the interns' own workplace with an offer too.
  struct World {
    std::string tenant;
    v1::Programme programme;
    v1::Round round;
    v1::Workplace dragoer;     // municipal, Hovedstaden
    v1::Workplace socialforv;  // municipal, Hovedstaden
    v1::Workplace ministry;    // state: the interns' own workplace
    v1::Participant kenneth;   // host contact
    v1::HostOffer dragoer_offer;
    v1::HostOffer social_offer;
    v1::HostOffer ministry_offer;
  };

  v1::Workplace NewWorkplace(const std::string& tenant, const std::string& name, v1::Sector sector,
                             const std::string& region, const std::string& municipality) {
    v1::CreateWorkplaceRequest request;
    request.mutable_workplace()->set_name(name);
    request.mutable_workplace()->set_sector(sector);
    request.mutable_workplace()->set_region(region);
    request.mutable_workplace()->set_municipality(municipality);
    return Ok(&Stub::CreateWorkplace, request, tenant).workplace();
  }

  v1::Participant NewParticipant(const std::string& tenant, const std::string& name,
                                 const std::string& email, const std::string& workplace_id) {
    v1::RegisterParticipantRequest request;
    v1::Participant* participant = request.mutable_participant();
    participant->set_name(name);
    participant->set_email(email);
    participant->set_job_title("Kommunaldirektør");
    participant->set_workplace_id(workplace_id);
    participant->set_consent(true);
    return Ok(&Stub::RegisterParticipant, request, tenant).participant();
  }

  v1::HostOffer OfferRequest(const World& world, const v1::Workplace& workplace,
                             const std::string& field) {
    v1::HostOffer offer;
    offer.set_round_id(world.round.round_id());
    offer.set_workplace_id(workplace.workplace_id());
    offer.set_title("Praktik hos " + workplace.name());
    offer.set_description("Følg ledelsen en uge, deltag i møder og se hverdagen indefra.");
    offer.set_capacity(2);
    *offer.add_days() = Day(2026, 9, 7);
    *offer.add_days() = Day(2026, 9, 8);
    offer.set_address("Kirkevej 7, 2791 Dragør");
    offer.add_fields(field);
    offer.set_contact_participant_id(world.kenneth.participant_id());
    return offer;
  }

  v1::HostOffer NewOffer(const World& world, const v1::Workplace& workplace,
                         const std::string& field, bool publish = true) {
    v1::CreateHostOfferRequest request;
    *request.mutable_host_offer() = OfferRequest(world, workplace, field);
    v1::HostOffer offer = Ok(&Stub::CreateHostOffer, request, world.tenant).host_offer();
    if (!publish) return offer;
    v1::PublishHostOfferRequest publish_request;
    publish_request.set_host_offer_id(offer.host_offer_id());
    return Ok(&Stub::PublishHostOffer, publish_request, world.tenant).host_offer();
  }

  v1::Round Transition(const World& world, v1::RoundState state) {
    v1::TransitionRoundRequest request;
    request.set_round_id(world.round.round_id());
    request.set_state(state);
    return Ok(&Stub::TransitionRound, request, world.tenant).round();
  }

  // suffix tells the workplaces of a second world in the same tenant apart.
  World MakeWorld(const std::string& tenant, bool approval = false,
                  const std::string& suffix = "") {
    World world;
    world.tenant = tenant;
    v1::CreateProgrammeRequest programme;
    programme.mutable_programme()->set_name("Innovationspraktik");
    programme.mutable_programme()->set_requires_manager_approval(approval);
    world.programme = Ok(&Stub::CreateProgramme, programme, tenant).programme();

    v1::CreateRoundRequest round;
    v1::Round* r = round.mutable_round();
    r->set_programme_id(world.programme.programme_id());
    r->set_name("Innovationspraktik 2026, uge 37");
    *r->mutable_window_start() = Day(2026, 9, 7);
    *r->mutable_window_end() = Day(2026, 9, 11);
    *r->mutable_signup_deadline() = Day(2026, 8, 15);
    r->set_max_wishes(3);
    r->add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
    r->add_allowed_host_sectors(v1::SECTOR_REGIONAL);
    r->add_allowed_host_sectors(v1::SECTOR_STATE);
    world.round = Ok(&Stub::CreateRound, round, tenant).round();

    world.dragoer = NewWorkplace(tenant, "Dragør Kommune" + suffix, v1::SECTOR_MUNICIPAL,
                                 "Hovedstaden", "Dragør");
    world.socialforv = NewWorkplace(tenant, "Københavns Kommune, Socialforvaltningen" + suffix,
                                    v1::SECTOR_MUNICIPAL, "region hovedstaden", "København");
    world.ministry = NewWorkplace(tenant, "Finansministeriet" + suffix, v1::SECTOR_STATE,
                                  "Hovedstaden", "København");
    world.kenneth =
        NewParticipant(tenant, "Kenneth Kristensen", "kk@dragoer.dk", world.dragoer.workplace_id());
    world.dragoer_offer = NewOffer(world, world.dragoer, "ledelse");
    world.social_offer = NewOffer(world, world.socialforv, "digitalisering");
    world.ministry_offer = NewOffer(world, world.ministry, "ledelse");
    world.round = Transition(world, v1::ROUND_STATE_OPEN);
    return world;
  }

  v1::SignUpRequest SignUpRequest(const World& world, const std::string& email,
                                  std::vector<std::string> offer_wishes,
                                  const std::string& criteria_field = "") {
    v1::SignUpRequest request;
    request.set_round_id(world.round.round_id());
    v1::Participant* participant = request.mutable_participant();
    participant->set_name("Simon Pasquali");
    participant->set_email(email);
    participant->set_job_title("Kontorchef");
    participant->set_workplace_id(world.ministry.workplace_id());
    participant->set_consent(true);
    v1::Application* application = request.mutable_application();
    application->set_purpose("Se hvordan de kommunale rammer virker i praksis hos en kommune.");
    *application->add_available_days() = Day(2026, 9, 7);
    *application->add_available_days() = Day(2026, 9, 8);
    for (const auto& id : offer_wishes) application->add_wishes()->set_host_offer_id(id);
    if (!criteria_field.empty()) {
      application->add_wishes()->mutable_criteria()->set_field(criteria_field);
    }
    return request;
  }

  std::vector<v1::ExportRoundSnapshotResponse> Export(const World& world, int max_bytes = 0,
                                                      grpc::Status* status_out = nullptr) {
    v1::ExportRoundSnapshotRequest request;
    request.set_round_id(world.round.round_id());
    request.set_max_message_bytes(max_bytes);
    auto context = ContextFor(world.tenant);
    auto reader = stub_->ExportRoundSnapshot(context.get(), request);
    std::vector<v1::ExportRoundSnapshotResponse> messages;
    v1::ExportRoundSnapshotResponse message;
    while (reader->Read(&message)) messages.push_back(message);
    grpc::Status status = reader->Finish();
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return messages;
  }

  static inline Shared* shared_ = nullptr;
  std::unique_ptr<Stub> stub_;
};

// ---------------------------------------------------------------------------------------------

TEST_F(RegistrationTest, WholeSignUpFlowFromProgrammeToSnapshot) {
  World world = MakeWorld("flow");
  EXPECT_EQ(world.round.state(), v1::ROUND_STATE_OPEN);
  EXPECT_EQ(world.socialforv.region(), "Hovedstaden");  // canonical region name

  // Interns browse the published offers, filtered and paged.
  v1::ListHostOffersRequest browse;
  browse.set_round_id(world.round.round_id());
  browse.set_field("LEDELSE");
  auto ledelse = Ok(&Stub::ListHostOffers, browse, "flow");
  EXPECT_THAT(ledelse.host_offers(), SizeIs(2));
  browse.clear_field();
  browse.set_sector(v1::SECTOR_STATE);
  auto state = Ok(&Stub::ListHostOffers, browse, "flow");
  ASSERT_THAT(state.host_offers(), SizeIs(1));
  EXPECT_EQ(state.host_offers(0).host_offer_id(), world.ministry_offer.host_offer_id());
  browse.clear_sector();
  browse.set_page_size(2);
  auto first_page = Ok(&Stub::ListHostOffers, browse, "flow");
  ASSERT_THAT(first_page.host_offers(), SizeIs(2));
  ASSERT_FALSE(first_page.next_page_token().empty());
  browse.set_page_token(first_page.next_page_token());
  auto second_page = Ok(&Stub::ListHostOffers, browse, "flow");
  ASSERT_THAT(second_page.host_offers(), SizeIs(1));
  EXPECT_EQ(second_page.host_offers(0).host_offer_id(), world.ministry_offer.host_offer_id());
  EXPECT_TRUE(second_page.next_page_token().empty());

  // Simon signs up: a named wish and a criteria wish.
  auto request = SignUpRequest(world, "Simon.Pasquali@FM.dk", {world.dragoer_offer.host_offer_id()},
                               "digitalisering");
  auto signed_up = Ok(&Stub::SignUp, request, "flow");
  EXPECT_TRUE(signed_up.created());
  EXPECT_EQ(signed_up.participant().email(), "simon.pasquali@fm.dk");
  EXPECT_EQ(signed_up.participant().language(), v1::LANGUAGE_DANISH);
  EXPECT_TRUE(signed_up.participant().has_consent_time());
  const v1::Application& application = signed_up.application();
  EXPECT_EQ(application.round_id(), world.round.round_id());
  EXPECT_EQ(application.participant_id(), signed_up.participant().participant_id());
  EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_NOT_REQUIRED);
  EXPECT_EQ(application.etag(), "1");

  v1::GetApplicationRequest get;
  get.set_application_id(application.application_id());
  EXPECT_EQ(Ok(&Stub::GetApplication, get, "flow").application().purpose(), application.purpose());
  v1::ListApplicationsRequest list;
  list.set_round_id(world.round.round_id());
  EXPECT_THAT(Ok(&Stub::ListApplications, list, "flow").applications(), SizeIs(1));

  // The coordinator closes the round: no more sign-ups.
  v1::Round closed = Transition(world, v1::ROUND_STATE_CLOSED);
  EXPECT_EQ(closed.state(), v1::ROUND_STATE_CLOSED);
  auto late = Fails(&Stub::SignUp, SignUpRequest(world, "late@fm.dk", {}, "ledelse"), "flow");
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(late), ElementsAre("ROUND_NOT_OPEN"));

  // The snapshot for the matching.
  auto messages = Export(world);
  ASSERT_GE(messages.size(), 4u);
  const auto& header = messages.front().header();
  EXPECT_EQ(header.round().round_id(), world.round.round_id());
  EXPECT_EQ(header.round().name(), "Innovationspraktik 2026, uge 37");
  EXPECT_EQ(header.state(), v1::ROUND_STATE_CLOSED);
  EXPECT_EQ(header.host_offer_count(), 3);
  std::map<std::string, v1::SnapshotHostOffer> offers;
  std::vector<v1::SnapshotApplication> applications;
  for (const auto& message : messages) {
    for (const auto& offer : message.host_offers()) offers[offer.host_offer_id()] = offer;
    for (const auto& exported : message.applications()) applications.push_back(exported);
  }
  ASSERT_EQ(offers.size(), 3u);
  const auto& dragoer = offers.at(world.dragoer_offer.host_offer_id());
  EXPECT_EQ(dragoer.workplace_name(), "Dragør Kommune");
  EXPECT_EQ(dragoer.sector(), v1::SECTOR_MUNICIPAL);
  EXPECT_EQ(dragoer.region(), "Hovedstaden");
  EXPECT_EQ(dragoer.municipality(), "Dragør");
  EXPECT_EQ(dragoer.capacity(), 2);
  EXPECT_THAT(dragoer.days(), SizeIs(2));
  EXPECT_EQ(dragoer.card().contact().name(), "Kenneth Kristensen");
  EXPECT_EQ(dragoer.card().contact().workplace_name(), "Dragør Kommune");
  ASSERT_EQ(applications.size(), 1u);
  const auto& exported = applications[0];
  EXPECT_EQ(exported.intern().participant_id(), signed_up.participant().participant_id());
  EXPECT_EQ(exported.intern().workplace_name(), "Finansministeriet");
  EXPECT_EQ(exported.sector(), v1::SECTOR_STATE);
  ASSERT_THAT(exported.wishes(), SizeIs(2));
  EXPECT_EQ(exported.wishes(0).rank(), 1);
  EXPECT_THAT(exported.wishes(0).host_offer_ids(),
              ElementsAre(world.dragoer_offer.host_offer_id()));
  EXPECT_EQ(exported.wishes(1).rank(), 2);
  EXPECT_THAT(exported.wishes(1).host_offer_ids(), ElementsAre(world.social_offer.host_offer_id()));
  EXPECT_EQ(exported.wishes(1).criteria().field(), "digitalisering");
  const auto& trailer = messages.back().trailer();
  EXPECT_EQ(trailer.application_count(), 1);
  EXPECT_EQ(trailer.host_offer_count(), 3);
  EXPECT_EQ(trailer.revision(), header.revision());

  EXPECT_EQ(Transition(world, v1::ROUND_STATE_MATCHED).state(), v1::ROUND_STATE_MATCHED);
}

TEST_F(RegistrationTest, AWishByCriteriaLeavesOutTheInternsOwnWorkplace) {
  World world = MakeWorld("criteria");
  Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {}, "ledelse"), "criteria");
  Transition(world, v1::ROUND_STATE_CLOSED);
  auto messages = Export(world);
  std::vector<v1::SnapshotApplication> applications;
  for (const auto& message : messages) {
    for (const auto& exported : message.applications()) applications.push_back(exported);
  }
  ASSERT_EQ(applications.size(), 1u);
  ASSERT_THAT(applications[0].wishes(), SizeIs(1));
  // The ministry's own "ledelse" offer is not a place for its own employee.
  EXPECT_THAT(applications[0].wishes(0).host_offer_ids(),
              ElementsAre(world.dragoer_offer.host_offer_id()));
}

// ---------------------------------------------------------------------------------------------
// Validation: every field, named in the BadRequest details.

TEST_F(RegistrationTest, EveryWrongFieldIsNamedInTheBadRequestDetails) {
  World world = MakeWorld("validation");
  auto expect_fields = [](const grpc::Status& status, const std::vector<std::string>& fields) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    auto errors = FieldErrors(status);
    for (const auto& field : fields) {
      EXPECT_TRUE(errors.contains(field)) << field << " not named; got: " << status.error_message();
    }
    return errors;
  };

  v1::CreateProgrammeRequest programme;
  programme.mutable_programme()->set_retention_days(5);
  programme.set_request_id("not valid!");
  expect_fields(Fails(&Stub::CreateProgramme, programme, "validation"),
                {"programme.name", "programme.retention_days", "request_id"});

  v1::CreateRoundRequest round;
  round.mutable_round()->set_programme_id("prg-unknown");
  *round.mutable_round()->mutable_window_start() = Day(2026, 9, 11);
  *round.mutable_round()->mutable_window_end() = Day(2026, 9, 7);
  *round.mutable_round()->mutable_signup_deadline() = Day(2026, 2, 30);
  round.mutable_round()->set_max_wishes(21);
  auto round_errors =
      expect_fields(Fails(&Stub::CreateRound, round, "validation"),
                    {"round.programme_id", "round.name", "round.window_end",
                     "round.signup_deadline", "round.max_wishes", "round.allowed_host_sectors"});
  EXPECT_EQ(round_errors["round.window_end"], "is before window_start");
  EXPECT_EQ(round_errors["round.signup_deadline"], "is not a valid calendar date");

  v1::CreateWorkplaceRequest workplace;
  workplace.mutable_workplace()->set_region("Jylland");
  expect_fields(
      Fails(&Stub::CreateWorkplace, workplace, "validation"),
      {"workplace.name", "workplace.sector", "workplace.region", "workplace.municipality"});

  v1::RegisterParticipantRequest participant;
  participant.mutable_participant()->set_email("simon@");
  participant.mutable_participant()->set_phone("12-34");
  participant.mutable_participant()->set_workplace_id("wpl-unknown");
  auto participant_errors =
      expect_fields(Fails(&Stub::RegisterParticipant, participant, "validation"),
                    {"participant.name", "participant.email", "participant.phone",
                     "participant.job_title", "participant.workplace_id", "participant.consent"});
  EXPECT_EQ(participant_errors["participant.workplace_id"], "names no workplace: wpl-unknown");

  v1::CreateHostOfferRequest offer;
  *offer.mutable_host_offer() = OfferRequest(world, world.dragoer, "ledelse");
  offer.mutable_host_offer()->set_capacity(0);
  offer.mutable_host_offer()->set_description("kort");
  offer.mutable_host_offer()->set_title("");
  offer.mutable_host_offer()->set_address("");
  offer.mutable_host_offer()->clear_fields();
  *offer.mutable_host_offer()->add_days() = Day(2026, 10, 1);
  offer.mutable_host_offer()->set_contact_participant_id("par-unknown");
  expect_fields(
      Fails(&Stub::CreateHostOffer, offer, "validation"),
      {"host_offer.capacity", "host_offer.description", "host_offer.title", "host_offer.address",
       "host_offer.fields", "host_offer.days[2]", "host_offer.contact_participant_id"});

  // A private host in a round that allows none.
  v1::Workplace meebook =
      NewWorkplace("validation", "Meebook", v1::SECTOR_PRIVATE, "Midtjylland", "Aarhus");
  v1::CreateHostOfferRequest private_offer;
  *private_offer.mutable_host_offer() = OfferRequest(world, meebook, "it");
  auto private_errors = expect_fields(Fails(&Stub::CreateHostOffer, private_offer, "validation"),
                                      {"host_offer.workplace_id"});
  EXPECT_THAT(private_errors["host_offer.workplace_id"], HasSubstr("private"));

  // The application: purpose, days, wishes (too many, repeated, unknown, own workplace), swap.
  v1::HostOffer draft = NewOffer(world, world.dragoer, "økonomi", /*publish=*/false);
  auto request =
      SignUpRequest(world, "simon@fm.dk",
                    {world.ministry_offer.host_offer_id(), world.dragoer_offer.host_offer_id(),
                     world.dragoer_offer.host_offer_id(), "off-unknown", draft.host_offer_id()});
  request.mutable_application()->set_purpose("Lære noget");
  *request.mutable_application()->add_available_days() = Day(2026, 9, 30);
  request.mutable_application()->mutable_swap_request()->set_email("simon@fm.dk");
  request.mutable_participant()->set_consent(false);
  auto sign_up_errors =
      expect_fields(Fails(&Stub::SignUp, request, "validation"),
                    {"participant.consent", "application.purpose", "application.available_days[2]",
                     "application.wishes", "application.wishes[0].host_offer_id",
                     "application.wishes[2]", "application.wishes[3].host_offer_id",
                     "application.wishes[4].host_offer_id", "application.swap_request.email"});
  EXPECT_THAT(sign_up_errors["application.wishes[0].host_offer_id"],
              HasSubstr("is at your own workplace"));
  EXPECT_EQ(sign_up_errors["application.wishes"], "has 5 wishes; this round allows at most 3");
  EXPECT_THAT(sign_up_errors["application.wishes[2]"], HasSubstr("repeats wishes[1]"));
  EXPECT_THAT(sign_up_errors["application.wishes[4].host_offer_id"], HasSubstr("not published"));

  // A wish for an offer of another round.
  World other = MakeWorld("validation", false, " (2)");
  auto cross = SignUpRequest(world, "simon@fm.dk", {other.dragoer_offer.host_offer_id()});
  expect_fields(Fails(&Stub::SignUp, cross, "validation"), {"application.wishes[0].host_offer_id"});

  // Request shape: missing ids and a field the update mask may not name.
  expect_fields(Fails(&Stub::SignUp, v1::SignUpRequest(), "validation"), {"round_id"});
  v1::UpdateRoundRequest update;
  update.mutable_round()->set_round_id(world.round.round_id());
  update.mutable_update_mask()->add_paths("state");
  expect_fields(Fails(&Stub::UpdateRound, update, "validation"), {"update_mask.paths[0]"});
  v1::ListHostOffersRequest bad_page;
  bad_page.set_round_id(world.round.round_id());
  bad_page.set_page_token("garbage");
  expect_fields(Fails(&Stub::ListHostOffers, bad_page, "validation"), {"page_token"});

  // The tenant comes from the API key; without one nothing happens (tests/access covers every
  // RPC), and a coordinator's key may not name another tenant.
  v1::GetRoundRequest get;
  get.set_round_id(world.round.round_id());
  EXPECT_EQ(Fails(&Stub::GetRound, get, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto elsewhere = ContextFor("validation");
  elsewhere->AddMetadata("x-ipraktik-tenant", "aarhus");
  v1::GetRoundResponse got;
  EXPECT_EQ(stub_->GetRound(elsewhere.get(), get, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Unknown resources are NOT_FOUND, transitions that are not allowed FAILED_PRECONDITION.
  v1::SignUpRequest unknown_round = SignUpRequest(world, "simon@fm.dk", {}, "ledelse");
  unknown_round.set_round_id("rnd-unknown");
  EXPECT_EQ(Fails(&Stub::SignUp, unknown_round, "validation").error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::TransitionRoundRequest jump;
  jump.set_round_id(world.round.round_id());
  jump.set_state(v1::ROUND_STATE_PUBLISHED);
  auto refused = Fails(&Stub::TransitionRound, jump, "validation");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(refused), ElementsAre("ROUND_TRANSITION"));
  EXPECT_THAT(refused.error_message(), HasSubstr("from open to published"));
}

TEST_F(RegistrationTest, TheSignUpDeadlineEndsSignUp) {
  World world = MakeWorld("deadline");
  shared_->clock.Set(At(2026, 8, 16));
  auto status =
      Fails(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {}, "ledelse"), "deadline");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(status), ElementsAre("SIGNUP_DEADLINE_PASSED"));
}

// ---------------------------------------------------------------------------------------------
// Idempotency and concurrency

TEST_F(RegistrationTest, TheSameEmailInTheSameRoundUpdatesAndNeverDuplicates) {
  World world = MakeWorld("idempotent");
  auto first =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
         "idempotent");
  EXPECT_TRUE(first.created());
  auto again = SignUpRequest(world, " SIMON@fm.dk ", {world.social_offer.host_offer_id()});
  again.mutable_participant()->set_job_title("Afdelingschef");
  auto second = Ok(&Stub::SignUp, again, "idempotent");
  EXPECT_FALSE(second.created());
  EXPECT_EQ(second.participant().participant_id(), first.participant().participant_id());
  EXPECT_EQ(second.participant().job_title(), "Afdelingschef");
  EXPECT_EQ(second.application().application_id(), first.application().application_id());
  EXPECT_EQ(second.application().etag(), "2");
  EXPECT_EQ(second.application().wishes(0).host_offer_id(), world.social_offer.host_offer_id());

  v1::ListApplicationsRequest list;
  list.set_round_id(world.round.round_id());
  EXPECT_THAT(Ok(&Stub::ListApplications, list, "idempotent").applications(), SizeIs(1));
  v1::ListParticipantsRequest people;
  people.set_email("simon@fm.dk");
  EXPECT_THAT(Ok(&Stub::ListParticipants, people, "idempotent").participants(), SizeIs(1));
}

TEST_F(RegistrationTest, ARequestIdMakesRetriesSafe) {
  World world = MakeWorld("retries");
  auto request = SignUpRequest(world, "retry@fm.dk", {world.dragoer_offer.host_offer_id()});
  request.set_request_id("form-7f3a-1");
  auto first = Ok(&Stub::SignUp, request, "retries");
  auto retried = Ok(&Stub::SignUp, request, "retries");
  EXPECT_TRUE(retried.created());  // the answer of the first call
  EXPECT_EQ(retried.application().application_id(), first.application().application_id());
  EXPECT_EQ(retried.application().etag(), first.application().etag());  // not stored twice

  // The retry still answers after the round closed.
  Transition(world, v1::ROUND_STATE_CLOSED);
  EXPECT_EQ(Ok(&Stub::SignUp, request, "retries").application().etag(), "1");

  // Reusing the request id for another request is refused.
  auto other = request;
  other.mutable_application()->set_purpose("Et helt andet formål med denne praktik i år.");
  EXPECT_EQ(Fails(&Stub::SignUp, other, "retries").error_code(), grpc::StatusCode::ALREADY_EXISTS);

  v1::CreateProgrammeRequest programme;
  programme.mutable_programme()->set_name("Lynpraktik");
  programme.set_request_id("prg-once");
  auto created = Ok(&Stub::CreateProgramme, programme, "retries");
  EXPECT_EQ(Ok(&Stub::CreateProgramme, programme, "retries").programme().programme_id(),
            created.programme().programme_id());
  EXPECT_THAT(Ok(&Stub::ListProgrammes, v1::ListProgrammesRequest(), "retries").programmes(),
              SizeIs(2));  // MakeWorld's and this one

  // One event per stored change, however often the request came.
  auto submitted = shared_->events.WaitFor(
      "registration.application.submitted", 1,
      [&](const events::Envelope& event) { return event.tenant() == "retries"; });
  EXPECT_THAT(submitted, SizeIs(1));
}

TEST_F(RegistrationTest, ConcurrentEditsAreDetectedNotLost) {
  World world = MakeWorld("concurrency");
  auto signed_up =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
         "concurrency");
  const std::string etag = signed_up.application().etag();

  // Two editors read etag "1"; the first update wins, the second is refused.
  v1::UpdateApplicationRequest update;
  update.mutable_application()->set_application_id(signed_up.application().application_id());
  update.mutable_application()->set_etag(etag);
  update.mutable_application()->set_purpose("Lære om tværgående samarbejde i en kommune.");
  update.mutable_update_mask()->add_paths("purpose");
  auto updated = Ok(&Stub::UpdateApplication, update, "concurrency");
  EXPECT_EQ(updated.application().etag(), "2");
  EXPECT_EQ(updated.application().wishes(0).host_offer_id(), world.dragoer_offer.host_offer_id());

  auto second = update;
  second.mutable_application()->set_purpose("Lære om borgerservice og digital selvbetjening.");
  auto stale = Fails(&Stub::UpdateApplication, second, "concurrency");
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ErrorReason(stale), "ETAG_MISMATCH");

  v1::GetApplicationRequest get;
  get.set_application_id(signed_up.application().application_id());
  EXPECT_EQ(Ok(&Stub::GetApplication, get, "concurrency").application().purpose(),
            "Lære om tværgående samarbejde i en kommune.");

  // A sign-up with a stale etag is refused the same way.
  auto resubmit = SignUpRequest(world, "simon@fm.dk", {world.social_offer.host_offer_id()});
  resubmit.set_etag("1");
  EXPECT_EQ(ErrorReason(Fails(&Stub::SignUp, resubmit, "concurrency")), "ETAG_MISMATCH");

  // Round and offer edits are guarded too.
  v1::UpdateRoundRequest rename;
  rename.mutable_round()->set_round_id(world.round.round_id());
  rename.mutable_round()->set_name("Uge 37");
  rename.mutable_round()->set_etag("1");
  rename.mutable_update_mask()->add_paths("name");
  EXPECT_EQ(Fails(&Stub::UpdateRound, rename, "concurrency").error_code(),
            grpc::StatusCode::ABORTED);
  rename.mutable_round()->set_etag(world.round.etag());
  EXPECT_EQ(Ok(&Stub::UpdateRound, rename, "concurrency").round().name(), "Uge 37");
}

TEST_F(RegistrationTest, ManySimultaneousSignUpsOfOnePersonMakeOneApplication) {
  World world = MakeWorld("racing");
  constexpr int kThreads = 8;
  std::atomic<int> created{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto stub = shared_->service.NewStub();
      auto request = SignUpRequest(world, "racer@fm.dk", {world.dragoer_offer.host_offer_id()});
      request.mutable_application()->set_purpose(
          absl::StrCat("Formål nummer ", i, ": se en kommune indefra og lære af den."));
      v1::SignUpResponse response;
      auto context = ContextFor("racing");
      grpc::Status status = stub->SignUp(context.get(), request, &response);
      if (!status.ok()) {
        ++failed;
      } else if (response.created()) {
        ++created;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 1);
  v1::ListApplicationsRequest list;
  list.set_round_id(world.round.round_id());
  auto applications = Ok(&Stub::ListApplications, list, "racing").applications();
  ASSERT_THAT(applications, SizeIs(1));
  EXPECT_EQ(applications[0].etag(), std::to_string(kThreads));  // every one was applied in turn
}

TEST_F(RegistrationTest, ABatchOfSignUpsAnswersEachAsASingleSignUpWould) {
  World world = MakeWorld("batch");
  const std::string offer = world.dragoer_offer.host_offer_id();
  std::vector<v1::SignUpRequest> requests = {
      SignUpRequest(world, "anna@fm.dk", {offer}),
      SignUpRequest(world, "bo@fm.dk", {offer}, "ledelse"),
      SignUpRequest(world, "twice@fm.dk", {offer}),  // the same person twice in one batch
      SignUpRequest(world, "twice@fm.dk", {world.social_offer.host_offer_id()}),
      SignUpRequest(world, "own@fm.dk", {world.ministry_offer.host_offer_id()}),  // own workplace
      SignUpRequest(world, "retry@fm.dk", {offer}),
      SignUpRequest(world, "retry@fm.dk", {offer}),  // a retry of the one before
  };
  requests[2].mutable_application()->set_purpose("Første formål: se en kommune indefra.");
  requests[3].mutable_application()->set_purpose("Andet formål: se en kommune indefra igen.");
  requests[5].set_request_id("retry-1");
  requests[6].set_request_id("retry-1");
  requests[6].clear_round_id();
  std::vector<absl::StatusOr<v1::SignUpResponse>> answers(requests.size(),
                                                          absl::UnknownError("not answered"));
  std::vector<BatchedSignUp> batch;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    batch.push_back({.caller = {.tenant = "batch", .correlation_id = "batch-test"},
                     .request = &requests[i],
                     .done = [&answers, i](absl::StatusOr<v1::SignUpResponse> answer) {
                       answers[i] = std::move(answer);
                     }});
  }
  shared_->service.registrar().SignUpMany(batch);

  for (int i : {0, 1}) {
    ASSERT_TRUE(answers[i].ok()) << i << ": " << answers[i].status();
    EXPECT_TRUE(answers[i]->created());
  }
  ASSERT_TRUE(answers[2].ok()) << answers[2].status();
  ASSERT_TRUE(answers[3].ok()) << answers[3].status();
  EXPECT_NE(answers[2]->created(), answers[3]->created());  // one created, the other updated
  EXPECT_EQ(answers[2]->participant().participant_id(), answers[3]->participant().participant_id());
  EXPECT_EQ(answers[4].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(answers[4].status().message(), HasSubstr("own"));
  ASSERT_TRUE(answers[5].ok()) << answers[5].status();
  // A request without a round is refused before anything is read, request id or not.
  EXPECT_EQ(answers[6].status().code(), absl::StatusCode::kInvalidArgument);

  v1::ListApplicationsRequest list;
  list.set_round_id(world.round.round_id());
  auto applications = Ok(&Stub::ListApplications, list, "batch").applications();
  EXPECT_THAT(applications, SizeIs(4));  // anna, bo, twice (once) and retry

  // A retry in a later batch replays the stored answer.
  std::vector<v1::SignUpRequest> again = {SignUpRequest(world, "retry@fm.dk", {offer})};
  again[0].set_request_id("retry-1");
  absl::StatusOr<v1::SignUpResponse> replayed = absl::UnknownError("not answered");
  std::vector<BatchedSignUp> second = {
      {.caller = {.tenant = "batch", .correlation_id = "b2"},
       .request = &again[0],
       .done = [&](absl::StatusOr<v1::SignUpResponse> answer) { replayed = std::move(answer); }}};
  shared_->service.registrar().SignUpMany(second);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->application().application_id(), answers[5]->application().application_id());
  EXPECT_TRUE(replayed->created());
}

// ---------------------------------------------------------------------------------------------
// Tenants

TEST_F(RegistrationTest, TenantBCannotReadListOrChangeTenantAsData) {
  World a = MakeWorld("tenant-a");
  auto signed_up =
      Ok(&Stub::SignUp, SignUpRequest(a, "simon@fm.dk", {a.dragoer_offer.host_offer_id()}),
         "tenant-a");
  const std::string b = "tenant-b";

  v1::GetProgrammeRequest programme;
  programme.set_programme_id(a.programme.programme_id());
  EXPECT_EQ(Fails(&Stub::GetProgramme, programme, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetRoundRequest round;
  round.set_round_id(a.round.round_id());
  EXPECT_EQ(Fails(&Stub::GetRound, round, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetWorkplaceRequest workplace;
  workplace.set_workplace_id(a.dragoer.workplace_id());
  EXPECT_EQ(Fails(&Stub::GetWorkplace, workplace, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetParticipantRequest participant;
  participant.set_participant_id(signed_up.participant().participant_id());
  EXPECT_EQ(Fails(&Stub::GetParticipant, participant, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetHostOfferRequest offer;
  offer.set_host_offer_id(a.dragoer_offer.host_offer_id());
  EXPECT_EQ(Fails(&Stub::GetHostOffer, offer, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetApplicationRequest application;
  application.set_application_id(signed_up.application().application_id());
  EXPECT_EQ(Fails(&Stub::GetApplication, application, b).error_code(), grpc::StatusCode::NOT_FOUND);

  EXPECT_THAT(Ok(&Stub::ListProgrammes, v1::ListProgrammesRequest(), b).programmes(), IsEmpty());
  EXPECT_THAT(Ok(&Stub::ListRounds, v1::ListRoundsRequest(), b).rounds(), IsEmpty());
  EXPECT_THAT(Ok(&Stub::ListWorkplaces, v1::ListWorkplacesRequest(), b).workplaces(), IsEmpty());
  EXPECT_THAT(Ok(&Stub::ListParticipants, v1::ListParticipantsRequest(), b).participants(),
              IsEmpty());
  v1::ListHostOffersRequest offers;
  offers.set_round_id(a.round.round_id());
  EXPECT_EQ(Fails(&Stub::ListHostOffers, offers, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::ListApplicationsRequest applications;
  applications.set_round_id(a.round.round_id());
  EXPECT_EQ(Fails(&Stub::ListApplications, applications, b).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Changes: nothing of A's can be named from B.
  v1::TransitionRoundRequest close;
  close.set_round_id(a.round.round_id());
  close.set_state(v1::ROUND_STATE_CLOSED);
  EXPECT_EQ(Fails(&Stub::TransitionRound, close, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::UpdateWorkplaceRequest rename;
  rename.mutable_workplace()->set_workplace_id(a.dragoer.workplace_id());
  rename.mutable_workplace()->set_name("Kapret");
  rename.mutable_update_mask()->add_paths("name");
  EXPECT_EQ(Fails(&Stub::UpdateWorkplace, rename, b).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Fails(&Stub::SignUp, SignUpRequest(a, "intruder@b.dk", {}, "ledelse"), b).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::EraseParticipantRequest erase;
  erase.set_participant_id(signed_up.participant().participant_id());
  EXPECT_EQ(Fails(&Stub::EraseParticipant, erase, b).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::WithdrawHostOfferRequest withdraw;
  withdraw.set_host_offer_id(a.dragoer_offer.host_offer_id());
  EXPECT_EQ(Fails(&Stub::WithdrawHostOffer, withdraw, b).error_code(), grpc::StatusCode::NOT_FOUND);

  // The same e-mail address in B is another person.
  World b_world = MakeWorld(b);
  auto b_signup =
      Ok(&Stub::SignUp,
         SignUpRequest(b_world, "simon@fm.dk", {b_world.dragoer_offer.host_offer_id()}), b);
  EXPECT_TRUE(b_signup.created());
  EXPECT_NE(b_signup.participant().participant_id(), signed_up.participant().participant_id());

  // A's data is as it was.
  EXPECT_EQ(Ok(&Stub::GetRound, round, "tenant-a").round().state(), v1::ROUND_STATE_OPEN);
  EXPECT_EQ(Ok(&Stub::GetWorkplace, workplace, "tenant-a").workplace().name(), "Dragør Kommune");
  EXPECT_EQ(Ok(&Stub::GetApplication, application, "tenant-a").application().etag(), "1");
}

// ---------------------------------------------------------------------------------------------
// Manager approval

TEST_F(RegistrationTest, AManagerApprovesThroughThePersonalLinkAndCoordinatorsSeeWhoWaits) {
  World world = MakeWorld("approval", /*approval=*/true);
  auto missing_manager =
      Fails(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {}, "ledelse"), "approval");
  EXPECT_TRUE(FieldErrors(missing_manager).contains("application.manager"));

  auto request = SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()});
  request.mutable_application()->mutable_manager()->set_name("Departementschef");
  request.mutable_application()->mutable_manager()->set_email("chef@fm.dk");
  auto simon = Ok(&Stub::SignUp, request, "approval");
  EXPECT_EQ(simon.application().approval_state(), v1::APPROVAL_STATE_PENDING);
  auto other = SignUpRequest(world, "birgitte@stil.dk", {world.dragoer_offer.host_offer_id()});
  *other.mutable_application()->mutable_manager() = request.application().manager();
  Ok(&Stub::SignUp, other, "approval");

  v1::ListApplicationsRequest waiting;
  waiting.set_round_id(world.round.round_id());
  waiting.set_approval_state(v1::APPROVAL_STATE_PENDING);
  EXPECT_THAT(Ok(&Stub::ListApplications, waiting, "approval").applications(), SizeIs(2));

  // The manager's link arrives with the event the notification service mails (not with the
  // submission, which every consumer reads).
  auto submitted = shared_->events.WaitFor(
      "registration.application.submitted", 1, [&](const events::Envelope& event) {
        auto payload = events::UnpackPayload<v1::ApplicationSubmitted>(event);
        return payload.ok() && payload->application_id() == simon.application().application_id();
      });
  ASSERT_THAT(submitted, SizeIs(1));
  auto payload = events::UnpackPayload<v1::ApplicationSubmitted>(submitted[0]).value();
  EXPECT_EQ(payload.manager().email(), "chef@fm.dk");
  EXPECT_EQ(payload.approval_url(), "");
  auto requested = shared_->events.WaitFor(
      "registration.approval.requested", 1, [&](const events::Envelope& event) {
        auto asked = events::UnpackPayload<v1::ApprovalRequested>(event);
        return asked.ok() && asked->application_id() == simon.application().application_id();
      });
  ASSERT_THAT(requested, SizeIs(1));
  auto request_payload = events::UnpackPayload<v1::ApprovalRequested>(requested[0]).value();
  EXPECT_EQ(request_payload.manager().email(), "chef@fm.dk");
  EXPECT_EQ(request_payload.intern().name(), "Simon Pasquali");
  EXPECT_FALSE(request_payload.reminder());
  const std::string prefix = "https://ipraktik.test/approval/approval/";
  ASSERT_THAT(request_payload.approval_url(), HasSubstr(prefix));
  std::string token = request_payload.approval_url().substr(prefix.size());
  EXPECT_THAT(token, StartsWith("ipa_"));

  v1::LookupApprovalRequest lookup;
  lookup.set_approval_token(token);
  auto found = Ok(&Stub::LookupApproval, lookup, "approval");
  EXPECT_EQ(found.participant().name(), "Simon Pasquali");
  EXPECT_EQ(found.round().round_id(), world.round.round_id());
  ASSERT_THAT(found.wishes(), SizeIs(1));
  EXPECT_EQ(found.wishes(0).host_offer_id(), world.dragoer_offer.host_offer_id());
  EXPECT_EQ(found.wishes(0).title(), world.dragoer_offer.title());
  v1::DecideApprovalRequest decide;
  decide.set_approval_token(token);
  decide.set_decision(v1::APPROVAL_STATE_APPROVED);
  decide.set_comment("God idé.");
  auto decided = Ok(&Stub::DecideApproval, decide, "approval");
  EXPECT_EQ(decided.application().approval_state(), v1::APPROVAL_STATE_APPROVED);
  EXPECT_THAT(Ok(&Stub::ListApplications, waiting, "approval").applications(), SizeIs(1));
  v1::LookupApprovalRequest forged;
  forged.set_approval_token("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(
      FieldErrors(Fails(&Stub::LookupApproval, forged, "approval")).contains("approval_token"));

  // Only the approved application takes part in the matching.
  Transition(world, v1::ROUND_STATE_CLOSED);
  auto messages = Export(world);
  const auto& trailer = messages.back().trailer();
  EXPECT_EQ(trailer.application_count(), 1);
  EXPECT_EQ(trailer.applications_awaiting_approval(), 1);
  int exported = 0;
  for (const auto& message : messages) {
    for (const auto& application : message.applications()) {
      ++exported;
      EXPECT_EQ(application.application_id(), simon.application().application_id());
      EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_APPROVED);
    }
  }
  EXPECT_EQ(exported, 1);
}

// ---------------------------------------------------------------------------------------------
// GDPR

TEST_F(RegistrationTest, ErasingAParticipantRemovesTheirDataAndTellsTheOtherServices) {
  World world = MakeWorld("gdpr");
  auto simon =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
         "gdpr");
  v1::EraseParticipantRequest erase;
  erase.set_participant_id(simon.participant().participant_id());
  auto erased = Ok(&Stub::EraseParticipant, erase, "gdpr");
  EXPECT_EQ(erased.applications_erased(), 1);

  v1::GetParticipantRequest get;
  get.set_participant_id(simon.participant().participant_id());
  EXPECT_EQ(Fails(&Stub::GetParticipant, get, "gdpr").error_code(), grpc::StatusCode::NOT_FOUND);
  v1::GetApplicationRequest application;
  application.set_application_id(simon.application().application_id());
  EXPECT_EQ(Fails(&Stub::GetApplication, application, "gdpr").error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListParticipantsRequest by_email;
  by_email.set_email("simon@fm.dk");
  EXPECT_THAT(Ok(&Stub::ListParticipants, by_email, "gdpr").participants(), IsEmpty());

  // No record of the tenant's store holds the address any more.
  auto keys = shared_->service.redis().Command({"KEYS", "ipraktik:{gdpr}:*"});
  ASSERT_TRUE(keys.ok());
  for (const auto& key : keys->elements()) {
    auto type = shared_->service.redis().Command({"TYPE", key.str()});
    if (type->str() != "hash") continue;
    auto values = shared_->service.redis().Command({"HVALS", key.str()});
    for (const auto& value : values->elements()) {
      EXPECT_THAT(value.str(), ::testing::Not(HasSubstr("simon@fm.dk"))) << key.str();
    }
  }

  // The host contact erased: the offer stays, without the person.
  v1::EraseParticipantRequest contact;
  contact.set_participant_id(world.kenneth.participant_id());
  EXPECT_EQ(Ok(&Stub::EraseParticipant, contact, "gdpr").host_offers_changed(), 3);
  v1::GetHostOfferRequest offer;
  offer.set_host_offer_id(world.dragoer_offer.host_offer_id());
  EXPECT_EQ(Ok(&Stub::GetHostOffer, offer, "gdpr").host_offer().contact_participant_id(), "");

  auto events = shared_->events.WaitFor(
      "registration.participant.erased", 1, [&](const events::Envelope& event) {
        auto payload = events::UnpackPayload<v1::ParticipantErased>(event);
        return payload.ok() && payload->participant_id() == simon.participant().participant_id();
      });
  ASSERT_THAT(events, SizeIs(1));
  auto payload = events::UnpackPayload<v1::ParticipantErased>(events[0]).value();
  EXPECT_THAT(payload.round_ids(), ElementsAre(world.round.round_id()));

  // The address may sign up again: as a new person.
  auto again =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.social_offer.host_offer_id()}),
         "gdpr");
  EXPECT_TRUE(again.created());
  EXPECT_NE(again.participant().participant_id(), simon.participant().participant_id());
}

TEST_F(RegistrationTest, RetentionErasesParticipantsOfCompletedRoundsAfterTheirPeriod) {
  World world = MakeWorld("retention");
  v1::UpdateProgrammeRequest retention;
  retention.mutable_programme()->set_programme_id(world.programme.programme_id());
  retention.mutable_programme()->set_retention_days(30);
  retention.mutable_update_mask()->add_paths("retention_days");
  EXPECT_EQ(Ok(&Stub::UpdateProgramme, retention, "retention").programme().retention_days(), 30);
  auto simon =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
         "retention");
  for (auto state : {v1::ROUND_STATE_CLOSED, v1::ROUND_STATE_MATCHED, v1::ROUND_STATE_PUBLISHED,
                     v1::ROUND_STATE_COMPLETED}) {
    Transition(world, state);
  }
  v1::ApplyRetentionRequest apply;
  apply.set_programme_id(world.programme.programme_id());
  shared_->clock.Set(At(2026, 10, 11));  // 30 days after the window: not yet
  EXPECT_THAT(Ok(&Stub::ApplyRetention, apply, "retention").erased_participant_ids(), IsEmpty());

  shared_->clock.Set(At(2026, 10, 12));
  apply.set_validate_only(true);
  EXPECT_THAT(
      Ok(&Stub::ApplyRetention, apply, "retention").erased_participant_ids(),
      UnorderedElementsAre(simon.participant().participant_id(), world.kenneth.participant_id()));
  v1::GetParticipantRequest get;
  get.set_participant_id(simon.participant().participant_id());
  Ok(&Stub::GetParticipant, get, "retention");  // validate_only changed nothing

  apply.set_validate_only(false);
  EXPECT_THAT(Ok(&Stub::ApplyRetention, apply, "retention").erased_participant_ids(), SizeIs(2));
  EXPECT_EQ(Fails(&Stub::GetParticipant, get, "retention").error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// Bulk import

TEST_F(RegistrationTest, TheImportReportsBadRowsByLineAndImportsTheRest) {
  World world = MakeWorld("import");
  auto context = ContextFor("import");
  v1::ImportSignUpsResponse summary;
  auto writer = stub_->ImportSignUps(context.get(), &summary);
  v1::ImportSignUpsRequest message;
  message.set_round_id(world.round.round_id());
  for (int line = 2; line <= 31; ++line) {
    v1::ImportRow* row = message.add_rows();
    row->set_line(line);
    auto request = SignUpRequest(world, absl::StrCat("person", line, "@kommune.dk"),
                                 {world.dragoer_offer.host_offer_id()});
    *row->mutable_participant() = request.participant();
    row->mutable_participant()->clear_workplace_id();
    row->mutable_workplace()->set_name("Holstebro Kommune");
    row->mutable_workplace()->set_sector(v1::SECTOR_MUNICIPAL);
    row->mutable_workplace()->set_region("Midtjylland");
    row->mutable_workplace()->set_municipality("Holstebro");
    *row->mutable_application() = request.application();
    if (line == 7) row->mutable_participant()->set_email("not-an-address");
    if (line == 12) row->mutable_application()->set_purpose("kort");
    if (line == 20) row->mutable_workplace()->set_region("Vestjylland");
    if (line % 10 == 0) {  // split the rows over several messages
      ASSERT_TRUE(writer->Write(message));
      message.Clear();
    }
  }
  // The same person twice: the later row updates.
  v1::ImportRow* duplicate = message.add_rows();
  duplicate->set_line(32);
  auto request = SignUpRequest(world, "person2@kommune.dk", {world.social_offer.host_offer_id()});
  *duplicate->mutable_participant() = request.participant();
  *duplicate->mutable_application() = request.application();
  ASSERT_TRUE(writer->Write(message));
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(summary.rows_received(), 31);
  EXPECT_EQ(summary.applications_created(), 27);
  EXPECT_EQ(summary.applications_updated(), 1);
  EXPECT_EQ(summary.rows_failed(), 3);
  std::set<std::pair<std::int64_t, std::string>> errors;
  for (const auto& error : summary.errors()) errors.emplace(error.line(), error.field());
  EXPECT_THAT(errors,
              UnorderedElementsAre(Pair(7, "participant.email"), Pair(12, "application.purpose"),
                                   Pair(20, "workplace.region")));

  // One workplace for everyone from Holstebro, found by name and municipality.
  v1::ListWorkplacesRequest workplaces;
  workplaces.set_municipality("HOLSTEBRO");
  EXPECT_THAT(Ok(&Stub::ListWorkplaces, workplaces, "import").workplaces(), SizeIs(1));
  v1::ListApplicationsRequest list;
  list.set_round_id(world.round.round_id());
  list.set_page_size(500);
  EXPECT_THAT(Ok(&Stub::ListApplications, list, "import").applications(), SizeIs(27));
}

TEST_F(RegistrationTest, AnImportIntoAClosedRoundIsRefusedAsAWhole) {
  World world = MakeWorld("import-closed");
  Transition(world, v1::ROUND_STATE_CLOSED);
  auto context = ContextFor("import-closed");
  v1::ImportSignUpsResponse summary;
  auto writer = stub_->ImportSignUps(context.get(), &summary);
  v1::ImportSignUpsRequest message;
  message.set_round_id(world.round.round_id());
  writer->Write(message);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// ---------------------------------------------------------------------------------------------
// Snapshot export

TEST_F(RegistrationTest, TheSnapshotComesInBoundedMessagesAndSplitsAHugeWishList) {
  World world = MakeWorld("snapshot");
  // Enough offers that one criteria wish expands beyond the smallest message size.
  Transition(world, v1::ROUND_STATE_CLOSED);
  Transition(world, v1::ROUND_STATE_OPEN);  // reopened: still takes offers and sign-ups
  constexpr int kOffers = 900;
  for (int i = 0; i < kOffers; ++i) NewOffer(world, world.socialforv, "velfærd");
  constexpr int kInterns = 60;
  for (int i = 0; i < kInterns; ++i) {
    Ok(&Stub::SignUp,
       SignUpRequest(world, absl::StrCat("intern", i, "@fm.dk"),
                     {world.dragoer_offer.host_offer_id()}, i == 0 ? "velfærd" : ""),
       "snapshot");
  }
  Transition(world, v1::ROUND_STATE_CLOSED);

  constexpr int kLimit = 16 << 10;
  auto messages = Export(world, kLimit);
  int offers = 0;
  std::map<std::string, std::vector<v1::SnapshotWish>> wishes;
  int parts = 0;
  std::string previous;
  for (const auto& message : messages) {
    EXPECT_LE(message.ByteSizeLong(), static_cast<std::size_t>(kLimit));
    offers += message.host_offers_size();
    for (const auto& application : message.applications()) {
      if (application.continued()) {
        ++parts;
        EXPECT_EQ(application.application_id(), previous);  // consecutive
      }
      previous = application.application_id();
      for (const auto& wish : application.wishes()) {
        wishes[application.application_id()].push_back(wish);
      }
    }
  }
  EXPECT_EQ(offers, kOffers + 3);
  EXPECT_EQ(static_cast<int>(wishes.size()), kInterns);
  EXPECT_GT(parts, 0);
  EXPECT_EQ(messages.back().trailer().application_count(), kInterns);
  // The split application's rank-2 group, put back together, is every "velfærd" offer.
  std::size_t largest = 0;
  for (const auto& [id, list] : wishes) {
    std::set<std::string> rank_two;
    for (const auto& wish : list) {
      if (wish.rank() == 2)
        rank_two.insert(wish.host_offer_ids().begin(), wish.host_offer_ids().end());
    }
    largest = std::max(largest, rank_two.size());
  }
  EXPECT_EQ(largest, static_cast<std::size_t>(kOffers));
}

TEST_F(RegistrationTest, AnOpenRoundCannotBeExported) {
  World world = MakeWorld("snapshot-open");
  grpc::Status status;
  auto messages = Export(world, 0, &status);
  EXPECT_THAT(messages, IsEmpty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(status), ElementsAre("ROUND_NOT_CLOSED"));
  // The refusal says what state the round is in and what to do (RequestMatching passes it on).
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("is open for sign-ups"),
                    HasSubstr("close it first (TransitionRound to ROUND_STATE_CLOSED)")));

  // A draft is to be opened for sign-ups, then closed.
  v1::CreateRoundRequest create;
  v1::Round* draft = create.mutable_round();
  draft->set_programme_id(world.programme.programme_id());
  draft->set_name("Innovationspraktik 2026, uge 38");
  *draft->mutable_window_start() = Day(2026, 9, 14);
  *draft->mutable_window_end() = Day(2026, 9, 18);
  *draft->mutable_signup_deadline() = Day(2026, 8, 22);
  draft->set_max_wishes(3);
  draft->add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
  World drafted = world;
  drafted.round = Ok(&Stub::CreateRound, create, world.tenant).round();
  ASSERT_EQ(drafted.round.state(), v1::ROUND_STATE_DRAFT);
  EXPECT_THAT(Export(drafted, 0, &status), IsEmpty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("is a draft"), HasSubstr("TransitionRound to ROUND_STATE_OPEN"),
                    HasSubstr("then close it (TransitionRound to ROUND_STATE_CLOSED)")));
}

TEST_F(RegistrationTest, AnExportThatSawTheRoundChangeFailsInsteadOfMixingStates) {
  World world = MakeWorld("snapshot-change");
  auto simon =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
         "snapshot-change");
  Transition(world, v1::ROUND_STATE_CLOSED);
  v1::ExportRoundSnapshotRequest request;
  request.set_round_id(world.round.round_id());
  auto exporter = shared_->service.registrar().StartExport(
      {.tenant = "snapshot-change", .correlation_id = ""}, request);
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  auto header = (*exporter)->Next();
  ASSERT_TRUE(header.ok() && header->has_value());
  // A GDPR erasure in the middle of the export.
  v1::EraseParticipantRequest erase;
  erase.set_participant_id(simon.participant().participant_id());
  Ok(&Stub::EraseParticipant, erase, "snapshot-change");
  absl::Status status;
  while (true) {
    auto next = (*exporter)->Next();
    if (!next.ok()) {
      status = next.status();
      break;
    }
    if (!next->has_value()) break;
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
}

// ---------------------------------------------------------------------------------------------
// Events

TEST_F(RegistrationTest, EveryChangeArrivesOnRabbitMqAsAnEvent) {
  World world = MakeWorld("events");
  auto simon =
      Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
         "events");
  v1::WithdrawHostOfferRequest withdraw;
  withdraw.set_host_offer_id(world.social_offer.host_offer_id());
  Ok(&Stub::WithdrawHostOffer, withdraw, "events");
  v1::EraseParticipantRequest erase;
  erase.set_participant_id(simon.participant().participant_id());
  Ok(&Stub::EraseParticipant, erase, "events");
  auto of_tenant = [](const events::Envelope& event) { return event.tenant() == "events"; };
  auto& tap = shared_->events;

  auto registered = tap.WaitFor("registration.participant.registered", 2, of_tenant);
  ASSERT_THAT(registered, SizeIs(2));  // Kenneth and Simon
  std::set<std::string> names;
  for (const auto& event : registered) {
    names.insert(events::UnpackPayload<v1::ParticipantRegistered>(event)->participant().name());
  }
  EXPECT_THAT(names, UnorderedElementsAre("Kenneth Kristensen", "Simon Pasquali"));

  auto published = tap.WaitFor("registration.host_offer.published", 3, of_tenant);
  ASSERT_THAT(published, SizeIs(3));
  auto offer = events::UnpackPayload<v1::HostOfferPublished>(published[0]).value();
  EXPECT_EQ(offer.round_id(), world.round.round_id());
  EXPECT_EQ(offer.host_offer().contact().name(), "Kenneth Kristensen");
  EXPECT_THAT(tap.WaitFor("registration.host_offer.withdrawn", 1, of_tenant), SizeIs(1));

  auto submitted = tap.WaitFor("registration.application.submitted", 1, of_tenant);
  ASSERT_THAT(submitted, SizeIs(1));
  auto application = events::UnpackPayload<v1::ApplicationSubmitted>(submitted[0]).value();
  EXPECT_EQ(application.intern().email(), "simon@fm.dk");
  EXPECT_EQ(application.wish_count(), 1);
  EXPECT_FALSE(application.resubmitted());

  auto state_changed = tap.WaitFor("registration.round.state_changed", 1, of_tenant);
  ASSERT_THAT(state_changed, SizeIs(1));
  auto changed = events::UnpackPayload<v1::RoundStateChanged>(state_changed[0]).value();
  EXPECT_EQ(changed.previous_state(), v1::ROUND_STATE_DRAFT);
  EXPECT_EQ(changed.state(), v1::ROUND_STATE_OPEN);

  EXPECT_THAT(tap.WaitFor("registration.participant.erased", 1, of_tenant), SizeIs(1));
}

TEST_F(RegistrationTest, SignUpsAndImportsAreCounted) {
  World world = MakeWorld("metrics");
  // Registered at 0 and shared by every test: counted by its change.
  const auto created = [&] {
    return ipraktik::testing::CountOf(
        shared_->service.metrics(), "ipraktik_registration_signups_total", {{"result", "created"}});
  };
  const double before = created();
  Ok(&Stub::SignUp, SignUpRequest(world, "simon@fm.dk", {world.dragoer_offer.host_offer_id()}),
     "metrics");
  EXPECT_EQ(created(), before + 1);
}

// A partner who reads one page of participants filtered by e-mail finds the person, however
// many participants the tenant has before them (the filter is answered through the e-mail index,
// not by scanning the list).
TEST_F(RegistrationTest, AFilterByEmailAnswersWithTheLastPageBeyondFiveThousandParticipants) {
  const std::string tenant = "many-people";
  auto keys = KeySpace::For(tenant);
  ASSERT_TRUE(keys.ok());
  // 5,001 entries of the participant list come first (entries whose records are gone cost a
  // scan like any participant that does not match).
  std::vector<std::string> zadd = {"ZADD", keys->Participants()};
  for (int i = 1; i <= 5001; ++i) {
    zadd.push_back(std::to_string(i));
    zadd.push_back(absl::StrCat("p-gone-", i));
  }
  ASSERT_TRUE(shared_->service.redis().Command(zadd).ok());
  ASSERT_TRUE(shared_->service.redis().Command({"SET", keys->Counter(), "5001"}).ok());
  v1::Workplace home =
      NewWorkplace(tenant, "Skive Rådhus", v1::SECTOR_MUNICIPAL, "Midtjylland", "Skive");
  v1::Participant simon =
      NewParticipant(tenant, "Simon Pasquali", "Simon@FM.dk", home.workplace_id());

  v1::ListParticipantsRequest by_email;
  by_email.set_email(" SIMON@fm.dk");
  by_email.set_page_size(10);
  auto page = Ok(&Stub::ListParticipants, by_email, tenant);
  ASSERT_THAT(page.participants(), SizeIs(1));
  EXPECT_EQ(page.participants(0).participant_id(), simon.participant_id());
  EXPECT_EQ(page.next_page_token(), "");  // the last page: nothing more to read
  by_email.set_workplace_id(home.workplace_id());
  EXPECT_THAT(Ok(&Stub::ListParticipants, by_email, tenant).participants(), SizeIs(1));
  by_email.set_workplace_id("w-elsewhere");
  auto elsewhere = Ok(&Stub::ListParticipants, by_email, tenant);
  EXPECT_THAT(elsewhere.participants(), IsEmpty());
  EXPECT_EQ(elsewhere.next_page_token(), "");
  by_email.clear_workplace_id();
  by_email.set_email("nobody@fm.dk");
  auto nobody = Ok(&Stub::ListParticipants, by_email, tenant);
  EXPECT_THAT(nobody.participants(), IsEmpty());
  EXPECT_EQ(nobody.next_page_token(), "");
}

// A criteria wish the matching could never fulfil is refused like a named wish with the same
// problem, naming the wish and why: no offer fits, only the intern's own workplace's offer fits,
// or no offer that fits takes interns on their days.
TEST_F(RegistrationTest, ACriteriaWishThatCanNeverMatchIsRefusedLikeANamedOne) {
  World world = MakeWorld("never-match");
  const std::string field = "application.wishes[0].criteria";

  auto nowhere = SignUpRequest(world, "simon@fm.dk", {});
  v1::CriteriaWish* north = nowhere.mutable_application()->add_wishes()->mutable_criteria();
  north->set_field("ledelse");
  north->set_region("Nordjylland");
  grpc::Status no_offer = Fails(&Stub::SignUp, nowhere, "never-match");
  EXPECT_EQ(no_offer.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldErrors(no_offer)[field],
              HasSubstr("no published offer of this round fits criteria field=ledelse "
                        "region=Nordjylland"));

  auto own = SignUpRequest(world, "simon@fm.dk", {});
  own.mutable_application()->add_wishes()->mutable_criteria()->set_sector(v1::SECTOR_STATE);
  EXPECT_THAT(FieldErrors(Fails(&Stub::SignUp, own, "never-match"))[field],
              HasSubstr("is at your own workplace"));
  // The named wish for that offer is refused the same way, with the same status.
  auto named = SignUpRequest(world, "simon@fm.dk", {world.ministry_offer.host_offer_id()});
  grpc::Status named_status = Fails(&Stub::SignUp, named, "never-match");
  EXPECT_EQ(named_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldErrors(named_status)["application.wishes[0].host_offer_id"],
              HasSubstr("is at your own workplace"));

  auto other_days = SignUpRequest(world, "simon@fm.dk", {}, "ledelse");
  other_days.mutable_application()->clear_available_days();
  *other_days.mutable_application()->add_available_days() = Day(2026, 9, 10);
  EXPECT_THAT(FieldErrors(Fails(&Stub::SignUp, other_days, "never-match"))[field],
              HasSubstr("takes interns on none of your available days"));

  // A criteria wish some offer elsewhere fulfils on a common day is taken, and nothing of the
  // refused ones was stored.
  auto fine = SignUpRequest(world, "simon@fm.dk", {}, "LEDELSE");
  EXPECT_TRUE(Ok(&Stub::SignUp, fine, "never-match").created());
}

// Moving a round's window away from its offers' days is refused, naming the offers to move.
TEST_F(RegistrationTest, MovingTheWindowAwayFromItsOffersNamesThem) {
  World world = MakeWorld("window");
  v1::UpdateRoundRequest move;
  move.mutable_round()->set_round_id(world.round.round_id());
  *move.mutable_round()->mutable_window_start() = Day(2026, 9, 14);
  *move.mutable_round()->mutable_window_end() = Day(2026, 9, 18);
  move.mutable_update_mask()->add_paths("window_start");
  move.mutable_update_mask()->add_paths("window_end");
  grpc::Status refused = Fails(&Stub::UpdateRound, move, "window");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(refused), ElementsAre("OFFERS_OUTSIDE_WINDOW"));
  EXPECT_THAT(refused.error_message(), HasSubstr("leaves 3 offers with days outside it"));
  for (const auto* offer : {&world.dragoer_offer, &world.social_offer, &world.ministry_offer}) {
    EXPECT_THAT(refused.error_message(),
                HasSubstr(absl::StrCat(offer->host_offer_id(), " \"", offer->title(),
                                       "\" (2026-09-07, 2026-09-08)")));
  }
  v1::GetRoundRequest get;
  get.set_round_id(world.round.round_id());
  EXPECT_EQ(Ok(&Stub::GetRound, get, "window").round().window_start().day(), 7);

  // A move that keeps every offer's days inside is made.
  *move.mutable_round()->mutable_window_start() = Day(2026, 9, 4);
  *move.mutable_round()->mutable_window_end() = Day(2026, 9, 8);
  EXPECT_EQ(Ok(&Stub::UpdateRound, move, "window").round().window_start().day(), 4);
}

}  // namespace
}  // namespace ipraktik::registration::testing
