// What bad input did (issue #13), tried again from outside through a real gRPC client against the
// registration service served in-process on a real gRPC server and Redis: oversized fields are
// refused naming the field before anything is looked up, error answers repeat a bounded echo of
// the input, invalid UTF-8 and unknown enum values are named, and one paging rule holds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/time/civil_time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"
#include "ipraktik/store/connection.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using Stub = v1::RegistrationService::Stub;

absl::Time At(int year, int month, int day) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, 10, 0, 0), absl::UTCTimeZone());
}

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status rich;
  EXPECT_TRUE(grpc::ExtractErrorDetails(status, &rich).ok());
  return rich;
}

std::vector<google::rpc::BadRequest::FieldViolation> ViolationsOf(const grpc::Status& status) {
  std::vector<google::rpc::BadRequest::FieldViolation> violations;
  const google::rpc::Status rich = DetailsOf(status);
  for (const auto& detail : rich.details()) {
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) violations.push_back(violation);
    }
  }
  return violations;
}

// The commands Redis has processed so far (INFO itself counts one).
// The bytes Redis has received from all its clients so far.
std::int64_t RedisInputBytes(store::Connection& redis) {
  auto info = redis.Command({"INFO", "stats"});
  EXPECT_TRUE(info.ok()) << info.status();
  const std::string field = "total_net_input_bytes:";
  auto at = info->str().find(field);
  return at == std::string::npos ? -1 : std::stoll(info->str().substr(at + field.size()));
}

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new ipraktik::testing::RedisServer();
    clock_ = new TestClock(At(2026, 8, 1));
    InProcessRegistration::Options options;
    options.with_bus = false;  // Redis only: nothing here needs the bus
    service_ = new InProcessRegistration(*redis_, "", *clock_, options);
  }
  static void TearDownTestSuite() {
    delete service_;
    delete clock_;
    delete redis_;
  }
  void SetUp() override { stub_ = service_->NewStub(); }

  // Every call of this file goes through here (one place for the caller's metadata).
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response = nullptr) {
    Response ignored;
    auto context = ContextFor("aarhus");
    return (stub_.get()->*method)(context.get(), request, response ? response : &ignored);
  }

  v1::CreateRoundRequest RoundRequest(const std::string& programme_id) {
    v1::CreateRoundRequest request;
    v1::Round* round = request.mutable_round();
    round->set_programme_id(programme_id);
    round->set_name("Innovationspraktik 2026, uge 37");
    *round->mutable_window_start() = Day(2026, 9, 7);
    *round->mutable_window_end() = Day(2026, 9, 11);
    *round->mutable_signup_deadline() = Day(2026, 8, 15);
    round->set_max_wishes(3);
    round->add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
    return request;
  }

  std::string NewProgramme() {
    v1::CreateProgrammeRequest request;
    request.mutable_programme()->set_name("Innovationspraktik");
    v1::CreateProgrammeResponse response;
    EXPECT_TRUE(Call(&Stub::CreateProgramme, request, &response).ok());
    return response.programme().programme_id();
  }

  static inline ipraktik::testing::RedisServer* redis_ = nullptr;
  static inline TestClock* clock_ = nullptr;
  static inline InProcessRegistration* service_ = nullptr;
  std::unique_ptr<Stub> stub_;
};

TEST_F(BadInputTest, AMegabyteIdIsRefusedNamingTheFieldBeforeAnyLookup) {
  store::Connection admin({.port = redis_->port()});
  v1::GetRoundRequest request;
  request.set_round_id(std::string(1 << 20, 'r'));
  const std::int64_t before = RedisInputBytes(admin);
  grpc::Status status = Call(&Stub::GetRound, request);
  // The caller's key is looked up (a few hundred bytes); the megabyte id never reaches Redis.
  EXPECT_LT(RedisInputBytes(admin) - before, 64 * 1024) << "the id was sent to Redis";
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = ViolationsOf(status);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field(), "round_id");
  EXPECT_THAT(violations[0].description(), HasSubstr("1048576 bytes; at most 1024"));
  EXPECT_LT(status.error_message().size() + status.error_details().size(), 2'000u);
}

