// absl::Status with libs/errors payloads <-> grpc::Status with google.rpc details.
#include "ipraktik/rpc_status/rpc_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::rpc_status {
namespace {

using ::testing::ElementsAre;

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status rich;
  EXPECT_TRUE(grpc::ExtractErrorDetails(status, &rich).ok());
  return rich;
}

TEST(ToGrpcStatusTest, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(ToGrpcStatusTest, FieldViolationsBecomeABadRequestDetail) {
  auto status = errors::InvalidArgument(
      {{"application.wishes[2]", "names no host offer"}, {"application.purpose", "is required"}});
  auto converted = ToGrpcStatus(status);
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(converted.error_message(), std::string(status.message()));

  auto rich = DetailsOf(converted);
  EXPECT_EQ(rich.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(rich.message(), converted.error_message());
  ASSERT_EQ(rich.details_size(), 1);
  EXPECT_EQ(rich.details(0).type_url(), "type.googleapis.com/google.rpc.BadRequest");
  google::rpc::BadRequest request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&request));
  ASSERT_EQ(request.field_violations_size(), 2);
  EXPECT_EQ(request.field_violations(0).field(), "application.wishes[2]");
  EXPECT_EQ(request.field_violations(0).description(), "names no host offer");
  EXPECT_EQ(request.field_violations(1).field(), "application.purpose");
}

TEST(ToGrpcStatusTest, EveryPayloadBecomesADetail) {
  auto status = errors::WithReason(
      errors::FailedPrecondition("STALE_VERSION", "round/r-1", "the round changed"),
      "STALE_VERSION", {{"current_version", "4"}});
  auto rich = DetailsOf(ToGrpcStatus(status));
  EXPECT_EQ(rich.code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_EQ(rich.details_size(), 2);
  google::rpc::PreconditionFailure failure;
  google::rpc::ErrorInfo info;
  for (const auto& detail : rich.details()) {
    if (detail.Is<google::rpc::PreconditionFailure>()) {
      ASSERT_TRUE(detail.UnpackTo(&failure));
    }
    if (detail.Is<google::rpc::ErrorInfo>()) {
      ASSERT_TRUE(detail.UnpackTo(&info));
    }
  }
  ASSERT_EQ(failure.violations_size(), 1);
  EXPECT_EQ(failure.violations(0).type(), "STALE_VERSION");
  EXPECT_EQ(info.reason(), "STALE_VERSION");
  EXPECT_EQ(info.domain(), "ipraktik.dk");
  EXPECT_EQ(info.metadata().at("current_version"), "4");
}

TEST(ToGrpcStatusTest, NotFoundCarriesTheResource) {
  auto rich = DetailsOf(ToGrpcStatus(errors::NotFound("round", "r-9")));
  EXPECT_EQ(rich.code(), grpc::StatusCode::NOT_FOUND);
  google::rpc::ResourceInfo info;
  ASSERT_EQ(rich.details_size(), 1);
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.resource_type(), "round");
  EXPECT_EQ(info.resource_name(), "r-9");
}

TEST(ToGrpcStatusTest, PlainStatusesHaveNoDetails) {
  auto converted = ToGrpcStatus(absl::UnavailableError("redis is down"));
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(converted.error_message(), "redis is down");
  EXPECT_TRUE(converted.error_details().empty());
}

// Whoever built the status (here a plain absl::AbortedError repeating a 5,000-character etag), the
// message on the wire is bounded.
TEST(ToGrpcStatusTest, TheMessageIsCut) {
  auto converted = ToGrpcStatus(absl::AbortedError("etag " + std::string(5'000, 'e')));
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(converted.error_message().size(), errors::kMaxMessageBytes);
  auto rich = DetailsOf(ToGrpcStatus(
      errors::InvalidArgument({{"id", std::string(1 << 20, 'i')}}, std::string(1 << 20, 'm'))));
  EXPECT_LE(rich.message().size(), errors::kMaxMessageBytes);
  EXPECT_LT(rich.ByteSizeLong(), 4'000u);
}

TEST(ToGrpcStatusTest, EveryCanonicalCodeKeepsItsNumber) {
  for (int code = 1; code <= 16; ++code) {
    absl::Status status(static_cast<absl::StatusCode>(code), "x");
    EXPECT_EQ(static_cast<int>(ToGrpcStatus(status).error_code()), code);
  }
  EXPECT_EQ(ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(99), "x")).error_code(),
            grpc::StatusCode::UNKNOWN);
}

TEST(FromGrpcStatusTest, RoundTripsThePayloads) {
  auto original =
      errors::WithReason(errors::InvalidArgument({{"round.name", "is required"}}), "ROUND_INVALID");
  auto back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), original.message());
  EXPECT_THAT(errors::FieldViolationsOf(back),
              ElementsAre(errors::FieldViolation{"round.name", "is required"}));
  EXPECT_EQ(errors::ErrorInfoOf(back)->reason, "ROUND_INVALID");
}

TEST(FromGrpcStatusTest, PlainAndOk) {
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  auto back = FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "too slow"));
  EXPECT_EQ(back.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(back.message(), "too slow");
}

}  // namespace
}  // namespace ipraktik::rpc_status
