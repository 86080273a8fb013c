// The key scheme and reply values: pure logic, no server.
#include <gtest/gtest.h>

#include "ipraktik/store/keys.h"
#include "ipraktik/store/reply.h"

namespace ipraktik::store {
namespace {

// What Redis Cluster hashes: the part between the first '{' and the first '}' after it, when
// that part is not empty; the whole key otherwise.
std::string_view ClusterHashPart(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

TEST(KeysTest, BuildsKeysUnderTheTenantHashTag) {
  auto keys = TenantKeys::For("aarhus-kommune");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->Key("participant", "p-17"), "ipraktik:{aarhus-kommune}:participant:p-17");
  EXPECT_EQ(keys->Key("outbox"), "ipraktik:{aarhus-kommune}:outbox");
  EXPECT_EQ(keys->HashTag(), "{aarhus-kommune}");
}

TEST(KeysTest, EveryKeyOfATenantHashesToTheTenantEvenWithBracesInTheId) {
  auto keys = TenantKeys::For("kk");
  ASSERT_TRUE(keys.ok());
  for (std::string_view id : {"1", "{other}", "}", "a{b}c", "{", ""}) {
    EXPECT_EQ(ClusterHashPart(keys->Key("thing", id)), "kk") << id;
  }
  EXPECT_EQ(ClusterHashPart(keys->Key("outbox")), "kk");
}

TEST(KeysTest, RefusesTenantsThatCouldLeaveTheirHashTag) {
  for (std::string_view bad :
       {"", "a}b", "{a", "a:b", "a*", "a?", "a[b]", "A", "a b", "-a", "_a", "æble", "a\n"}) {
    absl::Status status = ValidateTenant(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << "tenant \"" << bad << "\"";
    EXPECT_FALSE(TenantKeys::For(bad).ok());
  }
  EXPECT_FALSE(ValidateTenant(std::string(65, 'a')).ok());
  for (std::string_view good : {"a", "0", "national", "region-midt", "kk_2026", "9a-b_c"}) {
    EXPECT_TRUE(ValidateTenant(good).ok()) << good;
  }
  EXPECT_TRUE(ValidateTenant(std::string(64, 'a')).ok());
}

TEST(KeysTest, FindsTheTenantOfAKey) {
  EXPECT_EQ(TenantOfKey("ipraktik:{odense}:participant:p-1"), "odense");
  EXPECT_EQ(TenantOfKey("ipraktik:{odense}:outbox"), "odense");
  EXPECT_EQ(TenantOfKey("ipraktik:outbox:tenants"), std::nullopt);
  EXPECT_EQ(TenantOfKey("other:{odense}:x"), std::nullopt);
  EXPECT_EQ(TenantOfKey("ipraktik:{Bad}:x"), std::nullopt);
  EXPECT_EQ(TenantOfKey("ipraktik:{unterminated"), std::nullopt);
}

TEST(ReplyTest, HoldsEveryTypeAsAValue) {
  Reply array =
      Reply::Array({Reply::Integer(1), Reply::String("a"), Reply::Nil(), Reply::Status("OK"),
                    Reply::Error("ERR x"), Reply::Array({Reply::Integer(2)})});
  EXPECT_EQ(array.DebugString(), "[1, \"a\", nil, OK, (error) ERR x, [2]]");
  ASSERT_EQ(array.elements().size(), 6u);
  EXPECT_EQ(array.elements()[0].integer(), 1);
  EXPECT_EQ(array.elements()[1].str(), "a");
  EXPECT_TRUE(array.elements()[2].is_nil());
  EXPECT_TRUE(array.elements()[3].is_status());
  EXPECT_TRUE(array.elements()[4].is_error());
  EXPECT_EQ(array, array);
  EXPECT_NE(Reply::String("OK"), Reply::Status("OK"));
  // Asking for the wrong kind gives the empty value, never undefined behaviour.
  EXPECT_EQ(Reply::Integer(3).str(), "");
  EXPECT_EQ(Reply::String("3").integer(), 0);
  EXPECT_TRUE(Reply::Nil().elements().empty());
}

TEST(ReplyTest, ErrorRepliesBecomeStatusesWithTheCodeTheScriptChose) {
  EXPECT_EQ(ErrorReplyToStatus("INVALID_ARGUMENT amount must be positive"),
            absl::InvalidArgumentError("amount must be positive"));
  EXPECT_EQ(ErrorReplyToStatus("FAILED_PRECONDITION insufficient funds").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReplyToStatus("NOT_FOUND round r-1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReplyToStatus("ALREADY_EXISTS").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReplyToStatus("LOADING Redis is loading the dataset in memory").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReplyToStatus("NOSCRIPT No matching script").code(), absl::StatusCode::kNotFound);
  // A failover under way: a demoted node, or a primary without the replicas it requires.
  EXPECT_EQ(ErrorReplyToStatus("READONLY You can't write against a read only replica.").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReplyToStatus("NOREPLICAS Not enough good replicas to write.").code(),
            absl::StatusCode::kUnavailable);
  absl::Status wrong_type = ErrorReplyToStatus("WRONGTYPE Operation against a key");
  EXPECT_EQ(wrong_type.code(), absl::StatusCode::kInternal);
  EXPECT_NE(wrong_type.message().find("WRONGTYPE"), absl::string_view::npos);
  EXPECT_TRUE(Reply::String("x").ToStatus().ok());
  EXPECT_EQ(Reply::Error("ABORTED retry").ToStatus().code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace ipraktik::store
