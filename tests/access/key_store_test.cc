// API key records in a real Redis, and the Authenticator deciding calls from them.
#include "ipraktik/access/key_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_keys.h"
#include "ipraktik/access/authenticator.h"
#include "ipraktik/access/key_administration.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/registration.pb.h"
#include "redis_test.h"

namespace ipraktik::access {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class KeyStoreTest : public ipraktik::testing::RedisTest {
 protected:
  const google::protobuf::MethodDescriptor& GetRound() const {
    return *MethodOf(*v1::GetRoundRequest::descriptor());
  }
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(KeyStoreTest, StoresOnlyTheDigestAndFindsTheKey) {
  KeyStore keys(*redis_, "secret");
  auto created = keys.Create("holstebro", v1::ACCESS_ROLE_PARTNER, "Jobnet", now_, absl::Hours(1));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(tokens::CheckFormat(created->key, kKeyKind).ok());
  EXPECT_THAT(created->record.key_id, ::testing::StartsWith("key-"));
  auto all = redis_->Command({"KEYS", "*"});
  ASSERT_TRUE(all.ok());
  for (const auto& name : all->elements()) {
    EXPECT_THAT(name.str(), Not(HasSubstr(created->key.substr(4))));
    auto dump = redis_->Command({"DUMP", name.str()});
    EXPECT_THAT(dump->str(), Not(HasSubstr(created->key.substr(4))));
  }
  auto found = keys.Find(created->key);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->key_id, created->record.key_id);
  EXPECT_EQ(found->tenant, "holstebro");
  EXPECT_EQ(found->role, v1::ACCESS_ROLE_PARTNER);
  EXPECT_EQ(found->label, "Jobnet");
  EXPECT_EQ(found->expire_time, now_ + absl::Hours(1));
  EXPECT_EQ(found->last_used_time, std::nullopt);
  // Another secret knows no key.
  EXPECT_EQ(KeyStore(*redis_, "other").Find(created->key).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(KeyStoreTest, ListsAndRevokesWithinATenant) {
  KeyStore keys(*redis_, "secret");
  auto first = keys.Create("holstebro", v1::ACCESS_ROLE_READER, "a", now_, absl::Hours(1));
  auto second = keys.Create("holstebro", v1::ACCESS_ROLE_COORDINATOR, "b", now_ + absl::Seconds(1),
                            absl::Hours(1));
  auto other = keys.Create("aarhus", v1::ACCESS_ROLE_COORDINATOR, "c", now_, absl::Hours(1));
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  auto listed = keys.List("holstebro");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].label, "b");  // newest first
  EXPECT_EQ(keys.Revoke("aarhus", first->record.key_id).status().code(),
            absl::StatusCode::kNotFound);
  auto revoked = keys.Revoke("holstebro", first->record.key_id);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_TRUE(revoked->revoked);
  EXPECT_TRUE(keys.Find(first->key)->revoked);
  EXPECT_FALSE(keys.Find(second->key)->revoked);
}

TEST_F(KeyStoreTest, AuthenticatorDecidesAndRecordsTheLastUseOnceAMinute) {
  KeyStore keys(*redis_, "secret");
  absl::Time clock = now_;
  Authenticator authenticator(keys, [&clock] { return clock; });
  auto created = keys.Create("holstebro", v1::ACCESS_ROLE_COORDINATOR, "", now_, absl::Hours(1));
  ASSERT_TRUE(created.ok());
  const std::string bearer = "Bearer " + created->key;
  auto caller = authenticator.Authenticate(GetRound(), bearer, std::nullopt);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->tenant, "holstebro");
  EXPECT_EQ(keys.Find(created->key)->last_used_time, now_);
  clock = now_ + absl::Seconds(30);
  ASSERT_TRUE(authenticator.Authenticate(GetRound(), bearer, std::nullopt).ok());
  EXPECT_EQ(keys.Find(created->key)->last_used_time, now_);
  clock = now_ + absl::Seconds(61);
  ASSERT_TRUE(authenticator.Authenticate(GetRound(), bearer, std::nullopt).ok());
  EXPECT_EQ(keys.Find(created->key)->last_used_time, clock);

