// The per-service RabbitMQ and Redis users of `make run` (deploy/local/access.sh, made by
// `rabbitmq.sh users` and `redis.sh users`), tried with the project's own clients: guest is
// gone, each service reaches its own queues and keys only, and publishes only its own event types;
// none writes into a queue by name through the default exchange, yet each consumer still moves
// failed messages to its own retry and dead-letter queues.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/store/pool.h"
#include "local_servers.h"

namespace ipraktik {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rabbit_ = new testing::RabbitMqServer();
    rabbit_->MakeServiceUsers();
    redis_ = new testing::RedisServer();
    redis_->MakeServiceUsers();
  }
  static void TearDownTestSuite() {
    delete rabbit_;
    delete redis_;
  }

  // The one place this file connects to the broker, as user (url: amqp://user:password@...).
  static absl::StatusOr<bus::Admin> BrokerAs(const std::string& url) {
    bus::ConnectionOptions options;
    options.url = url;
    options.connection_name = "access-test";
    options.connect_timeout = 5s;
    options.rpc_timeout = 5s;
    options.reconnect.max = 200ms;
    return bus::Admin::Create(std::move(options));
  }

  // Publishes one event of type (the routing key) on exchange (the events exchange unless told)
  // as user, waiting for the broker's confirm; message_id names it.
  static absl::Status PublishAs(const std::string& user, const std::string& type,
                                const std::string& message_id,
                                const std::string& exchange = std::string(bus::kEventsExchange)) {
    bus::PublisherOptions options;
    options.connection.url = rabbit_->UrlOf(user);
    options.connection.connection_name = "access-test-publisher";
    options.connection.connect_timeout = 5s;
    options.connection.rpc_timeout = 5s;
    options.connection.reconnect.max = 200ms;
    options.publish_timeout = bus::Duration(5'000);
    auto publisher = bus::Publisher::Create(std::move(options));
    if (!publisher.ok()) return publisher.status();
    bus::Message message;
    message.exchange = exchange;
    message.routing_key = type;
    message.type = type;
    message.message_id = message_id;
    message.body = "forged?";
    return publisher->Publish(message);
  }

  static std::unique_ptr<store::Pool> RedisAs(const std::string& user) {
    store::Options options;
    options.port = redis_->port();
    options.user = user;
    options.password = redis_->Password(user);
    options.pool_size = 1;
    return std::make_unique<store::Pool>(options);
  }

  // A command's outcome: the error reply as a status too.
  static absl::Status Run(store::Pool& redis, const std::vector<std::string>& command) {
    auto reply = redis.Command(command);
    return reply.ok() ? reply->ToStatus() : reply.status();
  }

  static testing::RabbitMqServer* rabbit_;
  static testing::RedisServer* redis_;
};

testing::RabbitMqServer* AccessTest::rabbit_ = nullptr;
testing::RedisServer* AccessTest::redis_ = nullptr;

TEST_F(AccessTest, GuestCannotLogInToTheBroker) {
  // The old way to forge a placement event: anyone with guest/guest could publish it.
  auto guest = BrokerAs(rabbit_->url());
  absl::Status status = guest.ok() ? guest->Declare({}) : guest.status();

  EXPECT_FALSE(status.ok());
}

TEST_F(AccessTest, AServiceDeclaresAndReadsItsOwnQueue) {
  auto notification = BrokerAs(rabbit_->UrlOf("notification"));
  ASSERT_TRUE(notification.ok()) << notification.status();

  bus::QueueSpec queue{
      .name = "notification.events", .bindings = {"matching.intern.placed"}, .retry = {}};
  ASSERT_TRUE(notification->Declare({&queue, 1}).ok());
  EXPECT_TRUE(notification->InspectQueue("notification.events").ok());
  EXPECT_TRUE(notification->Take("notification.events").ok());
}

TEST_F(AccessTest, AServiceCannotReadOrDeclareAnotherServicesQueue) {
  auto matching = BrokerAs(rabbit_->UrlOf("matching"));
  ASSERT_TRUE(matching.ok()) << matching.status();
  bus::QueueSpec jobs{.name = "matching.jobs", .bindings = {"matching.job.requested"}, .retry = {}};
  absl::Status declared_by_matching = matching->Declare({&jobs, 1});
  ASSERT_TRUE(declared_by_matching.ok()) << declared_by_matching;

  // The notification service takes nothing off the work queue, nor makes a queue of that name.
  auto taken = BrokerAs(rabbit_->UrlOf("notification"));
  ASSERT_TRUE(taken.ok()) << taken.status();
  auto job = taken->Take("matching.jobs");
  EXPECT_FALSE(job.ok());
  EXPECT_THAT(job.status().message(), HasSubstr("ACCESS_REFUSED"));

  auto declaring = BrokerAs(rabbit_->UrlOf("notification"));
  ASSERT_TRUE(declaring.ok()) << declaring.status();
  bus::QueueSpec other{.name = "evaluation.events", .bindings = {"#"}, .retry = {}};
  absl::Status declared = declaring->Declare({&other, 1});
  EXPECT_FALSE(declared.ok());
  EXPECT_THAT(declared.message(), HasSubstr("ACCESS_REFUSED"));
}

