// The pieces of the graceful stop. A program of its own: SIGTERM sent to this process must find
// every thread with the signal blocked, which only holds when no thread was started before the
// SignalWatcher (other test programs start gRPC threads).
#include "ipraktik/server/shutdown.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace ipraktik::server {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

logging::Logger QuietLogger() {
  return logging::Logger("test", logging::Level::kInfo, [](std::string_view) {});
}

TEST(SignalWatcherTest, SigtermEndsTheWaitAndASecondSignalCallsBack) {
  SignalWatcher watcher;
  std::atomic<int> repeated = 0;
  watcher.OnRepeatedSignal([&](int signal) { repeated = signal; });
  ::kill(::getpid(), SIGTERM);
  auto stop = watcher.Wait();
  EXPECT_EQ(stop.reason, "SIGTERM");
  EXPECT_TRUE(stop.from_signal);
  ::kill(::getpid(), SIGINT);
  for (int i = 0; i < 500 && repeated == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(repeated, SIGINT);
}

TEST(SignalWatcherTest, StopEndsTheWaitWithItsReason) {
  SignalWatcher watcher;
  EXPECT_FALSE(watcher.WaitFor(10ms).has_value());
  std::thread failing([&] { watcher.Stop("the bus is gone for good"); });
  auto stop = watcher.Wait();
  failing.join();
  EXPECT_EQ(stop.reason, "the bus is gone for good");
  EXPECT_FALSE(stop.from_signal);
  // The first reason stays.
  watcher.Stop("another");
  EXPECT_EQ(watcher.Wait().reason, "the bus is gone for good");
}

TEST(ShutdownStepsTest, RunLastRegisteredFirstAndOnlyOnce) {
  ShutdownSteps steps;
  std::vector<std::string> order;
  steps.Add("close bus", [&] { order.push_back("close bus"); });
  steps.Add("stop consumer", [&] { order.push_back("stop consumer"); });
  steps.Run(QuietLogger());
  steps.Run(QuietLogger());
  EXPECT_THAT(order, ElementsAre("stop consumer", "close bus"));
  EXPECT_EQ(steps.current(), "");
}

TEST(WatchdogTest, DisarmedInTimeDoesNothing) {
  bool expired = false;
  {
    Watchdog watchdog(10s, [&] { expired = true; });
  }
  EXPECT_FALSE(expired);
}

TEST(WatchdogDeathTest, AHangingShutdownEndsTheProcessWithCode1) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        Watchdog watchdog(50ms, [] { std::fputs("shutdown hung\n", stderr); });
        std::this_thread::sleep_for(10s);
      },
      ::testing::ExitedWithCode(1), "shutdown hung");
}

}  // namespace
}  // namespace ipraktik::server
