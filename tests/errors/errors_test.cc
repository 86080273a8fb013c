// The typed failures keep their details, and the payloads are genuine google.rpc messages: the
// real protobuf classes parse what libs/errors wrote by hand, and the other way round.
#include "ipraktik/errors/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"

namespace ipraktik::errors {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string PayloadOf(const absl::Status& status, const char* type_url) {
  auto payload = status.GetPayload(type_url);
  EXPECT_TRUE(payload.has_value()) << type_url;
  return payload ? std::string(*payload) : std::string();
}

TEST(FieldPathTest, BuildsDottedPathsWithIndexes) {
  EXPECT_EQ(FieldPath("application").Field("wishes").Index(2).str(), "application.wishes[2]");
  EXPECT_EQ(FieldPath().Field("round").Field("window_start").str(), "round.window_start");
  EXPECT_EQ(FieldPath("wishes").Index(0).Field("host_offer_id").str(), "wishes[0].host_offer_id");
}

TEST(ViolationsTest, NoViolationsIsOk) {
  Violations violations;
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(violations.ToStatus().ok());
}

TEST(ViolationsTest, EveryViolationIsKeptInOrder) {
  Violations violations;
  violations.Add("application.purpose", "is required");
  violations.Add(FieldPath("application.wishes").Index(2), "names no host offer in this round");
  auto status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      FieldViolationsOf(status),
      ElementsAre(FieldViolation{"application.purpose", "is required"},
                  FieldViolation{"application.wishes[2]", "names no host offer in this round"}));
  // A client that reads no details still learns what is wrong.
  EXPECT_THAT(std::string(status.message()), HasSubstr("application.purpose: is required"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("application.wishes[2]: names no host offer"));
}

TEST(ViolationsTest, LongListsAreShortenedInTheMessageOnly) {
  Violations violations;
  for (int i = 0; i < 25; ++i) violations.Add(FieldPath("interns").Index(i), "has no e-mail");
  auto status = violations.ToStatus("import refused");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("import refused: interns[0]: has no e-mail"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("and 15 more"));
  EXPECT_EQ(FieldViolationsOf(status).size(), 25u);
}

TEST(InvalidArgumentTest, PayloadIsAGoogleRpcBadRequest) {
  auto status = InvalidArgument(
      {{"round.max_wishes", "must be between 1 and 10"}, {"round.name", "æøå: must not be empty"}});
  google::rpc::BadRequest request;
  ASSERT_TRUE(request.ParseFromString(PayloadOf(status, kBadRequestTypeUrl)));
  ASSERT_EQ(request.field_violations_size(), 2);
  EXPECT_EQ(request.field_violations(0).field(), "round.max_wishes");
  EXPECT_EQ(request.field_violations(0).description(), "must be between 1 and 10");
  EXPECT_EQ(request.field_violations(1).description(), "æøå: must not be empty");
}

TEST(InvalidArgumentTest, ReadsAPayloadWrittenByProtobuf) {
  google::rpc::BadRequest request;
  auto* violation = request.add_field_violations();
  violation->set_field("a.b[1]");
  violation->set_description("wrong");
  request.add_field_violations()->set_field("only_field");
  absl::Status status(absl::StatusCode::kInvalidArgument, "bad");
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(request.SerializeAsString()));
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(FieldViolation{"a.b[1]", "wrong"}, FieldViolation{"only_field", ""}));
}

TEST(NotFoundTest, NamesTheResource) {
  auto status = NotFound("round", "r-2026-37");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "round r-2026-37 not found");
  ASSERT_TRUE(ResourceOf(status).has_value());
  EXPECT_EQ(*ResourceOf(status), (ResourceInfo{"round", "r-2026-37", "", ""}));
  google::rpc::ResourceInfo info;
  ASSERT_TRUE(info.ParseFromString(PayloadOf(status, kResourceInfoTypeUrl)));
  EXPECT_EQ(info.resource_type(), "round");
  EXPECT_EQ(info.resource_name(), "r-2026-37");
}

