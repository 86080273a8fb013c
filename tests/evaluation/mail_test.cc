// From placement to e-mail and back: the evaluation service's parts (in-process, a clock the test
// moves) request invitations through the outbox, the outbox relay publishes them to a real
// RabbitMQ, the real notification service (in-process) e-mails them through the SMTP sink, and
// the link in each e-mail (decoded by Python's email package) answers the survey once. Reminders
// reach only those who did not answer; a second scheduler and repeated passes add no e-mail.
//
// "No further e-mail" is proven by a marker: a later invitation to someone else, sent after the
// passes that must add nothing, whose arrival shows that everything before it was handled.
//
// The last test runs two replicas of the real ipraktik-evaluation binary at once on the same
// Redis and RabbitMQ, each with its own consumer, scheduler and outbox relay, gets its placements
// only as events on the bus (matching.intern.placed, matching.host.interns_assigned), restarts
// one replica in the middle, and counts the e-mails in the SMTP sink: one per person.
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "evaluation_testing.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/outbox_relay.h"
#include "local_servers.h"
#include "notification_app.h"
#include "notification_testing.h"

namespace ipraktik::evaluation {
namespace {

using ipraktik::testing::RabbitMqServer;
using ipraktik::testing::RedisServer;
using ipraktik::testing::SmtpServer;
using namespace testing;  // evaluation_testing.h
using notification::testing::Eventually;
using notification::testing::Json;

class Servers : public ::testing::Environment {
 public:
  void SetUp() override {
    redis = std::make_unique<RedisServer>();
    rabbit = std::make_unique<RabbitMqServer>();
    smtp = std::make_unique<SmtpServer>();
  }
  void TearDown() override {
    smtp.reset();
    rabbit.reset();
    redis.reset();
  }
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<RabbitMqServer> rabbit;
  std::unique_ptr<SmtpServer> smtp;
};

Servers* const servers = dynamic_cast<Servers*>(::testing::AddGlobalTestEnvironment(new Servers));

class MailTest : public EvaluationParts {
 protected:
  void SetUp() override {
    SetUpParts(servers->redis->port());
    auto settings = notification::testing::TestSettings(*servers->smtp, tenant_);
    settings.senders = 1;  // one at a time: the marker e-mail comes after everything before it
    logging::Logger logger("notification", logging::Level::kWarning);
    // Its gRPC API is not called here.
    keys_ = std::make_unique<access::KeyStore>(*redis_, "unused");
    authenticator_ = std::make_unique<access::Authenticator>(*keys_);
    auto app = notification::NotificationApp::Start(
        settings, *redis_, nullptr, logger, server::Calls(handlers_, {}, logger, *authenticator_),
        [] { return absl::Now(); });
    ASSERT_TRUE(app.ok()) << app.status();
    notification_ = *std::move(app);
    // The service's queue consumed through its own router, as its main.cc does.
    bus::ConsumerOptions consumer_options = notification_->consumer_options();
    consumer_options.connection = Connection("notification-consumer");
    auto consumer =
        server::EventConsumer::Start(std::move(consumer_options), notification_->router(), nullptr);
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = *std::move(consumer);
    ASSERT_TRUE(Eventually([&] { return consumer_->Running(); }));

    bus::PublisherOptions publisher_options;
    publisher_options.connection = Connection("evaluation-outbox");
    auto publisher = bus::Publisher::Create(std::move(publisher_options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    publisher_ = std::make_unique<bus::Publisher>(*std::move(publisher));
    relay_ = std::make_unique<outbox::Relay>(
        *redis_, outbox_->publisher(), server::PublishToBus(*publisher_),
        logging::Logger("evaluation-relay", logging::Level::kWarning));
  }

  void TearDown() override {
    relay_.reset();
    if (publisher_) publisher_->Close();
    if (consumer_) consumer_->Stop();
    if (notification_) notification_->Stop();
  }

  static bus::ConnectionOptions Connection(std::string_view name) {
    bus::ConnectionOptions options;
    options.url = servers->rabbit->url();
    options.connection_name = "evaluation-mail-test-" + std::string(name);
    options.logger = logging::Logger("evaluation-mail-test", logging::Level::kWarning);
    return options;
  }

  // One scheduler pass, and what it requested published as the relay does.
  void RunSchedulerAndRelay(Scheduler& scheduler) {
    ASSERT_TRUE(scheduler.RunOnce().ok());
    ASSERT_TRUE(relay_->RunOnce().ok());
  }

  // The evaluation e-mails received so far (decoded), of this test's people.
  static std::vector<Json> EvaluationMail() {
    std::vector<Json> selected;
    for (const auto& message : notification::testing::ReceivedMail(*servers->smtp)) {
      if (message["kind"] == "evaluation_invitation") selected.push_back(message);
    }
    return selected;
  }

  // Waits until `count` evaluation e-mails arrived in all.
  static std::vector<Json> AwaitMail(std::size_t count) {
    std::vector<Json> mail;
    EXPECT_TRUE(Eventually([&] {
      mail = EvaluationMail();
      return mail.size() >= count;
    })) << "only "
        << mail.size() << " of " << count << " e-mails arrived";
    return mail;
  }

  static std::string Recipient(const Json& message) {
    std::string to = message["to"].get<std::string>();
    std::size_t open = to.find('<');
    return open == std::string::npos ? to : to.substr(open + 1, to.find('>') - open - 1);
  }

  // The token of the personal link in an e-mail's text.
  static std::string TokenIn(const Json& message) {
    std::string text = message["text"].get<std::string>();
    std::size_t start = text.find("/ipe_");
    EXPECT_NE(start, std::string::npos) << text;
    std::size_t end = text.find_first_of(" \r\n", start);
    return text.substr(start + 1, end - start - 1);
  }

  std::unique_ptr<access::KeyStore> keys_;
  std::unique_ptr<access::Authenticator> authenticator_;
  server::Executor handlers_;
  std::unique_ptr<notification::NotificationApp> notification_;
  std::unique_ptr<server::EventConsumer> consumer_;
  std::unique_ptr<bus::Publisher> publisher_;
  std::unique_ptr<outbox::Relay> relay_;
};

TEST_F(MailTest, OneInvitationEmailPerInternAndHostTheLinkAnswersOnceRemindersOnlyToTheRest) {
  PlaceInterns(2, v1::SECTOR_STATE, "h1");
  auto scheduler = NewScheduler();
  auto replica = NewScheduler();
  AdvanceDays(1);
  RunSchedulerAndRelay(*scheduler);
  RunSchedulerAndRelay(*replica);  // a second replica finds nothing more to send
  RunSchedulerAndRelay(*scheduler);

  // A marker: one more intern placed, invited after the passes above.
  auto marker = Placed("marker", v1::SECTOR_STATE, Offer("h2"));
  Deliver(contract::kInternPlaced, marker);
  RunSchedulerAndRelay(*scheduler);
  std::vector<Json> mail = AwaitMail(5);
  ASSERT_TRUE(Eventually([&] {
    for (const auto& message : EvaluationMail()) {
      if (Recipient(message) == "marker@people.example") return true;
    }
    return false;
  }));
  mail = EvaluationMail();
  std::multiset<std::string> recipients;
  for (const auto& message : mail) recipients.insert(Recipient(message));
  EXPECT_EQ(recipients, (std::multiset<std::string>{
                            "i0@people.example", "i1@people.example", "host-h1@people.example",
                            "host-h1@people.example", "marker@people.example"}));

  // i0 answers through the link in their e-mail: once.
  const Json* i0 = nullptr;
  for (const auto& message : mail) {
    if (Recipient(message) == "i0@people.example") i0 = &message;
  }
  ASSERT_NE(i0, nullptr);
  const std::string token = TokenIn(*i0);
  auto answers = FirstAnswers(Role::kIntern, 5, 4, 4, v1::LENGTH_VERDICT_TOO_SHORT, true, 2);
  ASSERT_TRUE(Submit(token, answers).ok());
  auto again = Submit(token, answers);
  ASSERT_TRUE(absl::IsFailedPrecondition(again.status())) << again.status();
  EXPECT_EQ(errors::PreconditionViolationsOf(again.status())[0].type, "ALREADY_ANSWERED");

  // Five days later the reminders: i1 and the host's two sides (and the marker), not i0.
  AdvanceDays(5);
  RunSchedulerAndRelay(*scheduler);
  RunSchedulerAndRelay(*replica);
  mail = AwaitMail(5 + 4);
  std::multiset<std::string> all;
  for (const auto& message : mail) all.insert(Recipient(message));
  EXPECT_EQ(all, (std::multiset<std::string>{
                     "i0@people.example", "i1@people.example", "i1@people.example",
                     "host-h1@people.example", "host-h1@people.example", "host-h1@people.example",
                     "host-h1@people.example", "marker@people.example", "marker@people.example"}));
}

// A replica of the real service on the test's Redis and RabbitMQ: it consumes evaluation.events,
// polls for what is due every 100 ms by the real clock (in UTC) and relays its outbox to the bus.
std::unique_ptr<ipraktik::testing::ChildProcess> StartReplica(const std::string& name) {
  auto replica = std::make_unique<ipraktik::testing::ChildProcess>(
      ipraktik::testing::BinaryDir() / "bin" / "ipraktik-evaluation", std::vector<std::string>{},
      std::map<std::string, std::string>{{"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
                                         {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
                                         {"IPRAKTIK_REDIS_ADDRESS", servers->redis->address()},
                                         {"IPRAKTIK_AMQP_URL", servers->rabbit->url()},
                                         {"IPRAKTIK_TOKEN_SECRET", kSecret},
                                         {"IPRAKTIK_EVALUATION_FORM_URL", kFormUrl},
                                         {"IPRAKTIK_TIME_ZONE", "UTC"},
                                         {"IPRAKTIK_EVALUATION_POLL_INTERVAL", "100ms"},
                                         {"IPRAKTIK_LOG_LEVEL", "info"}},
      servers->redis->dir() / (name + ".log"));
  EXPECT_TRUE(replica->WaitForOutput("\"msg\":\"serving\"", std::chrono::seconds(30)))
      << replica->Output();
  return replica;
}

TEST_F(MailTest, TwoReplicasOfTheServiceAndARestartSendOneInvitationPerPersonFromBusEvents) {
  auto first = StartReplica("replica-1");
  auto second = StartReplica("replica-2");
  // Placements whose last day was yesterday (the replicas' clock is the real one).
  const absl::CivilDay yesterday = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 1;
  auto publish = [&](const char* type, const auto& payload) {
    auto envelope = events::BuildEnvelope({.type = type, .tenant = tenant_}, payload);
    ASSERT_TRUE(envelope.ok()) << envelope.status();
    bus::Message message;
    message.routing_key = type;
    message.type = type;
    message.message_id = envelope->id();
    message.body = envelope->SerializeAsString();
    // Unroutable (FAILED_PRECONDITION) until a replica has declared and bound its queue.
    absl::Status published;
    ASSERT_TRUE(Eventually([&] {
      published = publisher_->Publish(message);
      return !absl::IsFailedPrecondition(published);
    }));
    ASSERT_TRUE(published.ok()) << published;
  };
  auto place = [&](const std::string& prefix, int interns, const std::string& offer_id) {
    std::vector<v1::InternPlaced> placements;
    for (int i = 0; i < interns; ++i) {
      auto placed = Placed(prefix + std::to_string(i), v1::SECTOR_STATE, Offer(offer_id));
      *placed.mutable_days(0) = ProtoDay(yesterday - 1);
      *placed.mutable_days(1) = ProtoDay(yesterday);
      publish(contract::kInternPlaced, placed);
      placements.push_back(placed);
    }
    publish(contract::kHostInternsAssigned, Assigned(Offer(offer_id), placements));
  };
  // The people of this test, each e-mail counted once per arrival.
  auto mail_to_this_test = [] {
    std::multiset<std::string> recipients;
    for (const auto& message : EvaluationMail()) {
      std::string to = Recipient(message);
      if (to.starts_with("rep-") || to.starts_with("host-rep-")) recipients.insert(to);
    }
    return recipients;
  };

  place("rep-a", 6, "rep-h1");
  // A restart of one replica in the middle: stopped while the other consumes and schedules.
  first->Signal(SIGTERM);
  ASSERT_TRUE(first->WaitFor(std::chrono::seconds(30)).has_value());
  first = StartReplica("replica-1-again");
  place("rep-b", 6, "rep-h2");
  // 12 interns and 12 host sides (two hosts, six visits each).
  std::multiset<std::string> recipients;
  ASSERT_TRUE(Eventually([&] {
    recipients = mail_to_this_test();
    return recipients.size() >= 24;
  })) << recipients.size();
  // A marker placed after all of them: once its e-mail is here (one sender: in order), every
  // earlier invitation and any duplicate of one would be here too.
  place("rep-marker", 1, "rep-h3");
  ASSERT_TRUE(
      Eventually([&] { return mail_to_this_test().contains("rep-marker0@people.example"); }));
  recipients = mail_to_this_test();
  std::multiset<std::string> expected;
  for (const char* prefix : {"rep-a", "rep-b"}) {
    for (int i = 0; i < 6; ++i) expected.insert(absl::StrCat(prefix, i, "@people.example"));
  }
  for (int i = 0; i < 6; ++i) {
    expected.insert("host-rep-h1@people.example");
    expected.insert("host-rep-h2@people.example");
  }
  expected.insert("rep-marker0@people.example");
  expected.insert("host-rep-h3@people.example");
  EXPECT_EQ(recipients, expected);
  first->Signal(SIGTERM);
  second->Signal(SIGTERM);
  EXPECT_TRUE(first->WaitFor(std::chrono::seconds(30)).has_value());
  EXPECT_TRUE(second->WaitFor(std::chrono::seconds(30)).has_value());
}

}  // namespace
}  // namespace ipraktik::evaluation
