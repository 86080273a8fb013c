// The notification program as deployed, killed with SIGKILL in the middle of a batch and started
// again: every e-mail arrives exactly once. The SMTP sink is paused (SIGSTOP) before the kill,
// and the kill waits until senders hold messages they cannot finish, so that it finds the sending
// threads waiting for the server at some step of their SMTP transactions (some with the whole
// message handed over, some not) rather than in the microseconds between recording the
// hand-over and writing the end-of-data dot, the one window in which a crash can lose a message
// (docs/notification.md). Then it resumes.
//
// Nothing here depends on how fast this machine sends: the service's send rate is capped, so the
// batch cannot finish before the kill however fast the rest is, and the test ends when every
// record is final (no sender holds a message any more), not after a guessed wait.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "child_process.h"
#include "delivery_repository.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/store/pool.h"
#include "notification_keys.h"
#include "notification_testing.h"
#include "notifier.h"

namespace ipraktik::notification {
namespace {

using namespace testing;  // notification_testing.h
using ipraktik::testing::BinaryDir;
using ipraktik::testing::ChildProcess;

constexpr int kPlacements = 150;
constexpr char kTenant[] = "crash";
// E-mails per second the service may send: the first 30 take at least 1.5 s and the whole batch
// at least 7.5 s, so the kill after the first 30 always comes mid-batch.
constexpr int kSendRate = 20;

class CrashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new ipraktik::testing::RedisServer();
    rabbit_ = new ipraktik::testing::RabbitMqServer();
    smtp_ = new ipraktik::testing::SmtpServer();
  }
  static void TearDownTestSuite() {
    delete smtp_;
    delete rabbit_;
    delete redis_;
  }

  std::unique_ptr<ChildProcess> StartService(
      const std::map<std::string, std::string>& overrides = {}) {
    std::map<std::string, std::string> environment = {
        {"IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0"},
        {"IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0"},
        {"IPRAKTIK_REDIS_ADDRESS", redis_->address()},
        {"IPRAKTIK_AMQP_URL", rabbit_->url()},
        {"IPRAKTIK_SMTP_URL", smtp_->url()},
        {"IPRAKTIK_SMTP_TIMEOUT", "2s"},
        {"IPRAKTIK_NOTIFICATION_LEASE", "3s"},
        {"IPRAKTIK_NOTIFICATION_SEND_RATE", std::to_string(kSendRate)},
        {"IPRAKTIK_NOTIFICATION_SEND_BURST", "1"},
        {"IPRAKTIK_NOTIFICATION_SENDERS", "4"},
        {"IPRAKTIK_NOTIFICATION_SENDER_ADDRESS", "ipraktik@coi.example"},
        {"IPRAKTIK_NOTIFICATION_RETRY_DELAY", "200ms"},
        {"IPRAKTIK_NOTIFICATION_RETRY_MAX_DELAY", "1s"},
        {"IPRAKTIK_NOTIFICATION_RETRY_ATTEMPTS", "60"}};
    for (const auto& [name, value] : overrides) {
      if (value.empty()) {
        environment.erase(name);
      } else {
        environment[name] = value;
      }
    }
    auto log = redis_->dir() / ("notification-" + std::to_string(++runs_) + ".log");
    auto process = std::make_unique<ChildProcess>(BinaryDir() / "bin" / "ipraktik-notification",
                                                  std::vector<std::string>{}, environment, log);
    EXPECT_TRUE(process->WaitForOutput("\"consuming\"", std::chrono::seconds(30)))
        << process->Output();
    return process;
  }

  // The records of a round, as the service lists them.
  static std::vector<DeliveryRecord> Records(const std::string& round_id) {
    store::Pool pool({.host = "127.0.0.1", .port = redis_->port()});
    outbox::Outbox outbox(pool, "notification");
    DeliveryRepository repository(pool, outbox, absl::Hours(1));
    auto page = repository.List(kTenant, {.round_id = round_id}, 1000, "");
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->records : std::vector<DeliveryRecord>{};
  }

  // Who holds a message's claim, and until when (milliseconds since the epoch).
  static std::pair<std::string, std::int64_t> Lease(const std::string& message_id) {
    store::Pool pool({.host = "127.0.0.1", .port = redis_->port()});
    auto keys = NotificationKeys::For(kTenant);
    auto owner = pool.Command({"HGET", keys->Message(message_id), "lease_owner"});
    auto until = pool.Command({"HGET", keys->Message(message_id), "lease_until"});
    std::int64_t millis = 0;
    if (!owner.ok() || !until.ok() || !absl::SimpleAtoi(until->str(), &millis)) return {"", 0};
    return {owner->str(), millis};
  }