// An error answer repeats a bounded echo of the input, never the input itself.
TEST(EchoTest, AHugeIdIsCutInTheMessageAndTheResourceInfo) {
  std::string huge(1 << 20, 'x');
  auto status = NotFound("round", huge);
  EXPECT_LE(status.message().size(), kMaxEchoedBytes + 20);
  EXPECT_THAT(std::string(status.message()), HasSubstr("xxx\u2026 not found"));
  ASSERT_TRUE(ResourceOf(status).has_value());
  EXPECT_EQ(ResourceOf(status)->name.size(), kMaxEchoedBytes);
  EXPECT_EQ(ResourceOf(AlreadyExists("round", huge))->name.size(), kMaxEchoedBytes);
}

TEST(EchoTest, CutNeverSplitsACharacter) {
  std::string danish;
  for (int i = 0; i < 100; ++i) danish += "\u00e6";  // 2 bytes each
  std::string cut = Cut(danish, 10);                 // 7 bytes of text + 3 of ellipsis
  EXPECT_EQ(cut, "\u00e6\u00e6\u00e6\u2026");
  EXPECT_EQ(Cut("short", 10), "short");
}

TEST(EchoTest, TenThousandViolationsBecomeAFewDozenAndACount) {
  Violations violations;
  for (int i = 0; i < 10'000; ++i) {
    violations.Add(FieldPath("wishes").Index(i), std::string(5'000, 'd'));
  }
  auto status = violations.ToStatus();
  auto listed = FieldViolationsOf(status);
  ASSERT_EQ(listed.size(), kMaxViolations + 1);
  EXPECT_EQ(listed[0].field, "wishes[0]");
  EXPECT_EQ(listed[0].description.size(), kMaxDescriptionBytes);
  EXPECT_EQ(listed.back(), (FieldViolation{"", "and 9975 more violations not listed"}));
  EXPECT_THAT(std::string(status.message()), HasSubstr("and 9990 more"));
  EXPECT_LT(PayloadOf(status, kBadRequestTypeUrl).size(), 16'000u);
}

TEST(EchoTest, PreconditionsAndReasonsAreCut) {
  std::string huge(100'000, 'e');
  auto status =
      WithReason(FailedPrecondition("STALE", huge, huge), "ETAG_MISMATCH", {{"etag", huge}});
  EXPECT_EQ(PreconditionViolationsOf(status)[0].subject.size(), kMaxEchoedBytes);
  EXPECT_EQ(status.message().size(), kMaxDescriptionBytes);
  EXPECT_EQ(ErrorInfoOf(status)->metadata["etag"].size(), kMaxEchoedBytes);
}

TEST(AlreadyExistsTest, NamesTheResourceAndKeepsAGivenMessage) {
  auto status = AlreadyExists("participant", "p-1", "e-mail already registered");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "e-mail already registered");
  EXPECT_EQ(ResourceOf(status)->name, "p-1");
}

TEST(FailedPreconditionTest, CarriesEveryViolationAsAGoogleRpcPreconditionFailure) {
  const std::vector<PreconditionViolation> problems = {
      {"SENDER_ADDRESS", "notification_settings/sender_address", "from .invalid"},
      {"MISSING_EMAIL", "participant/p-1", "Anna has no e-mail address"}};
  auto status = FailedPrecondition(problems, "2 problems");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "2 problems");
  EXPECT_EQ(PreconditionViolationsOf(status), problems);
  google::rpc::PreconditionFailure parsed;
  ASSERT_TRUE(parsed.ParseFromString(PayloadOf(status, kPreconditionFailureTypeUrl)));
  ASSERT_EQ(parsed.violations_size(), 2);
  EXPECT_EQ(parsed.violations(1).subject(), "participant/p-1");

  std::vector<PreconditionViolation> many(kMaxViolations + 5, problems[1]);
  const auto listed = PreconditionViolationsOf(FailedPrecondition(many, "many"));
  ASSERT_EQ(listed.size(), kMaxViolations + 1);
  EXPECT_EQ(listed.back(), (PreconditionViolation{"MORE", "", "and 5 more problems not listed"}));
}

TEST(FailedPreconditionTest, CarriesTheViolation) {
  auto status = FailedPrecondition("STALE_VERSION", "round/r-1",
                                   "the round was changed since version 3 (now 4)");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "the round was changed since version 3 (now 4)");
  EXPECT_THAT(PreconditionViolationsOf(status),
              ElementsAre(PreconditionViolation{"STALE_VERSION", "round/r-1",
                                                "the round was changed since version 3 (now 4)"}));
  google::rpc::PreconditionFailure failure;
  ASSERT_TRUE(failure.ParseFromString(PayloadOf(status, kPreconditionFailureTypeUrl)));
  ASSERT_EQ(failure.violations_size(), 1);
  EXPECT_EQ(failure.violations(0).type(), "STALE_VERSION");
  EXPECT_EQ(failure.violations(0).subject(), "round/r-1");
}

TEST(WithReasonTest, AddsAnErrorInfoInTheIpraktikDomain) {
  auto status = WithReason(FailedPrecondition("ROUND_CLOSED", "round/r-1", "round is closed"),
                           "ROUND_CLOSED", {{"round", "r-1"}, {"state", "closed"}});
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason, "ROUND_CLOSED");
  EXPECT_EQ(info->domain, "ipraktik.dk");
  EXPECT_EQ(info->metadata.at("state"), "closed");
  google::rpc::ErrorInfo proto;
  ASSERT_TRUE(proto.ParseFromString(PayloadOf(status, kErrorInfoTypeUrl)));
  EXPECT_EQ(proto.reason(), "ROUND_CLOSED");
  EXPECT_EQ(proto.metadata().at("round"), "r-1");
  // The precondition payload is still there.
  EXPECT_EQ(PreconditionViolationsOf(status).size(), 1u);
}