TEST_F(AccessTest, AServicePublishesItsOwnEventTypesOnly) {
  // A queue that would receive every event on the exchange: what reaches a consumer.
  auto watcher = BrokerAs(rabbit_->UrlOf("evaluation"));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  bus::QueueSpec all{.name = "evaluation.events", .bindings = {"#"}, .retry = {}};
  ASSERT_TRUE(watcher->Declare({&all, 1}).ok());
  ASSERT_TRUE(watcher->Purge("evaluation.events").ok());

  // Each service's user, one of its own event types and one of another service's (the forged
  // placement e-mail of issue #13 was a matching.intern.placed from outside matching).
  struct Case {
    std::string user, own, foreign;
  };
  const std::vector<Case> cases = {
      {"notification", "notification.reminder.due", "matching.intern.placed"},
      {"registration", "registration.participant.erased", "matching.result.published"},
      {"matching", "matching.intern.placed", "registration.participant.erased"},
      {"matching", "matching.job.requested", "matching.job.finished"},
      {"matching", "matching.placements.published", "registration.round.state_changed"},
      {"notification", "notification.resend.requested", "matching.placements.published"},
      {"matching-worker", "matching.job.finished", "matching.intern.placed"},
      {"evaluation", "evaluation.invitation.requested", "notification.resend.requested"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.user);
    absl::Status forged = PublishAs(c.user, c.foreign, "forged-" + c.user);
    EXPECT_EQ(forged.code(), absl::StatusCode::kPermissionDenied) << forged;
    EXPECT_THAT(forged.message(), HasSubstr("ACCESS_REFUSED"));

    // Its own type goes through: confirmed, and queued behind anything published before it.
    const std::string id = absl::StrCat("own-", c.user, "-", c.own);
    absl::Status own = PublishAs(c.user, c.own, id);
    ASSERT_TRUE(own.ok()) << own;
    auto delivery = watcher->Take("evaluation.events");
    ASSERT_TRUE(delivery.ok()) << delivery.status();
    ASSERT_TRUE(delivery->has_value());
    EXPECT_EQ((*delivery)->message_id, id) << "the forged event reached the queue";
    EXPECT_EQ((*delivery)->routing_key, c.own);
  }
  auto left = watcher->InspectQueue("evaluation.events");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->messages, 0u) << "no forged event reached the queue";
}

TEST_F(AccessTest, NoServiceWritesIntoAQueueByNameThroughTheDefaultExchange) {
  auto notification = BrokerAs(rabbit_->UrlOf("notification"));
  ASSERT_TRUE(notification.ok()) << notification.status();
  bus::QueueSpec queue{.name = "notification.events", .bindings = {}, .retry = {}};
  ASSERT_TRUE(notification->Declare({&queue, 1}).ok());
  ASSERT_TRUE(notification->Purge("notification.events").ok());

  // The default exchange routes a message to the queue its routing key names: a forged
  // placement e-mail straight into the notification service's queue, from any service's user
  // (the notification service's own included), is refused.
  for (const char* user :
       {"registration", "matching", "matching-worker", "evaluation", "notification"}) {
    SCOPED_TRACE(user);
    absl::Status forged = PublishAs(user, "notification.events", absl::StrCat("forged-", user), "");
    EXPECT_EQ(forged.code(), absl::StatusCode::kPermissionDenied) << forged;
    EXPECT_THAT(forged.message(), HasSubstr("ACCESS_REFUSED"));
  }
  // Nor through the notification consumer's own failed-message exchange.
  absl::Status through_failed = PublishAs("matching-worker", "notification.events", "forged-failed",
                                          bus::FailedExchangeName(queue.name));
  EXPECT_EQ(through_failed.code(), absl::StatusCode::kPermissionDenied) << through_failed;
  EXPECT_THAT(through_failed.message(), HasSubstr("ACCESS_REFUSED"));

  auto left = notification->InspectQueue("notification.events");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->messages, 0u) << "a forged message reached the queue";
}

