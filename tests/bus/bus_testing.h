#pragma once

// What the bus integration tests share: options pointing at the test broker, a consumer running
// on its own thread that records what it handled, and waiting for a condition.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/bus/publisher.h"
#include "local_servers.h"

namespace ipraktik::bus::testing {

using namespace std::chrono_literals;

inline ConnectionOptions TestConnection(const ipraktik::testing::RabbitMqServer& broker,
                                        std::string name) {
  ConnectionOptions options;
  options.url = broker.url();
  options.heartbeat = std::chrono::seconds(5);
  options.connect_timeout = Duration(2'000);
  options.reconnect = Backoff{Duration(100), Duration(1'000), 2.0, 0.2};
  options.connection_name = std::move(name);
  options.logger = logging::Logger("bus-test", logging::Level::kInfo);
  return options;
}

// Fast retries so that a test sees a message exhaust its attempts in about a second.
inline QueueSpec TestQueue(std::string name, std::vector<std::string> bindings,
                           int max_attempts = 3) {
  QueueSpec spec;
  spec.name = std::move(name);
  spec.bindings = std::move(bindings);
  spec.retry.max_attempts = max_attempts;
  spec.retry.initial_delay = Duration(200);
  spec.retry.multiplier = 2.0;
  spec.retry.max_delay = Duration(1'000);
  return spec;
}

inline Message Event(std::string routing_key, std::string id, bool mandatory = true) {
  Message message;
  message.routing_key = std::move(routing_key);
  message.message_id = id;
  message.type = message.routing_key;
  message.body = "payload of " + id;
  message.correlation_id = "corr-" + id;
  message.mandatory = mandatory;
  return message;
}

// A test suite against one private rabbitmq-server, started once for the suite.
class BrokerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { broker_ = std::make_unique<ipraktik::testing::RabbitMqServer>(); }
  static void TearDownTestSuite() { broker_.reset(); }

  // An admin connection to the suite's broker (declare, inspect, take, purge).
  static Admin MakeAdmin() {
    auto admin = Admin::Create(TestConnection(*broker_, "test-admin"));
    EXPECT_TRUE(admin.ok()) << admin.status();
    return *std::move(admin);
  }

  static inline std::unique_ptr<ipraktik::testing::RabbitMqServer> broker_;
};

inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

// Runs a Consumer on its own thread; records every delivery its handler saw.
class RunningConsumer {
 public:
  RunningConsumer(ConsumerOptions options, Handler handler) {
    auto consumer = Consumer::Create(std::move(options), [this, handler](const Delivery& d) {
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(d);
      }
      return handler(d);
    });
    EXPECT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = std::make_unique<Consumer>(*std::move(consumer));
    thread_ = std::thread([this] { result_ = consumer_->Run(); });
  }
  RunningConsumer(const RunningConsumer&) = delete;
  RunningConsumer& operator=(const RunningConsumer&) = delete;
  ~RunningConsumer() { Stop().IgnoreError(); }

  absl::Status Stop() {
    if (thread_.joinable()) {
      consumer_->Stop();
      thread_.join();
    }
    return result_;
  }
  bool Running() const { return consumer_->Running(); }
  std::vector<Delivery> Seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::size_t SeenCount() const {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Delivery> seen_;
  std::unique_ptr<Consumer> consumer_;
  absl::Status result_;
  std::thread thread_;
};

}  // namespace ipraktik::bus::testing