  // The number of the batch's delivery records in each state.
  static std::map<std::string, int> RecordStates() {
    store::Pool pool({.host = "127.0.0.1", .port = redis_->port()});
    outbox::Outbox outbox(pool, "notification");
    DeliveryRepository repository(pool, outbox, absl::Hours(1));
    auto page = repository.List(kTenant, {.round_id = "r-crash"}, 1000, "");
    EXPECT_TRUE(page.ok()) << page.status();
    std::map<std::string, int> states;
    if (page.ok()) {
      for (const auto& record : page->records) ++states[record.state];
    }
    return states;
  }

  static pid_t SmtpPid() {
    std::ifstream in(smtp_->dir() / "smtp.pid");
    pid_t pid = 0;
    in >> pid;
    return pid;
  }

  static inline ipraktik::testing::RedisServer* redis_ = nullptr;
  static inline ipraktik::testing::RabbitMqServer* rabbit_ = nullptr;
  static inline ipraktik::testing::SmtpServer* smtp_ = nullptr;
  int runs_ = 0;
};

TEST_F(CrashTest, KilledMidBatchAndRestartedSendsEveryEmailExactlyOnce) {
  auto service = StartService();
  bus::PublisherOptions options;
  options.connection.url = rabbit_->url();
  auto publisher = bus::Publisher::Create(std::move(options));
  ASSERT_TRUE(publisher.ok()) << publisher.status();
  const absl::CivilDay first_day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 30;
  for (int i = 0; i < kPlacements; ++i) {
    auto intern = PersonCard("p-" + std::to_string(i), "Kirsten Ærbø " + std::to_string(i),
                             "k" + std::to_string(i) + "@crash.example");
    Publish(*publisher, Envelope(contract::kInternPlaced, kTenant,
                                 PlacedEvent("r-crash", intern, OfferCard("h", "host@coi.example"),
                                             Days(first_day, 2), "pl-" + std::to_string(i))));
  }
  ASSERT_TRUE(Eventually([&] { return CountContaining(*smtp_, "@crash.example") >= 30; }))
      << service->Output();
  const int before_kill = CountContaining(*smtp_, "@crash.example");
  ASSERT_LT(before_kill, kPlacements) << "the batch finished before the kill";

  // Pause the server, let the senders block on it, kill the service, resume the server.
  const pid_t smtp_pid = SmtpPid();
  ASSERT_GT(smtp_pid, 0);
  ASSERT_EQ(::kill(smtp_pid, SIGSTOP), 0);
  // A message claimed now cannot be finished while the server is paused: once one is held, a
  // sender is inside a transaction the kill will cut.
  ASSERT_TRUE(Eventually([&] {
    auto states = RecordStates();
    return states[kStateSending] + states[kStateHandedOver] > 0;
  }));
  service->Signal(SIGKILL);
  ASSERT_TRUE(service->WaitFor(std::chrono::seconds(10)).has_value());
  ASSERT_EQ(::kill(smtp_pid, SIGCONT), 0);

  auto restarted = StartService();
  ASSERT_TRUE(Eventually([&] { return CountContaining(*smtp_, "@crash.example") >= kPlacements; },
                         std::chrono::seconds(90)))
      << CountContaining(*smtp_, "@crash.example") << " arrived\n"
      << restarted->Output();
  // Every record final: no sender holds a message any more (the killed process's claims ran
  // out after their 3 s lease and were taken over), so no duplicate can still be on its way.
  std::map<std::string, int> states;
  ASSERT_TRUE(Eventually(
      [&] {
        states = RecordStates();
        return states[kStateSent] + states[kStateUnconfirmed] == kPlacements;
      },
      std::chrono::seconds(60)))
      << "sent " << states[kStateSent] << ", unconfirmed " << states[kStateUnconfirmed]
      << ", sending " << states[kStateSending] << ", retrying " << states[kStateRetrying];

  std::map<std::string, int> per_recipient;
  for (const auto& message : MailTo(ReceivedMail(*smtp_), "@crash.example")) {
    ++per_recipient[message["to"].get<std::string>()];
  }
  EXPECT_EQ(per_recipient.size(), static_cast<std::size_t>(kPlacements));
  for (const auto& [to, count] : per_recipient) EXPECT_EQ(count, 1) << to;

  // Every record ended sent, or unconfirmed where the kill came after the hand-over (those
  // messages did arrive: the server finished them when it resumed).
  for (const auto& [state, count] : RecordStates()) {
    EXPECT_TRUE(state == kStateSent || state == kStateUnconfirmed) << state << ": " << count;
  }
  std::cout << "before the kill " << before_kill << " arrived; records: sent " << states[kStateSent]
            << ", unconfirmed " << states[kStateUnconfirmed] << "\n";
  restarted->Signal(SIGTERM);
  EXPECT_TRUE(restarted->WaitFor(std::chrono::seconds(15)).has_value());
}