TEST_F(AccessTest, AConsumerRetriesAndDeadLettersUnderItsOwnUser) {
  // The evaluation service's queue, with its own user only: failed attempts go to its retry
  // queue and back (through evaluation.events.failed), the last to its dead-letter queue.
  bus::QueueSpec queue{.name = "evaluation.events",
                       .bindings = {"evaluation.invitation.requested"},
                       .retry = {.max_attempts = 2,
                                 .initial_delay = bus::Duration(100),
                                 .multiplier = 1.0,
                                 .max_delay = bus::Duration(100)}};
  auto evaluation = BrokerAs(rabbit_->UrlOf("evaluation"));
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  ASSERT_TRUE(evaluation->Declare({&queue, 1}).ok());
  ASSERT_TRUE(evaluation->Purge("evaluation.events").ok());
  ASSERT_TRUE(evaluation->Purge(bus::DeadLetterQueueName(queue.name)).ok());

  bus::ConsumerOptions options;
  options.connection.url = rabbit_->UrlOf("evaluation");
  options.connection.connection_name = "access-test-consumer";
  options.connection.connect_timeout = 5s;
  options.connection.rpc_timeout = 5s;
  options.connection.reconnect.max = 200ms;
  options.queue = queue;
  std::atomic<int> attempts_seen = 0;
  auto consumer = bus::Consumer::Create(std::move(options), [&](const bus::Delivery& delivery) {
    if (delivery.message_id == "retried") ++attempts_seen;
    return bus::Outcome::Retry("not yet");
  });
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  absl::Status ran;
  std::thread running([&] { ran = consumer->Run(); });

  ASSERT_TRUE(PublishAs("evaluation", "evaluation.invitation.requested", "retried").ok());
  // Waits for the message to reach the dead-letter queue (the proof), polling the broker.
  std::optional<bus::Delivery> dead;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (!dead && std::chrono::steady_clock::now() < until) {
    auto taken = evaluation->Take(bus::DeadLetterQueueName(queue.name));
    ASSERT_TRUE(taken.ok()) << taken.status();
    if (taken->has_value()) {
      dead = **taken;
    } else {
      std::this_thread::sleep_for(50ms);
    }
  }
  consumer->Stop();
  running.join();
  EXPECT_TRUE(ran.ok()) << ran;

  ASSERT_TRUE(dead.has_value()) << "nothing reached the dead-letter queue";
  EXPECT_EQ(dead->message_id, "retried");
  EXPECT_EQ(dead->headers.at(std::string(bus::kAttemptsHeader)), "2");
  EXPECT_EQ(attempts_seen.load(), 2) << "the retry copy did not come back to the queue";
}

TEST_F(AccessTest, AServicesRedisUserReachesItsOwnKeysOnly) {
  auto registration = RedisAs("registration");
  ASSERT_TRUE(Run(*registration, {"SET", "ipraktik:{aarhus}:participant:p-1", "x"}).ok());

  auto notification = RedisAs("notification");
  EXPECT_TRUE(Run(*notification, {"SET", "ipraktik:{aarhus}:notification:message:m-1", "x"}).ok());
  absl::Status read = Run(*notification, {"GET", "ipraktik:{aarhus}:participant:p-1"});
  EXPECT_THAT(read.message(), HasSubstr("NOPERM"));
}

TEST_F(AccessTest, AServiceWritesOnlyItsOwnOutbox) {
  // An event written to another service's outbox would be published by that service's relay,
  // with that service's broker rights: Redis refuses the write.
  auto notification = RedisAs("notification");
  EXPECT_TRUE(
      Run(*notification, {"XADD", "ipraktik:{aarhus}:outbox:notification", "*", "envelope", "x"})
          .ok());
  absl::Status forged =
      Run(*notification, {"XADD", "ipraktik:{aarhus}:outbox:matching", "*", "envelope", "x"});
  EXPECT_THAT(forged.message(), HasSubstr("NOPERM"));
}

TEST_F(AccessTest, AServicesRedisUserCannotAdministerTheServer) {
  auto notification = RedisAs("notification");

  for (auto command : {std::vector<std::string>{"FLUSHALL"}, std::vector<std::string>{"KEYS", "*"},
                       std::vector<std::string>{"CONFIG", "GET", "requirepass"}}) {
    EXPECT_THAT(Run(*notification, command).message(), HasSubstr("NOPERM")) << command[0];
  }
}

TEST_F(AccessTest, RedisWithoutAUserAnswersNothing) {
  // The default user is off (deploy/local/redis.sh says why it keeps its permissions): a
  // connection that sent no AUTH may run nothing, not even PING.
  store::Options options;
  options.port = redis_->port();
  store::Pool anonymous(options);

  EXPECT_THAT(anonymous.Ping().message(), HasSubstr("NOAUTH"));
  EXPECT_THAT(Run(anonymous, {"GET", "ipraktik:{aarhus}:participant:p-1"}).message(),
              HasSubstr("NOAUTH"));
}

}  // namespace
}  // namespace ipraktik
