// The limits every request keeps (request_limits.h), read from the message's descriptor: the
// defaults, the per-field exceptions declared in the .proto files, enum values and page sizes.
#include "ipraktik/server/request_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ipraktik/errors/errors.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::server {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& violation : errors::FieldViolationsOf(status)) fields.push_back(violation.field);
  return fields;
}

TEST(RequestLimitsTest, AnOrdinaryRequestPasses) {
  v1::SignUpRequest request;
  request.set_round_id("rnd-1");
  request.mutable_participant()->set_name("Søren Ærø");
  request.mutable_application()->set_purpose(std::string(8000, 'p'));  // declared: 8,000 bytes
  for (int i = 0; i < 100; ++i) request.mutable_application()->add_wishes()->set_host_offer_id("h");
  EXPECT_TRUE(CheckRequestLimits(request).ok());
}

TEST(RequestLimitsTest, EveryBrokenLimitIsNamedByItsPath) {
  v1::SignUpRequest request;
  request.set_round_id(std::string(kDefaultMaxBytes + 1, 'r'));
  request.mutable_application()->set_purpose(std::string(8001, 'p'));
  request.mutable_participant()->set_language(static_cast<v1::Language>(99));
  request.mutable_application()->add_wishes()->mutable_criteria()->set_field(
      std::string(2000, 'f'));
  auto status = CheckRequestLimits(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(status),
              ElementsAre("round_id", "participant.language", "application.purpose",
                          "application.wishes[0].criteria.field"));
}

TEST(RequestLimitsTest, RepeatedFieldsHaveTheirDefaultOrDeclaredLength) {
  v1::ImportSignUpsRequest import;
  for (int i = 0; i < 1000; ++i) import.add_rows();
  EXPECT_TRUE(CheckRequestLimits(import).ok());
  import.add_rows();
  EXPECT_THAT(FieldsOf(CheckRequestLimits(import)), ElementsAre("rows"));

  v1::CreateRoundRequest round;
  for (int i = 0; i <= kDefaultMaxItems; ++i)
    round.mutable_round()->add_allowed_host_sectors(v1::SECTOR_STATE);
  EXPECT_THAT(FieldsOf(CheckRequestLimits(round)), ElementsAre("round.allowed_host_sectors"));
}

TEST(RequestLimitsTest, PageSizesFollowTheOneRule) {
  v1::ListRoundsRequest list;
  for (int page_size : {0, 1, 500}) {
    list.set_page_size(page_size);
    EXPECT_TRUE(CheckRequestLimits(list).ok()) << page_size;
  }
  for (int page_size : {-1, 501}) {
    list.set_page_size(page_size);
    EXPECT_THAT(FieldsOf(CheckRequestLimits(list)), ElementsAre("page_size")) << page_size;
  }
}

}  // namespace
}  // namespace ipraktik::server