  auto unknown = tokens::NewToken(kKeyKind);
  EXPECT_EQ(
      authenticator.Authenticate(GetRound(), "Bearer " + *unknown, std::nullopt).status().code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(authenticator.Authenticate(GetRound(), std::nullopt, "holstebro").status().code(),
            absl::StatusCode::kUnauthenticated);
  clock = now_ + absl::Hours(2);
  EXPECT_EQ(authenticator.Authenticate(GetRound(), bearer, std::nullopt).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(KeyStoreTest, ParticipantCallsNeedNoKeyAndActInTheNamedTenant) {
  KeyStore keys(*redis_, "secret");
  Authenticator authenticator(keys);
  auto caller = authenticator.Authenticate(*MethodOf(*v1::LookupApprovalRequest::descriptor()),
                                           std::nullopt, "holstebro");
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->tenant, "holstebro");
  EXPECT_EQ(caller->role, v1::ACCESS_ROLE_PARTICIPANT);
  EXPECT_EQ(caller->key_id, "");
}

TEST_F(KeyStoreTest, TheTestHelperMintsAWorkingKey) {
  std::string key = ipraktik::testing::MintKey(*redis_, "odense", v1::ACCESS_ROLE_READER);
  auto found = KeyStore(*redis_, ipraktik::testing::kTestTokenSecret).Find(key);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tenant, "odense");
  EXPECT_EQ(found->role, v1::ACCESS_ROLE_READER);
}

TEST_F(KeyStoreTest, CoordinatorsManageTheirTenantsKeysButNotOperatorOrServiceKeys) {
  KeyStore keys(*redis_, "secret");
  KeyAdministration administration(keys, [this] { return now_; });
  const Caller coordinator{
      .tenant = "holstebro", .key_id = "key-c", .role = v1::ACCESS_ROLE_COORDINATOR};
  const Caller operator_in_holstebro{
      .tenant = "holstebro", .key_id = "key-o", .role = v1::ACCESS_ROLE_OPERATOR};
  v1::CreateApiKeyRequest partner;
  partner.set_role(v1::ACCESS_ROLE_PARTNER);
  partner.set_label("Jobnet");
  auto created = administration.Create(coordinator, partner);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(tokens::CheckFormat(created->key(), kKeyKind).ok());
  EXPECT_EQ(created->api_key().tenant(), "holstebro");
  EXPECT_EQ(created->api_key().expire_time().seconds(),
            absl::ToUnixSeconds(now_ + absl::Hours(24) * kDefaultValidDays));

  v1::CreateApiKeyRequest service;
  service.set_role(v1::ACCESS_ROLE_SERVICE);
  EXPECT_EQ(administration.Create(coordinator, service).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto service_key = administration.Create(operator_in_holstebro, service);
  ASSERT_TRUE(service_key.ok());
  v1::RevokeApiKeyRequest revoke_service;
  revoke_service.set_key_id(service_key->api_key().key_id());
  EXPECT_EQ(administration.Revoke(coordinator, revoke_service).status().code(),
            absl::StatusCode::kPermissionDenied);

  v1::CreateApiKeyRequest bad;
  bad.set_role(v1::ACCESS_ROLE_PARTICIPANT);
  bad.set_valid_days(kMaxValidDays + 1);
  EXPECT_EQ(administration.Create(coordinator, bad).status().code(),
            absl::StatusCode::kInvalidArgument);

  auto listed = administration.List(coordinator, {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->api_keys_size(), 2);
  v1::RevokeApiKeyRequest revoke_partner;
  revoke_partner.set_key_id(created->api_key().key_id());
  auto revoked = administration.Revoke(coordinator, revoke_partner);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_TRUE(revoked->api_key().revoked());
  // Another tenant's coordinator does not see it.
  const Caller aarhus{.tenant = "aarhus", .key_id = "key-a", .role = v1::ACCESS_ROLE_COORDINATOR};
  EXPECT_EQ(administration.Revoke(aarhus, revoke_partner).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ipraktik::access
