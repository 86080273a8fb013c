// The handler executor on its own: work runs on its threads, a full queue refuses at once with a
// retry delay (and counts it), and stopping runs what was queued.
#include "ipraktik/server/executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>

#include "ipraktik/errors/errors.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace ipraktik::server {
namespace {

using ::testing::HasSubstr;

TEST(ExecutorTest, WorkRunsOnAWorkerThread) {
  Executor executor({.threads = 2});
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(executor.Submit([&] { ran.set_value(std::this_thread::get_id()); }).ok());
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
}

TEST(ExecutorTest, AFullQueueRefusesWithARetryDelayAndRunsNothingOfIt) {
  prometheus::Registry registry;
  Executor executor({.threads = 1,
                     .queue_capacity = 2,
                     .retry_delay = absl::Milliseconds(300),
                     .metrics = &registry});
  std::latch started(1);
  std::latch release(1);
  std::atomic<int> ran{0};
  ASSERT_TRUE(executor
                  .Submit([&] {
                    started.count_down();
                    release.wait();
                    ++ran;
                  })
                  .ok());
  started.wait();  // the one worker is busy: whatever follows waits in the queue
  ASSERT_TRUE(executor.Submit([&] { ++ran; }).ok());
  ASSERT_TRUE(executor.Submit([&] { ++ran; }).ok());
  EXPECT_EQ(executor.queued(), 2u);

  absl::Status refused = executor.Submit([&] { ran += 100; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(errors::RetryDelayOf(refused), absl::Milliseconds(300));
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(text, HasSubstr("ipraktik_handler_rejected_total 1"));
  EXPECT_THAT(text, HasSubstr("ipraktik_handler_queued_calls 2"));
  EXPECT_THAT(text, HasSubstr("ipraktik_handler_busy_threads 1"));

  release.count_down();
  executor.Stop();  // runs what was queued
  EXPECT_EQ(ran, 3);
}

TEST(ExecutorTest, AfterStopNothingIsTaken) {
  Executor executor({.threads = 1});
  executor.Stop();
  bool ran = false;
  EXPECT_EQ(executor.Submit([&] { ran = true; }).code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace ipraktik::server
