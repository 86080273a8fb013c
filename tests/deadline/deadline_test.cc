// The current deadline: set by a scope on this thread only, never extended by an inner scope,
// restored at the scope's end; Check and Bound read it.
#include "ipraktik/deadline/deadline.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "absl/time/clock.h"

namespace ipraktik::deadline {
namespace {

TEST(DeadlineTest, WithoutAScopeThereIsNone) {
  EXPECT_FALSE(Current().has_value());
  EXPECT_TRUE(Check("work").ok());
  EXPECT_EQ(Bound(absl::Seconds(2)), absl::Seconds(2));
  EXPECT_FALSE(Shortens(absl::Seconds(2)));
}

TEST(DeadlineTest, AnInnerScopeNeverExtendsAnOuterOne) {
  const absl::Time soon = absl::Now() + absl::Minutes(1);
  {
    Scope outer(soon);
    EXPECT_EQ(Current(), soon);
    {
      Scope inner(soon + absl::Hours(1));
      EXPECT_EQ(Current(), soon);
    }
    {
      Scope inner(soon - absl::Seconds(30));
      EXPECT_EQ(Current(), soon - absl::Seconds(30));
    }
    EXPECT_EQ(Current(), soon);
    EXPECT_TRUE(Shortens(absl::Hours(1)));
    EXPECT_LE(Bound(absl::Hours(1)), absl::Minutes(1));
    EXPECT_EQ(Bound(absl::Seconds(2)), absl::Seconds(2));
  }
  EXPECT_FALSE(Current().has_value());
}

TEST(DeadlineTest, APassedDeadlineRefusesWorkAndStillBoundsByAMillisecond) {
  Scope scope(absl::Now() - absl::Seconds(1));
  absl::Status late = Check("the redis command");
  EXPECT_EQ(late.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(late.message(), "the call's deadline passed before the redis command was started");
  EXPECT_EQ(Bound(absl::Seconds(2)), absl::Milliseconds(1));  // never 0: that means no timeout
}

TEST(DeadlineTest, AScopeAppliesToItsOwnThreadOnly) {
  Scope scope(absl::Now() + absl::Minutes(1));
  std::optional<absl::Time> seen = absl::Now();
  std::thread other([&] { seen = Current(); });
  other.join();
  EXPECT_FALSE(seen.has_value());
}

}  // namespace
}  // namespace ipraktik::deadline