TEST(WithReasonTest, LeavesOkAlone) { EXPECT_TRUE(WithReason(absl::OkStatus(), "X").ok()); }

TEST(UnavailableTest, CarriesTheRetryDelay) {
  auto status = Unavailable("redis is restarting", absl::Milliseconds(1500));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryDelayOf(status), absl::Milliseconds(1500));
  google::rpc::RetryInfo info;
  ASSERT_TRUE(info.ParseFromString(PayloadOf(status, kRetryInfoTypeUrl)));
  EXPECT_EQ(info.retry_delay().seconds(), 1);
  EXPECT_EQ(info.retry_delay().nanos(), 500'000'000);
  EXPECT_FALSE(RetryDelayOf(Unavailable("down")).has_value());
}

TEST(ReadersTest, PlainStatusesHaveNoDetails) {
  absl::Status status = absl::InternalError("boom");
  EXPECT_TRUE(FieldViolationsOf(status).empty());
  EXPECT_FALSE(ResourceOf(status).has_value());
  EXPECT_TRUE(PreconditionViolationsOf(status).empty());
  EXPECT_FALSE(ErrorInfoOf(status).has_value());
}

TEST(ReadersTest, MalformedPayloadsAreIgnored) {
  absl::Status status(absl::StatusCode::kInvalidArgument, "x");
  // A field whose length runs past the end, and a varint that never ends.
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(std::string("\x0a\x7f\x0a", 3)));
  status.SetPayload(kResourceInfoTypeUrl, absl::Cord(std::string("\x12\xff\xff", 3)));
  EXPECT_TRUE(FieldViolationsOf(status).empty());
  EXPECT_FALSE(ResourceOf(status).has_value());
}

}  // namespace
}  // namespace ipraktik::errors
