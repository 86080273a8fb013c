// The token bucket's decision, against a private Redis, at times the test names: a full bucket
// allows its burst at once, then one call per interval; a refusal says exactly how long until the
// next call fits and takes nothing; buckets are per tenant and per name, and an idle bucket's key
// expires once it would be full again.
#include "ipraktik/ratelimit/ratelimit.h"

#include <gtest/gtest.h>

#include "redis_test.h"

namespace ipraktik::ratelimit {
namespace {

class RateLimitTest : public testing::RedisTest {
 protected:
  // A fixed start, so every time in a test is exact.
  const absl::Time start_ = absl::FromUnixSeconds(1'800'000'000);

  bool Allowed(const Limiter& limiter, absl::Duration at, std::string_view bucket = "tenant") {
    auto decision = limiter.Take("holstebro", bucket, start_ + at);
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.ok() && decision->allowed;
  }
};

TEST_F(RateLimitTest, ABurstPassesThenOneCallPerInterval) {
  Limiter limiter(*redis_, {.per_second = 10, .burst = 3});  // one call per 100 ms
  EXPECT_TRUE(Allowed(limiter, absl::ZeroDuration()));
  EXPECT_TRUE(Allowed(limiter, absl::ZeroDuration()));
  EXPECT_TRUE(Allowed(limiter, absl::ZeroDuration()));
  auto refused = limiter.Take("holstebro", "tenant", start_);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->retry_after, absl::Milliseconds(100));
  // Halfway through the interval the wait is half as long, and the refusals took nothing.
  auto later = limiter.Take("holstebro", "tenant", start_ + absl::Milliseconds(50));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->retry_after, absl::Milliseconds(50));
  EXPECT_TRUE(Allowed(limiter, absl::Milliseconds(100)));
  EXPECT_FALSE(Allowed(limiter, absl::Milliseconds(100)));
  // A long pause fills the bucket up to the burst, no further.
  EXPECT_TRUE(Allowed(limiter, absl::Seconds(60)));
  EXPECT_TRUE(Allowed(limiter, absl::Seconds(60)));
  EXPECT_TRUE(Allowed(limiter, absl::Seconds(60)));
  EXPECT_FALSE(Allowed(limiter, absl::Seconds(60)));
}

TEST_F(RateLimitTest, BucketsArePerTenantAndPerName) {
  Limiter limiter(*redis_, {.per_second = 1, .burst = 1});
  EXPECT_TRUE(Allowed(limiter, absl::ZeroDuration(), "key:k-1"));
  EXPECT_FALSE(Allowed(limiter, absl::ZeroDuration(), "key:k-1"));
  EXPECT_TRUE(Allowed(limiter, absl::ZeroDuration(), "key:k-2"));
  auto other_tenant = limiter.Take("aarhus", "key:k-1", start_);
  ASSERT_TRUE(other_tenant.ok());
  EXPECT_TRUE(other_tenant->allowed);
}

TEST_F(RateLimitTest, AnIdleBucketLeavesNothingBehind) {
  // One call a second, so the key's life is long beside any pause of a loaded machine between
  // the call and the PTTL (at 100 calls a second the 10 ms key had expired before it was read).
  Limiter limiter(*redis_, {.per_second = 1, .burst = 5});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.Take("holstebro", "key:k-1").ok());  // Redis's own clock
  }
  auto ttl = redis_->Command({"PTTL", "ipraktik:{holstebro}:ratelimit:key:k-1"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer(), 0);
  // Three 1 s intervals taken, plus a millisecond of rounding: the key lives until the bucket
  // is full again, no longer.
  EXPECT_LE(ttl->integer(), 3'001);
}

TEST_F(RateLimitTest, ALimitOfZeroIsOff) {
  Limiter limiter(*redis_, {.per_second = 0, .burst = 1});
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Allowed(limiter, absl::ZeroDuration()));
  auto keys = redis_->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->elements().empty());
}

}  // namespace
}  // namespace ipraktik::ratelimit
