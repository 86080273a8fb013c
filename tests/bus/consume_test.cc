// Consumers against a real broker: a message held by a consumer that dies is redelivered to
// another; failing messages are retried with backoff and then dead-lettered with the reason; a
// malformed message is dead-lettered at once without holding up good ones; a handler running
// far longer than the heartbeat interval is acked once; Stop() is prompt.

#include <poll.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

#include "bus_testing.h"

namespace ipraktik::bus::testing {
namespace {

using ::testing::HasSubstr;

class ConsumeTest : public BrokerTest {
 protected:
  static void Publish(const QueueSpec& spec, const std::vector<Message>& messages) {
    PublisherOptions options;
    options.connection = TestConnection(*broker_, "consume-publisher");
    options.queues = {spec};
    auto publisher = Publisher::Create(std::move(options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    ASSERT_TRUE(publisher->PublishBatch(messages).ok());
  }
  static ConsumerOptions Options(const QueueSpec& spec, prometheus::Registry* registry = nullptr) {
    ConsumerOptions options;
    options.connection = TestConnection(*broker_, "consumer-" + spec.name);
    options.connection.metrics = registry;
    options.queue = spec;
    options.prefetch = 1;
    return options;
  }
  // Waits for the next message on the queue (dead-letter copies arrive asynchronously).
  static std::optional<Delivery> TakeEventually(Admin& admin, const std::string& queue) {
    std::optional<Delivery> taken;
    WaitFor(
        [&] {
          auto got = admin.Take(queue);
          if (got.ok() && got->has_value()) taken = **got;
          return taken.has_value();
        },
        20s);
    return taken;
  }
  static std::uint32_t Ready(Admin& admin, const std::string& queue) {
    auto info = admin.InspectQueue(queue);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? info->messages : 0;
  }
  static std::string MetricsText(prometheus::Registry& registry) {
    return prometheus::TextSerializer().Serialize(registry.Collect());
  }
};

// Runs a consumer in a child process that reports the message it got and then never acks it,
// and SIGKILLs it: a consumer crashing while holding a message. Returns the message id, or ""
// when no message came within the timeout. Forking is only safe while this process has a
// single thread: the tests that use it run first, before any consumer thread was started.
std::string ConsumeAndDie(const ConsumerOptions& options, std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe(fds) != 0) return "";
  pid_t child = ::fork();
  if (child < 0) return "";
  if (child == 0) {
    ::close(fds[0]);
    auto consumer = Consumer::Create(options, [&](const Delivery& delivery) {
      std::string line = delivery.message_id + "\n";
      [[maybe_unused]] ssize_t n = ::write(fds[1], line.data(), line.size());
      for (;;) ::pause();
      return Outcome::Ack();
    });
    if (consumer.ok()) consumer->Run().IgnoreError();
    ::_exit(1);
  }
  ::close(fds[1]);
  std::string id;
  pollfd readable{fds[0], POLLIN, 0};
  if (::poll(&readable, 1, static_cast<int>(timeout.count())) == 1) {
    char buffer[128] = {};
    ssize_t n = ::read(fds[0], buffer, sizeof buffer - 1);
    if (n > 1) id.assign(buffer, static_cast<std::size_t>(n) - 1);
  }
  ::close(fds[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  return id;
}

TEST_F(ConsumeTest, MessageOfAKilledConsumerIsRedeliveredToAnother) {
  QueueSpec spec = TestQueue("work.killed", {"test.killed"});
  Publish(spec, {Event("test.killed", "job-1")});

  ASSERT_EQ(ConsumeAndDie(Options(spec), 30s), "job-1");

  RunningConsumer survivor(Options(spec), [](const Delivery&) { return Outcome::Ack(); });
  ASSERT_TRUE(WaitFor([&] { return survivor.SeenCount() >= 1; }, 30s));
  ASSERT_TRUE(survivor.Stop().ok());
  std::vector<Delivery> seen = survivor.Seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].message_id, "job-1");
  EXPECT_TRUE(seen[0].redelivered);
  EXPECT_GE(seen[0].delivery_count, 1);
  EXPECT_EQ(seen[0].attempt, 1);

  Admin admin = MakeAdmin();
  EXPECT_EQ(Ready(admin, spec.name), 0u);
}

TEST_F(ConsumeTest, MessageThatKeepsCrashingConsumersEndsInTheDeadLetterQueue) {
  QueueSpec spec = TestQueue("work.poison", {"test.poison"});
  spec.delivery_limit = 2;
  Publish(spec, {Event("test.poison", "poison"), Event("test.poison", "fine")});

  // Each crash returns the message to the queue; past the delivery limit the broker moves it
  // to the dead-letter queue by itself.
  int crashes = 0;
  for (; crashes < 6; ++crashes) {
    std::string id = ConsumeAndDie(Options(spec), 5s);
    if (id != "poison") break;
  }
  EXPECT_EQ(crashes, 3);  // delivered 1 + delivery_limit times

  Admin admin = MakeAdmin();
  std::optional<Delivery> dead = TakeEventually(admin, DeadLetterQueueName(spec.name));
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->message_id, "poison");
  EXPECT_EQ(dead->headers.at("x-first-death-reason"), "delivery_limit");
  // The message behind it was not held up for good: it is still there for a healthy consumer.
  std::optional<Delivery> fine = TakeEventually(admin, spec.name);
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(fine->message_id, "fine");
}

TEST_F(ConsumeTest, FailingMessageIsRetriedWithBackoffThenDeadLetteredWithTheReason) {
  prometheus::Registry registry;
  QueueSpec spec = TestQueue("work.failing", {"test.failing.#"}, 3);
  RunningConsumer consumer(Options(spec, &registry), [](const Delivery& delivery) -> Outcome {
    if (delivery.message_id == "throws") throw std::runtime_error("boom");
    return Outcome::Retry("database unavailable");
  });
  Publish(spec, {Event("test.failing.one", "fails"), Event("test.failing.two", "throws")});

  Admin admin = MakeAdmin();
  std::map<std::string, Delivery> dead;
  for (int i = 0; i < 2; ++i) {
    std::optional<Delivery> taken = TakeEventually(admin, DeadLetterQueueName(spec.name));
    ASSERT_TRUE(taken.has_value()) << "nothing reached the dead-letter queue";
    dead.emplace(taken->message_id, *taken);
  }
  ASSERT_TRUE(consumer.Stop().ok());

  const Delivery& fails = dead.at("fails");
  EXPECT_EQ(fails.headers.at(std::string(kDeathReasonHeader)),
            "gave up after 3 attempts: database unavailable");
  EXPECT_EQ(fails.headers.at(std::string(kAttemptsHeader)), "3");
  EXPECT_EQ(fails.headers.at(std::string(kOriginalRoutingKeyHeader)), "test.failing.one");
  EXPECT_EQ(fails.headers.at(std::string(kDeadLetteredFromHeader)), spec.name);
  EXPECT_EQ(fails.routing_key, "test.failing.one");
  EXPECT_EQ(fails.body, "payload of fails");
  EXPECT_EQ(fails.correlation_id, "corr-fails");
  EXPECT_THAT(dead.at("throws").headers.at(std::string(kDeathReasonHeader)),
              HasSubstr("handler threw: boom"));

  // The handler saw each message three times, attempts 1, 2, 3, with the original routing key.
  std::map<std::string, std::vector<int>> attempts;
  for (const Delivery& delivery : consumer.Seen()) {
    attempts[delivery.message_id].push_back(delivery.attempt);
    EXPECT_THAT(delivery.routing_key, HasSubstr("test.failing."));
  }
  EXPECT_EQ(attempts["fails"], (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(attempts["throws"], (std::vector<int>{1, 2, 3}));
  for (const Delivery& delivery : consumer.Seen()) {
    if (delivery.attempt == 2 && delivery.message_id == "fails") {
      EXPECT_EQ(delivery.headers.at(std::string(kRetryReasonHeader)), "database unavailable");
    }
  }

  EXPECT_EQ(Ready(admin, spec.name), 0u);
  EXPECT_EQ(Ready(admin, DeadLetterQueueName(spec.name)), 0u);
  std::string text = MetricsText(registry);
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(ipraktik_bus_consumed_messages_total{outcome="retried",queue="work.failing"} 4)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(ipraktik_bus_consumed_messages_total{outcome="dead_lettered",queue="work.failing"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(ipraktik_bus_handler_errors_total{queue="work.failing"} 3)"));
  EXPECT_THAT(text,
              HasSubstr(R"(ipraktik_bus_handler_duration_seconds_count{queue="work.failing"} 6)"));
}

TEST_F(ConsumeTest, MalformedMessageIsDeadLetteredAtOnceWithoutBlockingGoodOnes) {
  QueueSpec spec = TestQueue("work.mixed", {"test.mixed"});
  RunningConsumer consumer(Options(spec), [](const Delivery& delivery) {
    if (delivery.body == "not an envelope") {
      return Outcome::DeadLetter("malformed: cannot parse the envelope");
    }
    return Outcome::Ack();
  });
  std::vector<Message> messages;
  Message malformed = Event("test.mixed", "bad");
  malformed.body = "not an envelope";
  messages.push_back(malformed);
  for (int i = 0; i < 5; ++i) messages.push_back(Event("test.mixed", "good-" + std::to_string(i)));
  Publish(spec, messages);

  ASSERT_TRUE(WaitFor([&] { return consumer.SeenCount() >= 6; }, 20s));
  Admin admin = MakeAdmin();
  std::optional<Delivery> dead = TakeEventually(admin, DeadLetterQueueName(spec.name));
  ASSERT_TRUE(dead.has_value());
  ASSERT_TRUE(consumer.Stop().ok());
  EXPECT_EQ(dead->message_id, "bad");
  EXPECT_EQ(dead->headers.at(std::string(kDeathReasonHeader)),
            "malformed: cannot parse the envelope");
  EXPECT_EQ(dead->headers.at(std::string(kAttemptsHeader)), "1");
  EXPECT_EQ(consumer.SeenCount(), 6u);  // each handled once: the malformed one was not retried
  EXPECT_EQ(Ready(admin, spec.name), 0u);
  EXPECT_EQ(Ready(admin, DeadLetterQueueName(spec.name)), 0u);
}

TEST_F(ConsumeTest, HandlerRunningLongerThanThreeHeartbeatsIsAckedOnce) {
  prometheus::Registry registry;
  QueueSpec spec = TestQueue("work.long", {"test.long"});
  ConsumerOptions options = Options(spec, &registry);
  options.connection.heartbeat = std::chrono::seconds(2);
  std::atomic<bool> handler_running = false;
  RunningConsumer consumer(options, [&](const Delivery& delivery) {
    if (delivery.message_id == "marker") return Outcome::Ack();
    handler_running = true;
    std::this_thread::sleep_for(8s);  // 4x the heartbeat, with no library call on this thread
    handler_running = false;
    return Outcome::Ack();
  });
  Publish(spec, {Event("test.long", "matching-run")});

  ASSERT_TRUE(WaitFor([&] { return handler_running.load(); }, 20s));
  // The broker really uses the short heartbeat on this connection (the only one now open).
  EXPECT_THAT(broker_->Ctl({"list_connections", "timeout"}), HasSubstr("timeout\n2\n"));
  ASSERT_TRUE(WaitFor([&] { return consumer.SeenCount() == 1 && !handler_running; }, 20s));
  // A later message is the marker: a redelivery after a dropped connection would come before it.
  Publish(spec, {Event("test.long", "marker")});
  ASSERT_TRUE(WaitFor([&] { return consumer.Seen().back().message_id == "marker"; }, 20s));
  ASSERT_TRUE(consumer.Stop().ok());

  ASSERT_EQ(consumer.SeenCount(), 2u);
  EXPECT_FALSE(consumer.Seen()[0].redelivered);
  Admin admin = MakeAdmin();
  EXPECT_EQ(Ready(admin, spec.name), 0u);  // acked: not back in the queue after the close
  std::string text = MetricsText(registry);
  EXPECT_THAT(
      text,
      HasSubstr(R"(ipraktik_bus_consumed_messages_total{outcome="acked",queue="work.long"} 2)"));
  // The heartbeats kept the connection: its reconnect counter stayed at zero.
  EXPECT_THAT(text, HasSubstr(R"(ipraktik_bus_reconnects_total{role="consumer"} 0)"));
}

TEST_F(ConsumeTest, StopIsPromptAndAnInterruptedMessageGoesBackUnharmed) {
  QueueSpec spec = TestQueue("work.interrupted", {"test.interrupted"});
  std::atomic<bool> handler_running = false;
  ConsumerOptions options = Options(spec);
  options.shutdown_grace = Duration(60'000);
  RunningConsumer consumer(options, [&](const Delivery& delivery) {
    handler_running = true;
    while (!delivery.stop.stop_requested()) std::this_thread::sleep_for(10ms);
    return Outcome::Retry("interrupted by shutdown");
  });
  Publish(spec, {Event("test.interrupted", "long-job")});
  ASSERT_TRUE(WaitFor([&] { return handler_running.load(); }, 20s));

  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(consumer.Stop().ok());
  // Returned because the handler finished, not because the grace period ran out.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);

  // Back in the queue as it was: no attempt used, nothing dead-lettered.
  Admin admin = MakeAdmin();
  EXPECT_EQ(Ready(admin, DeadLetterQueueName(spec.name)), 0u);
  std::optional<Delivery> back = TakeEventually(admin, spec.name);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->message_id, "long-job");
  EXPECT_EQ(back->attempt, 1);
}

}  // namespace
}  // namespace ipraktik::bus::testing