// The claims of a killed service are taken over within one lease (20 s by default), not after
// the bus's retry backoff: the live holder renews its lease while the SMTP server keeps it
// waiting, and a sender that finds a message held waits for that lease to run out and claims it
// again. The test runs the default lease and SMTP timeout (one minute: longer than the lease,
// which renewal makes possible) and waits on the records and the SMTP sink, never on a clock.
TEST_F(CrashTest, AKilledSendersClaimsAreTakenOverWithinOneLease) {
  constexpr int kMessages = 6;
  const std::map<std::string, std::string> defaults = {{"IPRAKTIK_NOTIFICATION_LEASE", ""},
                                                       {"IPRAKTIK_SMTP_TIMEOUT", ""}};
  auto service = StartService(defaults);
  const pid_t smtp_pid = SmtpPid();
  ASSERT_GT(smtp_pid, 0);
  // The server is paused before anything is sent: every sender that claims a message waits in
  // its SMTP transaction, holding the claim.
  ASSERT_EQ(::kill(smtp_pid, SIGSTOP), 0);
  bus::PublisherOptions options;
  options.connection.url = rabbit_->url();
  auto publisher = bus::Publisher::Create(std::move(options));
  ASSERT_TRUE(publisher.ok()) << publisher.status();
  const absl::CivilDay first_day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 30;
  for (int i = 0; i < kMessages; ++i) {
    auto intern = PersonCard("q-" + std::to_string(i), "Karen Lease " + std::to_string(i),
                             "q" + std::to_string(i) + "@takeover.example");
    Publish(*publisher,
            Envelope(contract::kInternPlaced, kTenant,
                     PlacedEvent("r-takeover", intern, OfferCard("h", "host@coi.example"),
                                 Days(first_day, 2), "tq-" + std::to_string(i))));
  }
  std::string held;
  ASSERT_TRUE(Eventually([&] {
    for (const auto& record : Records("r-takeover")) {
      if (record.state == kStateSending) held = record.message_id;
    }
    return !held.empty();
  })) << service->Output();
  const std::pair<std::string, std::int64_t> first_lease = Lease(held);
  const std::string owner = first_lease.first;
  const std::int64_t first_until = first_lease.second;
  ASSERT_FALSE(owner.empty());
  // The lease is the configured 20 s from the claim: a holder that dies is taken over at most
  // that long after its last renewal (the busy sender waits for exactly that, see notifier.cc).
  EXPECT_LE(first_until - absl::ToUnixMillis(absl::Now()), 20'000);
  // While the server keeps it waiting, the live holder renews its lease (every third of it).
  ASSERT_TRUE(Eventually(
      [&] {
        auto [now_owner, until] = Lease(held);
        return now_owner == owner && until > first_until;
      },
      std::chrono::seconds(60)))
      << service->Output();

  service->Signal(SIGKILL);
  ASSERT_TRUE(service->WaitFor(std::chrono::seconds(10)).has_value());
  ASSERT_EQ(::kill(smtp_pid, SIGCONT), 0);
  auto survivor = StartService(defaults);
  std::vector<DeliveryRecord> records;
  ASSERT_TRUE(Eventually(
      [&] {
        records = Records("r-takeover");
        int sent = 0;
        for (const auto& record : records) sent += record.state == kStateSent ? 1 : 0;
        return sent == kMessages;
      },
      std::chrono::seconds(90)))
      << survivor->Output();
  std::map<std::string, int> per_recipient;
  for (const auto& message : MailTo(ReceivedMail(*smtp_), "@takeover.example")) {
    ++per_recipient[message["to"].get<std::string>()];
  }
  EXPECT_EQ(per_recipient.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [to, count] : per_recipient) EXPECT_EQ(count, 1) << to;
  // The held message was claimed again by the new service after the dead holder's lease.
  for (const auto& record : records) {
    if (record.message_id == held) {
      EXPECT_EQ(record.attempts, 2);
    }
  }
  survivor->Signal(SIGTERM);
  EXPECT_TRUE(survivor->WaitFor(std::chrono::seconds(15)).has_value());
}

}  // namespace
}  // namespace ipraktik::notification
