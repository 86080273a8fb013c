// The pure decisions of libs/access: the key format, the roles an RPC declares, and whether a
// key's record may make a call; no Redis.
#include "ipraktik/access/access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/evaluation.pb.h"
#include "ipraktik/v1/keys.pb.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/notification.pb.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::access {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

const google::protobuf::MethodDescriptor& Method(const google::protobuf::Descriptor* request) {
  const auto* method = MethodOf(*request);
  EXPECT_NE(method, nullptr) << request->full_name();
  return *method;
}

KeyRecord Record(v1::AccessRole role) {
  return KeyRecord{.key_id = "key-0123456789abcdef",
                   .tenant = "holstebro",
                   .role = role,
                   .label = "test",
                   .create_time = kNow - absl::Hours(1),
                   .expire_time = kNow + absl::Hours(1),
                   .revoked = false,
                   .last_used_time = std::nullopt};
}

TEST(MethodOf, FindsTheRpcOfARequestType) {
  const auto& method = Method(v1::GetRoundRequest::descriptor());
  EXPECT_EQ(method.full_name(), "ipraktik.v1.RegistrationService.GetRound");
  EXPECT_EQ(MethodOf(*v1::Round::descriptor()), nullptr);  // not a request
}

TEST(Declarations, AreReadFromTheProto) {
  // The matching service's key reads a participant to check a pin names a real intern.
  EXPECT_THAT(AllowedRoles(Method(v1::GetParticipantRequest::descriptor())),
              ElementsAre(v1::ACCESS_ROLE_COORDINATOR, v1::ACCESS_ROLE_SERVICE));
  EXPECT_EQ(AuditOf(Method(v1::GetParticipantRequest::descriptor())), v1::AUDIT_KIND_PERSONAL_READ);
  EXPECT_EQ(AuditOf(Method(v1::TransitionRoundRequest::descriptor())), v1::AUDIT_KIND_PRIVILEGED);
  EXPECT_TRUE(ForParticipants(Method(v1::LookupEvaluationRequest::descriptor())));
  EXPECT_FALSE(ForParticipants(Method(v1::GetRoundRequest::descriptor())));
}

TEST(CheckDeclared, AcceptsEveryServiceOfTheProject) {
  // A request type of each service's file, which also links its descriptors into this test.
  for (const auto* request :
       {v1::GetRoundRequest::descriptor(), v1::CreateApiKeyRequest::descriptor(),
        v1::GetMatchingJobRequest::descriptor(), v1::GetDeliveryRequest::descriptor(),
        v1::GetEvaluationReportRequest::descriptor()}) {
    const std::string& service = MethodOf(*request)->service()->full_name();
    EXPECT_TRUE(CheckDeclared(service).ok()) << CheckDeclared(service);
  }
  EXPECT_EQ(CheckDeclared("ipraktik.v1.NoSuchService").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Roles, HaveNames) {
  EXPECT_EQ(RoleName(v1::ACCESS_ROLE_COORDINATOR), "coordinator");
  EXPECT_EQ(ParseRole("reader"), v1::ACCESS_ROLE_READER);
  EXPECT_EQ(ParseRole("unspecified"), std::nullopt);
  EXPECT_EQ(ParseRole("boss"), std::nullopt);
}

TEST(BearerKey, AcceptsOnlyAWellFormedKey) {
  auto key = tokens::NewToken(kKeyKind);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(BearerKey("Bearer " + *key).value_or(""), *key);
  EXPECT_EQ(BearerKey(std::nullopt).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(BearerKey(*key).status().code(), absl::StatusCode::kUnauthenticated);
  std::string typo = *key;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  auto refused = BearerKey("Bearer " + typo);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(refused.status().message()), Not(HasSubstr(typo)));
  auto evaluation_link = tokens::NewToken("ipe");
  EXPECT_EQ(BearerKey("Bearer " + *evaluation_link).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Decide, LetsAnAllowedRoleActInItsTenant) {
  auto caller = Decide(Record(v1::ACCESS_ROLE_COORDINATOR), kNow,
                       Method(v1::GetRoundRequest::descriptor()), std::nullopt);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->tenant, "holstebro");
  EXPECT_EQ(caller->key_id, "key-0123456789abcdef");
  EXPECT_EQ(caller->role, v1::ACCESS_ROLE_COORDINATOR);
}

TEST(Decide, RefusesRevokedAndExpiredKeys) {
  const auto& method = Method(v1::GetRoundRequest::descriptor());
  KeyRecord revoked = Record(v1::ACCESS_ROLE_COORDINATOR);
  revoked.revoked = true;
  EXPECT_EQ(Decide(revoked, kNow, method, std::nullopt).status().code(),
            absl::StatusCode::kUnauthenticated);
  KeyRecord expired = Record(v1::ACCESS_ROLE_COORDINATOR);
  expired.expire_time = kNow;
  EXPECT_EQ(Decide(expired, kNow, method, std::nullopt).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Decide, RefusesARoleTheRpcDoesNotAllow) {
  auto denied = Decide(Record(v1::ACCESS_ROLE_READER), kNow,
                       Method(v1::GetRoundRequest::descriptor()), std::nullopt);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(denied.status().message()), HasSubstr("reader"));
  EXPECT_EQ(Decide(Record(v1::ACCESS_ROLE_PARTNER), kNow,
                   Method(v1::GetParticipantRequest::descriptor()), std::nullopt)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(Decide, OnlyOperatorAndServiceKeysNameAnotherTenant) {
  const auto& report = Method(v1::GetEvaluationReportRequest::descriptor());
  auto acting = Decide(Record(v1::ACCESS_ROLE_OPERATOR), kNow, report, "aarhus");
  ASSERT_TRUE(acting.ok()) << acting.status();
  EXPECT_EQ(acting->tenant, "aarhus");
  EXPECT_EQ(Decide(Record(v1::ACCESS_ROLE_COORDINATOR), kNow, report, "aarhus").status().code(),
            absl::StatusCode::kPermissionDenied);
  // Naming its own tenant is harmless.
  EXPECT_TRUE(Decide(Record(v1::ACCESS_ROLE_COORDINATOR), kNow, report, "holstebro").ok());
  auto snapshot = Decide(Record(v1::ACCESS_ROLE_SERVICE), kNow,
                         Method(v1::ExportRoundSnapshotRequest::descriptor()), "aarhus");
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->tenant, "aarhus");
}

TEST(LastUse, IsWrittenAtMostOnceAMinute) {
  KeyRecord record = Record(v1::ACCESS_ROLE_COORDINATOR);
  EXPECT_TRUE(LastUseIsStale(record, kNow));
  record.last_used_time = kNow - absl::Seconds(59);
  EXPECT_FALSE(LastUseIsStale(record, kNow));
  record.last_used_time = kNow - absl::Seconds(60);
  EXPECT_TRUE(LastUseIsStale(record, kNow));
}

}  // namespace
}  // namespace ipraktik::access
