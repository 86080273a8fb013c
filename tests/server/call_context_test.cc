// The caller's tenant, correlation id and deadline, as read from request metadata.
#include "ipraktik/server/call_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ipraktik/errors/errors.h"

namespace ipraktik::server {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const auto kNow = std::chrono::system_clock::time_point(1'750'000'000s);
const DeadlinePolicy kPolicy{.default_timeout = 10s, .max_timeout = 60s};

// string_refs point into the strings: keep them alive in the test.
struct TestMetadata {
  std::vector<std::pair<std::string, std::string>> entries;
  Metadata map() const {
    Metadata metadata;
    for (const auto& [key, value] : entries) metadata.emplace(key, value);
    return metadata;
  }
};

std::string ViolationFor(const absl::Status& status, std::string_view field) {
  for (const auto& violation : errors::FieldViolationsOf(status)) {
    if (violation.field == field) return violation.description;
  }
  return "";
}

TEST(ParseCallContextTest, ReadsTenantAndCorrelationId) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "holstebro"},
                         {"x-correlation-id", "req-2026.09:abc_1"},
                         {"user-agent", "grpc-c++"}}};
  auto call = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->tenant, "holstebro");
  EXPECT_EQ(call->correlation_id, "req-2026.09:abc_1");
}

TEST(ParseCallContextTest, GeneratesACorrelationIdWhenAbsent) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "national"}}};
  auto first = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy);
  auto second = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(first->correlation_id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(first->correlation_id, second->correlation_id);
}

TEST(ParseCallContextTest, TheTenantHeaderIsOptional) {
  // The tenant comes from the API key (Calls::Open); the header only names another one.
  auto call = ParseCallContext(Metadata{}, kNow, std::nullopt, kPolicy);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->tenant, "");
}

TEST(ParseCallContextTest, MalformedTenantsAreRefused) {
  for (std::string tenant :
       std::vector<std::string>{"Holstebro", "-x", "x-", "a:b", "{a}", "ø", std::string(64, 'a')}) {
    TestMetadata metadata{{{"x-ipraktik-tenant", tenant}}};
    auto call = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy);
    EXPECT_EQ(call.status().code(), absl::StatusCode::kInvalidArgument) << tenant;
    EXPECT_THAT(ViolationFor(call.status(), "x-ipraktik-tenant"), HasSubstr("is not a tenant"))
        << tenant;
  }
  for (std::string tenant : std::vector<std::string>{"a", "kommune-8", std::string(63, 'z')}) {
    TestMetadata metadata{{{"x-ipraktik-tenant", tenant}}};
    EXPECT_TRUE(ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy).ok()) << tenant;
  }
}

TEST(ParseCallContextTest, TwoTenantsAreRefused) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "a"}, {"x-ipraktik-tenant", "b"}}};
  auto call = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy);
  EXPECT_EQ(call.status().code(), absl::StatusCode::kInvalidArgument);
  // Said as it is: sent twice, not "is required".
  EXPECT_EQ(ViolationFor(call.status(), "x-ipraktik-tenant"), "is sent 2 times: send it once");
  TestMetadata two_ids{
      {{"x-ipraktik-tenant", "a"}, {"x-correlation-id", "c1"}, {"x-correlation-id", "c2"}}};
  EXPECT_EQ(ViolationFor(ParseCallContext(two_ids.map(), kNow, std::nullopt, kPolicy).status(),
                         "x-correlation-id"),
            "is sent 2 times: send it once");
}

TEST(ParseCallContextTest, MalformedCorrelationIdsAreNamed) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "a"}, {"x-correlation-id", "has space"}}};
  auto call = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy);
  EXPECT_EQ(call.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFor(call.status(), "x-correlation-id"), HasSubstr("may contain only"));
  TestMetadata long_id{{{"x-ipraktik-tenant", "a"}, {"x-correlation-id", std::string(129, 'a')}}};
  EXPECT_FALSE(ParseCallContext(long_id.map(), kNow, std::nullopt, kPolicy).ok());
}

TEST(EffectiveDeadlineTest, DefaultWhenTheClientSetNone) {
  EXPECT_EQ(EffectiveDeadline(kNow, std::nullopt, kPolicy), kNow + 10s);
}

TEST(EffectiveDeadlineTest, TheClientsDeadlineWithinTheCap) {
  EXPECT_EQ(EffectiveDeadline(kNow, kNow + 2s, kPolicy), kNow + 2s);
  EXPECT_EQ(EffectiveDeadline(kNow, kNow + 1h, kPolicy), kNow + 60s);
  EXPECT_EQ(EffectiveDeadline(kNow, kNow - 1s, kPolicy), kNow - 1s);
}

TEST(EffectiveDeadlineTest, TheCapAlsoBoundsTheDefault) {
  EXPECT_EQ(EffectiveDeadline(kNow, std::nullopt, {.default_timeout = 5min, .max_timeout = 1min}),
            kNow + 1min);
}

TEST(ParseCallContextTest, SetsTheDeadline) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "a"}}};
  auto call = ParseCallContext(metadata.map(), kNow, kNow + 3s, kPolicy);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->deadline, kNow + 3s);
  EXPECT_EQ(call->StepDeadline(kNow + 1s), kNow + 3s);  // a unary call has one deadline
}

TEST(ParseCallContextTest, AStreamWithoutAClientDeadlineGetsTheDefaultPerStep) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "a"}}};
  auto call = ParseCallContext(metadata.map(), kNow, std::nullopt, kPolicy, CallShape::kStream);
  ASSERT_TRUE(call.ok());
  EXPECT_FALSE(call->expired());
  EXPECT_EQ(call->StepDeadline(kNow), kNow + 10s);
  EXPECT_EQ(call->StepDeadline(kNow + 1h), kNow + 1h + 10s);  // no overall limit
}

TEST(ParseCallContextTest, AStreamsClientDeadlineBoundsItUncappedAndEachStepByTheCap) {
  TestMetadata metadata{{{"x-ipraktik-tenant", "a"}}};
  auto call = ParseCallContext(metadata.map(), kNow, kNow + 2h, kPolicy, CallShape::kStream);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->deadline, kNow + 2h);
  EXPECT_EQ(call->StepDeadline(kNow + 1h), kNow + 1h + 60s);
  EXPECT_EQ(call->StepDeadline(kNow + 2h - 1s), kNow + 2h);
}

}  // namespace
}  // namespace ipraktik::server