TEST_F(BadInputTest, ANotFoundAnswerRepeatsACutId) {
  v1::GetRoundRequest request;
  request.set_round_id(std::string(1000, 'r'));  // within the limit, so it is looked up
  grpc::Status status = Call(&Stub::GetRound, request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LT(status.error_message().size(), 200u);
  google::rpc::ResourceInfo resource;
  const google::rpc::Status rich = DetailsOf(status);
  ASSERT_THAT(rich.details(), SizeIs(1));
  ASSERT_TRUE(rich.details(0).UnpackTo(&resource));
  EXPECT_EQ(resource.resource_name().size(), 128u);
  EXPECT_THAT(resource.resource_name(), HasSubstr("rrr\u2026"));
}

TEST_F(BadInputTest, TenThousandWishesAreOneViolation) {
  v1::SignUpRequest request;
  request.set_round_id("rnd-1");
  for (int i = 0; i < 10'000; ++i)
    request.mutable_application()->add_wishes()->set_host_offer_id("x");
  grpc::Status status = Call(&Stub::SignUp, request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = ViolationsOf(status);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field(), "application.wishes");
  EXPECT_THAT(violations[0].description(), HasSubstr("10000 elements; at most 100"));
}

TEST_F(BadInputTest, AStaleEtagIsCutInTheAbortedAnswer) {
  auto programme_id = NewProgramme();
  v1::CreateRoundResponse created;
  ASSERT_TRUE(Call(&Stub::CreateRound, RoundRequest(programme_id), &created).ok());
  v1::TransitionRoundRequest request;
  request.set_round_id(created.round().round_id());
  request.set_state(v1::ROUND_STATE_OPEN);
  request.set_etag(std::string(1000, 'e'));
  grpc::Status status = Call(&Stub::TransitionRound, request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr("eee\u2026"));
  EXPECT_LT(status.error_message().size(), 400u);
}

TEST_F(BadInputTest, InvalidUtf8IsNamedAsSuch) {
  v1::GetRoundRequest request;
  request.set_round_id("r\xff\xfe");  // protobuf's C++ writer sends it (after logging an error)
  grpc::Status status = Call(&Stub::GetRound, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "the request is not valid UTF-8");
}

TEST_F(BadInputTest, UnknownEnumValuesAreNamedNotStoredAsADefault) {
  v1::RegisterParticipantRequest request;
  v1::Participant* participant = request.mutable_participant();
  participant->set_name("Simon Pasquali");
  participant->set_email("simon@fm.dk");
  participant->set_consent(true);
  participant->set_language(static_cast<v1::Language>(99));
  grpc::Status status = Call(&Stub::RegisterParticipant, request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = ViolationsOf(status);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field(), "participant.language");
  EXPECT_EQ(violations[0].description(), "99 is not a value of ipraktik.v1.Language");

  v1::CreateWorkplaceRequest workplace;
  workplace.mutable_workplace()->set_name("Dragør Kommune");
  workplace.mutable_workplace()->set_sector(static_cast<v1::Sector>(7));
  workplace.mutable_workplace()->set_region("Hovedstaden");
  workplace.mutable_workplace()->set_municipality("Dragør");
  status = Call(&Stub::CreateWorkplace, workplace);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_THAT(ViolationsOf(status), SizeIs(1));
  EXPECT_EQ(ViolationsOf(status)[0].field(), "workplace.sector");
  EXPECT_EQ(ViolationsOf(status)[0].description(), "7 is not a value of ipraktik.v1.Sector");
}

TEST_F(BadInputTest, OnePageSizeRule) {
  NewProgramme();
  v1::ListProgrammesRequest request;
  for (int refused : {-1, 501, 1000}) {
    request.set_page_size(refused);
    grpc::Status status = Call(&Stub::ListProgrammes, request);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused;
    EXPECT_EQ(ViolationsOf(status)[0].field(), "page_size");
    EXPECT_EQ(ViolationsOf(status)[0].description(), "must be between 0 and 500 (0: 50)");
  }
  for (int taken : {0, 1, 500}) {
    request.set_page_size(taken);
    EXPECT_TRUE(Call(&Stub::ListProgrammes, request).ok()) << taken;
  }
}

TEST_F(BadInputTest, ARoundDatedFarInThePastIsRefused) {
  auto request = RoundRequest(NewProgramme());
  *request.mutable_round()->mutable_window_start() = Day(2001, 9, 7);
  *request.mutable_round()->mutable_window_end() = Day(2001, 9, 11);
  *request.mutable_round()->mutable_signup_deadline() = Day(2001, 8, 15);
  grpc::Status status = Call(&Stub::CreateRound, request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_THAT(ViolationsOf(status), SizeIs(1));
  EXPECT_EQ(ViolationsOf(status)[0].field(), "round.window_start");
  EXPECT_THAT(ViolationsOf(status)[0].description(),
              HasSubstr("is not between 2025-08-01 and 2029-07-31"));
}

TEST_F(BadInputTest, NamesWithBidirectionalOrZeroWidthCharactersAreRefused) {
  for (const char* name : {"Simon \u202Enasmiap", "Si\u200Bmon"}) {
    v1::RegisterParticipantRequest request;
    v1::Participant* participant = request.mutable_participant();
    participant->set_name(name);
    participant->set_email("simon@fm.dk");
    participant->set_consent(true);
    grpc::Status status = Call(&Stub::RegisterParticipant, request);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_EQ(ViolationsOf(status)[0].field(), "participant.name");
    EXPECT_THAT(ViolationsOf(status)[0].description(), HasSubstr("bidirectional or zero-width"));
  }
}

}  // namespace
}  // namespace ipraktik::registration::testing
