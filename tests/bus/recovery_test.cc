// A publisher and a consumer that keep working while the broker goes away and comes back, on
// their own: every message Publish confirmed is consumed, across a graceful restart and a crash.

#include <prometheus/registry.h>

#include <atomic>
#include <set>

#include "bus_testing.h"
#include "metric_value.h"

namespace ipraktik::bus::testing {
namespace {

using ipraktik::testing::CountOf;

class RecoveryTest : public BrokerTest {
 protected:
  // Publishes a numbered sequence from one thread and consumes it on another while `outage`
  // takes the broker away; checks that nothing confirmed was lost.
  void PublishAndConsumeAcross(const std::string& queue, const std::function<void()>& outage) {
    prometheus::Registry registry;
    QueueSpec spec = TestQueue(queue, {"test." + queue});
    {
      auto admin = Admin::Create(TestConnection(*broker_, "recovery-admin"));
      ASSERT_TRUE(admin.ok());
      ASSERT_TRUE(admin->Declare({&spec, 1}).ok());
    }
    // A quorum queue declared just before a broker crash can be lost by RabbitMQ 3.10.8 (see
    // durability_test.cc): give it the time it needs.
    std::this_thread::sleep_for(3s);

    ConsumerOptions consumer_options;
    consumer_options.connection = TestConnection(*broker_, "recovery-consumer");
    consumer_options.connection.metrics = &registry;
    consumer_options.queue = spec;
    consumer_options.prefetch = 5;
    std::mutex mutex;
    std::set<std::string> consumed;
    RunningConsumer consumer(consumer_options, [&](const Delivery& delivery) {
      std::lock_guard lock(mutex);
      consumed.insert(delivery.message_id);
      return Outcome::Ack();
    });

    PublisherOptions publisher_options;
    publisher_options.connection = TestConnection(*broker_, "recovery-publisher");
    publisher_options.connection.metrics = &registry;
    publisher_options.queues = {spec};
    publisher_options.publish_timeout = Duration(90'000);
    auto publisher = Publisher::Create(std::move(publisher_options));
    ASSERT_TRUE(publisher.ok());

    constexpr int kMessages = 150;
    std::vector<std::string> confirmed;
    std::vector<std::string> failed;
    std::atomic<int> published = 0;
    // A jthread: a failed assertion below ends the test with its message, not std::terminate.
    std::jthread publishing([&] {
      for (int i = 0; i < kMessages; ++i) {
        std::string id = queue + "-" + std::to_string(i);
        absl::Status status = publisher->Publish(Event("test." + queue, id));
        (status.ok() ? confirmed : failed)
            .push_back(id + (status.ok() ? "" : " " + status.ToString()));
        published = i + 1;
        std::this_thread::sleep_for(20ms);
      }
    });

    // The outage starts while both are busy.
    ASSERT_TRUE(WaitFor([&] { return published >= 20; }, 30s));
    outage();
    publishing.join();

    EXPECT_TRUE(failed.empty()) << "publishes failed across the outage, e.g. " << failed.front();
    auto all_consumed = [&] {
      std::lock_guard lock(mutex);
      for (const auto& id : confirmed) {
        if (!consumed.contains(id)) return false;
      }
      return true;
    };
    EXPECT_TRUE(WaitFor(all_consumed, 60s));
    ASSERT_TRUE(consumer.Stop().ok());
    {
      std::lock_guard lock(mutex);
      for (const auto& id : confirmed) EXPECT_TRUE(consumed.contains(id)) << id << " was lost";
    }
    EXPECT_EQ(confirmed.size(), static_cast<std::size_t>(kMessages));

    // Both really lost their connection and rebuilt it on their own.
    for (const char* role : {"consumer", "publisher"}) {
      EXPECT_GE(CountOf(registry, "ipraktik_bus_reconnects_total", {{"role", role}}), 1) << role;
    }
  }
};

TEST_F(RecoveryTest, PublisherAndConsumerRecoverFromAGracefulBrokerRestart) {
  PublishAndConsumeAcross("recover.stop", [] {
    broker_->Stop();
    broker_->Start();
  });
}

TEST_F(RecoveryTest, PublisherAndConsumerRecoverFromABrokerCrash) {
  PublishAndConsumeAcross("recover.kill", [] {
    broker_->Kill();
    broker_->Start();
  });
}

}  // namespace
}  // namespace ipraktik::bus::testing
