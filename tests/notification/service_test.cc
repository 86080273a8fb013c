// The notification service against real Redis, RabbitMQ and SMTP servers (in-process, so a test
// can run two replicas and read the metrics): every kind of message arrives with the right
// content, attachment and encoding (decoded by Python's email and icalendar packages), in the
// participant's language; re-matches send updates and cancellations; a redelivered event and two
// replicas still send each e-mail once; SMTP down for a while, then up: everything arrives once;
// a bad address ends as a permanent failure; preview, status queries, resend and STARTTLS.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "api_keys.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/grpc_server.h"
#include "ipraktik/server/outbox_relay.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "ipraktik/v1/notification_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "metric_value.h"
#include "notification_app.h"
#include "notification_keys.h"
#include "notification_testing.h"

namespace ipraktik::notification {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace testing;  // notification_testing.h

ipraktik::testing::ProgramServers* const servers =
    ipraktik::testing::AddProgramServers(/*tls_smtp=*/true);

absl::TimeZone Copenhagen() {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Copenhagen", &zone);
  return zone;
}

// IPRAKTIK_TEST_LOG_LEVEL=debug shows what the service does.
logging::Level LogLevel() {
  const char* level = std::getenv("IPRAKTIK_TEST_LOG_LEVEL");
  return level ? logging::ParseLevel(level).value_or(logging::Level::kWarning)
               : logging::Level::kWarning;
}

absl::CivilDay Today() { return absl::ToCivilDay(absl::Now(), Copenhagen()); }

class NotificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int tests = 0;
    tenant_ = "t" + std::to_string(++tests) + "-" + std::to_string(::getpid());
    settings_ = TestSettings(*servers->smtp, tenant_);
    settings_.notifier.time_zone = Copenhagen();
    settings_.senders = 3;
    settings_.reminder_poll = absl::Milliseconds(100);
    redis_ = std::make_unique<store::Pool>(
        store::Options{.host = "127.0.0.1", .port = servers->redis->port(), .pool_size = 8});
    keys_ = std::make_unique<access::KeyStore>(*redis_, ipraktik::testing::kTestTokenSecret);
    authenticator_ = std::make_unique<access::Authenticator>(*keys_);
    key_ = ipraktik::testing::MintKey(*redis_, tenant_);
    bus::PublisherOptions publisher_options;
    publisher_options.connection = Connection("test-publisher");
    auto publisher = bus::Publisher::Create(std::move(publisher_options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    publisher_ = std::make_unique<bus::Publisher>(*std::move(publisher));
  }

  void TearDown() override {
    server_.reset();
    if (relay_) relay_->Stop();
    relay_.reset();
    consumers_.clear();  // before the apps whose routers they use
    apps_.clear();
    if (relay_publisher_) relay_publisher_->Close();
  }

  // The outbox relay the service's process runs (server::StartOutboxRelay): it publishes the
  // resends and reminders the replicas store in their tenants' outboxes.
  void StartRelay() {
    bus::PublisherOptions options;
    options.connection = Connection("outbox");
    options.queues = {NotificationQueue(settings_)};
    auto publisher = bus::Publisher::Create(std::move(options));
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    relay_publisher_ = std::make_unique<bus::Publisher>(*std::move(publisher));
    relay_ = std::make_unique<outbox::Relay>(*redis_, "notification",
                                             server::PublishToBus(*relay_publisher_),
                                             logging::Logger("outbox", LogLevel()));
    relay_->Start();
  }

  // Entries waiting in the tenant's outbox.
  std::int64_t OutboxBacklog() {
    auto length = redis_->Command(
        {"XLEN", outbox::StreamKey(*store::TenantKeys::For(tenant_), "notification")});
    EXPECT_TRUE(length.ok()) << length.status();
    return length.ok() ? length->integer() : -1;
  }

  bus::ConnectionOptions Connection(std::string_view name) {
    bus::ConnectionOptions options;
    options.url = servers->rabbit->url();
    options.connection_name = "notification-test-" + std::string(name);
    options.logger = logging::Logger("notification-test", logging::Level::kWarning);
    options.metrics = &registry_;  // the consumers count what they finished with
    return options;
  }

  // Starts a replica (the first one also serves gRPC, and the outbox relay unless told not to).
  NotificationApp& StartApp(bool relay = true) {
    if (relay && !relay_) StartRelay();
    auto app = NotificationApp::Start(
        settings_, *redis_, &registry_, logging::Logger("notification", LogLevel()),
        server::Calls(handlers_, {}, logging::Logger("notification", LogLevel()), *authenticator_),
        [this] { return absl::Now() + absl::Hours(clock_shift_hours_.load()); });
    EXPECT_TRUE(app.ok()) << app.status();
    apps_.push_back(*std::move(app));
    bus::ConsumerOptions consumer_options = apps_.back()->consumer_options();
    consumer_options.connection = Connection("consumer");
    auto consumer =
        server::EventConsumer::Start(std::move(consumer_options), apps_.back()->router(), nullptr);
    EXPECT_TRUE(consumer.ok()) << consumer.status();
    consumers_.push_back(*std::move(consumer));
    EXPECT_TRUE(Eventually([&] { return consumers_.back()->Running(); }));
    if (!server_) {
      auto server = server::GrpcServer::Start(
          {.address = "127.0.0.1:0"},
          {{"ipraktik.v1.NotificationService", apps_.front()->service()}});
      EXPECT_TRUE(server.ok()) << server.status();
      server_ = *std::move(server);
      stub_ = v1::NotificationService::NewStub(grpc::CreateChannel(
          "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
    }
    return *apps_.back();
  }

  std::unique_ptr<grpc::ClientContext> Call() const {
    auto context = std::make_unique<grpc::ClientContext>();
    ipraktik::testing::AddKey(*context, key_);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  // A participant's call (a personal link's page): no API key, the tenant named in the header.
  std::unique_ptr<grpc::ClientContext> ParticipantCall() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-ipraktik-tenant", tenant_);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  std::string Email(const std::string& who) const { return who + "@" + tenant_ + ".example"; }

  template <typename Payload>
  events::Envelope Send(const std::string& type, const Payload& payload,
                        absl::Time occurred_at = absl::Now()) {
    events::Envelope envelope = Envelope(type, tenant_, payload, occurred_at);
    Publish(*publisher_, envelope);
    return envelope;
  }

  std::vector<v1::Delivery> Deliveries(const v1::ListDeliveriesRequest& request) {
    std::vector<v1::Delivery> all;
    v1::ListDeliveriesRequest page = request;
    for (;;) {
      v1::ListDeliveriesResponse response;
      auto status = stub_->ListDeliveries(Call().get(), page, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      all.insert(all.end(), response.deliveries().begin(), response.deliveries().end());
      if (!status.ok() || response.next_page_token().empty()) return all;
      page.set_page_token(response.next_page_token());
    }
  }

  std::vector<v1::Delivery> RoundDeliveries(const std::string& round_id, bool failed_only = false) {
    v1::ListDeliveriesRequest request;
    request.set_round_id(round_id);
    request.set_failed_only(failed_only);
    return Deliveries(request);
  }

  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return ipraktik::testing::CountOf(registry_, name, labels);
  }

  // Waits until the replicas have finished with `events` of this test's events (acked or
  // dead-lettered; one that is retried counts once it is finished). The marker that proves
  // nothing more will be sent for them: no sleeping and hoping.
  bool FinishedWith(int events) {
    const auto finished = [&] {
      double total = 0;
      for (const char* outcome : {"acked", "dead_lettered"}) {
        total += Metric("ipraktik_bus_consumed_messages_total",
                        {{"queue", settings_.queue}, {"outcome", outcome}});
      }
      return total;
    };
    return Eventually([&] { return finished() >= events; });
  }

  // This test's messages: those the SMTP server received for its tenant's addresses.
  int TenantMessages() const { return CountContaining(*servers->smtp, tenant_ + ".example"); }

  // Waits until the SMTP server received at least `count` of this test's messages.
  bool TenantReceived(int count) const {
    return Eventually([&] { return TenantMessages() >= count; });
  }

  std::string tenant_;
  NotificationSettings settings_;
  prometheus::Registry registry_;
  std::unique_ptr<store::Pool> redis_;
  std::unique_ptr<access::KeyStore> keys_;
  std::unique_ptr<access::Authenticator> authenticator_;
  std::string key_;  // a coordinator's of tenant_
  std::unique_ptr<bus::Publisher> publisher_;
  server::Executor handlers_;  // outlives the server, whose calls it finishes
  std::vector<std::unique_ptr<NotificationApp>> apps_;
  std::unique_ptr<bus::Publisher> relay_publisher_;
  std::unique_ptr<outbox::Relay> relay_;
  std::vector<std::unique_ptr<server::EventConsumer>> consumers_;
  std::unique_ptr<server::GrpcServer> server_;
  std::unique_ptr<v1::NotificationService::Stub> stub_;
  // The replicas' clock runs this many hours ahead (a link's expiry).
  std::atomic<int> clock_shift_hours_{0};
};

// The host declined the intern placed by revision 1: revision 2 cancels the placement.
v1::InternUnmatched DeclinedEvent(const std::string& round_id, const v1::PersonCard& intern,
                                  const std::vector<absl::CivilDay>& days,
                                  const std::string& placement_id) {
  v1::InternUnmatched cancelled;
  *cancelled.mutable_round() = RoundCard(round_id);
  *cancelled.mutable_intern() = intern;
  cancelled.set_reason_code("host_declined");
  cancelled.set_placement_id(placement_id);
  cancelled.set_revision(2);
  cancelled.set_placement_cancelled(true);
  for (auto day : days) *cancelled.add_cancelled_days() = ProtoDay(day);
  return cancelled;
}

const Json* Find(const std::vector<Json>& messages, const std::string& kind) {
  for (const auto& message : messages) {
    if (message["kind"] == kind) return &message;
  }
  return nullptr;
}

TEST_F(NotificationTest, EveryMessageArrivesWithItsContentAttachmentAndEncoding) {
  StartApp();
  v1::UpdateNotificationSettingsRequest update;
  update.mutable_settings()->set_sender_name(
      "Innovationspraktikken, Center for Offentlig Innovation");
  update.mutable_settings()->set_sender_address("praktik@coi.example");
  update.mutable_settings()->set_reply_to("sekretariat@coi.example");
  update.mutable_settings()->set_signature_da(
      "Med venlig hilsen\nSekretariatet for Innovationspraktikken");
  update.mutable_settings()->set_signature_en(
      "Kind regards\nThe Innovation Internship secretariat");
  update.mutable_settings()->set_local_programme_info_en(
      "Aarhus runs a local programme in spring.");
  v1::UpdateNotificationSettingsResponse updated;
  ASSERT_TRUE(stub_->UpdateNotificationSettings(Call().get(), update, &updated).ok());
  EXPECT_EQ(updated.effective().reminder_days_before(), 3);  // the default applies

  const auto first_day = Today() + 30;
  auto intern = PersonCard("p-soren", "Søren Ærø Åberg", Email("soren"));
  auto offer = OfferCard("h-via", Email("lene"));
  auto placed = PlacedEvent("r1", intern, offer, Days(first_day, 3), "pl-soren");
  Send(contract::kInternPlaced, placed);
  Send(contract::kHostInternsAssigned, HostAssigned("r1", offer, {placed}, 1));
  v1::InternUnmatched unmatched;
  *unmatched.mutable_round() = RoundCard("r1");
  *unmatched.mutable_intern() =
      PersonCard("p-emma", "Emma O'Brien", Email("emma"), v1::LANGUAGE_ENGLISH);
  unmatched.set_reason_code("all_wished_hosts_full");
  unmatched.set_placement_id("pl-emma");
  unmatched.set_revision(1);
  Send(contract::kInternUnmatched, unmatched);
  v1::EvaluationInvitationRequested invitation;
  *invitation.mutable_round() = RoundCard("r1");
  *invitation.mutable_participant() = intern;
  invitation.set_role(v1::EVALUATION_ROLE_INTERN);
  invitation.set_form_url("https://evaluering.example/f/abc?s=1&t=2");
  invitation.set_invitation_id("inv-soren");
  invitation.set_host_workplace_name("Socialforvaltningen");
  Send(contract::kEvaluationInvitationRequested, invitation);

  ASSERT_TRUE(TenantReceived(4));
  ASSERT_TRUE(FinishedWith(4)) << "the records and metrics follow the SMTP server's answer";
  Json all = ReceivedMail(*servers->smtp);
  auto to_soren = MailTo(all, Email("soren"));
  ASSERT_EQ(to_soren.size(), 2u);
  const Json* placement = Find(to_soren, "intern_placed");
  ASSERT_NE(placement, nullptr);
  const Json& mail = *placement;
  EXPECT_EQ(mail["defects"].size(), 0u) << mail["defects"];
  EXPECT_EQ(mail["subject"],
            "Du skal i innovationspraktik hos Socialforvaltningen, Københavns Kommune");
  EXPECT_EQ(mail["to"], "Søren Ærø Åberg <" + Email("soren") + ">");
  EXPECT_EQ(mail["from"],
            "\"Innovationspraktikken, Center for Offentlig Innovation\" <praktik@coi.example>");
  EXPECT_THAT(mail["reply_to"].get<std::string>(), HasSubstr("<sekretariat@coi.example>"));
  EXPECT_THAT(mail["message_id"].get<std::string>(),
              AllOf(StartsWith("<"), HasSubstr(".0@coi.example>")));
  EXPECT_EQ(mail["mime_version"], "1.0");
  EXPECT_EQ(mail["structure"]["type"], "multipart/mixed");
  EXPECT_EQ(mail["structure"]["parts"][0]["type"], "multipart/alternative");
  EXPECT_EQ(mail["structure"]["parts"][0]["parts"][0]["type"], "text/plain");
  EXPECT_EQ(mail["structure"]["parts"][0]["parts"][1]["type"], "text/html");
  EXPECT_EQ(mail["structure"]["parts"][1]["type"], "text/calendar");
  std::string text = mail["text"];
  EXPECT_THAT(text,
              AllOf(HasSubstr("Kære Søren"), HasSubstr("Bernstorffsgade 17, 1592 København V"),
                    HasSubstr("Lene Krogh Jæppesen, Videndelingskonsulent"),
                    HasSubstr("lære af jeres værktøjer"), HasSubstr("Afstem forventningerne"),
                    HasSubstr("Med venlig hilsen\nSekretariatet for Innovationspraktikken")));
  EXPECT_THAT(mail["html"].get<std::string>(), HasSubstr("Kære Søren"));
  ASSERT_EQ(mail["calendars"].size(), 1u);
  const Json& calendar = mail["calendars"][0];
  EXPECT_EQ(calendar["method"], "REQUEST");
  EXPECT_EQ(calendar["method_parameter"], "REQUEST");
  EXPECT_EQ(calendar["file_name"], "innovationspraktik.ics");
  const Json& event = calendar["events"][0];
  EXPECT_EQ(event["uid"], "placement-pl-soren." + tenant_ + "@ipraktik");
  EXPECT_EQ(event["sequence"], 1);
  EXPECT_EQ(event["dtstart"], absl::FormatCivilTime(first_day));
  EXPECT_EQ(event["dtend"], absl::FormatCivilTime(first_day + 3));
  EXPECT_EQ(event["status"], "CONFIRMED");
  EXPECT_EQ(event["location"], "Bernstorffsgade 17, 1592 København V");
  EXPECT_THAT(event["attendee"].get<std::string>(), HasSubstr(Email("soren")));

  const Json* evaluation = Find(to_soren, "evaluation_invitation");
  ASSERT_NE(evaluation, nullptr);
  EXPECT_EQ((*evaluation)["subject"], "Hvordan gik innovationspraktikken?");
  EXPECT_THAT((*evaluation)["text"].get<std::string>(),
              AllOf(HasSubstr("https://evaluering.example/f/abc?s=1&t=2"),
                    HasSubstr("hos Socialforvaltningen")));
  EXPECT_EQ((*evaluation)["structure"]["type"], "multipart/alternative");

  auto to_lene = MailTo(all, Email("lene"));
  ASSERT_EQ(to_lene.size(), 1u);
  EXPECT_EQ(to_lene[0]["kind"], "host_interns");
  EXPECT_EQ(to_lene[0]["subject"],
            "En innovationspraktikant kommer til Socialforvaltningen, Københavns Kommune");
  EXPECT_THAT(to_lene[0]["text"].get<std::string>(),
              AllOf(HasSubstr("Kære Lene"), HasSubstr("Søren Ærø Åberg, Kriminalassistent"),
                    HasSubstr("Formål: Se hvordan en forvaltning deler viden")));
  ASSERT_EQ(to_lene[0]["calendars"].size(), 1u);
  EXPECT_EQ(to_lene[0]["calendars"][0]["events"][0]["uid"], event["uid"]);  // the same invitation

  auto to_emma = MailTo(all, Email("emma"));
  ASSERT_EQ(to_emma.size(), 1u);
  EXPECT_EQ(to_emma[0]["subject"],
            "We could not find an internship for you in Innovationspraktik 2026, uge 37");
  EXPECT_EQ(to_emma[0]["to"], "Emma O'Brien <" + Email("emma") + ">");
  EXPECT_THAT(to_emma[0]["text"].get<std::string>(),
              AllOf(HasSubstr("Dear Emma"), HasSubstr("had all its places filled by other interns"),
                    HasSubstr("Apply again in a later round"),
                    HasSubstr("Aarhus runs a local programme in spring."),
                    HasSubstr("Kind regards\nThe Innovation Internship secretariat")));
  EXPECT_EQ(to_emma[0]["calendars"].size(), 0u);

  // Each delivery is recorded as sent, with its subject.
  auto deliveries = RoundDeliveries("r1");
  ASSERT_EQ(deliveries.size(), 4u);
  for (const auto& delivery : deliveries) {
    EXPECT_EQ(delivery.state(), v1::DELIVERY_STATE_SENT) << delivery.DebugString();
    EXPECT_EQ(delivery.attempts(), 1);
    EXPECT_FALSE(delivery.subject().empty());
  }
  EXPECT_EQ(Metric("ipraktik_notification_emails_sent_total", {{"kind", "intern_placed"}}), 1);
  EXPECT_EQ(Metric("ipraktik_notification_send_seconds"), 4);
  EXPECT_EQ(Metric("ipraktik_notification_queue_lag_seconds"), 4) << "one per event";
}

// An intern with no day in common with any host they wished for is told exactly that, in their
// language, and not that the hosts left the round.
TEST_F(NotificationTest, AnInternWithNoCommonDayIsToldSoAndNotThatTheHostsLeft) {
  StartApp();
  for (const auto& [name, language] : {std::pair{std::string("ida"), v1::LANGUAGE_DANISH},
                                       std::pair{std::string("tom"), v1::LANGUAGE_ENGLISH}}) {
    v1::InternUnmatched unmatched;
    *unmatched.mutable_round() = RoundCard("r-days");
    *unmatched.mutable_intern() = PersonCard("p-" + name, name + " Holm", Email(name), language);
    unmatched.set_reason_code("no_common_day");
    unmatched.set_reason("no wished host has a day in common with the intern");
    unmatched.set_placement_id("pl-" + name);
    unmatched.set_revision(1);
    Send(contract::kInternUnmatched, unmatched);
  }
  ASSERT_TRUE(TenantReceived(2));
  Json all = ReceivedMail(*servers->smtp);
  auto to_ida = MailTo(all, Email("ida"));
  auto to_tom = MailTo(all, Email("tom"));
  ASSERT_EQ(to_ida.size(), 1u);
  ASSERT_EQ(to_tom.size(), 1u);
  EXPECT_THAT(to_ida[0]["text"].get<std::string>(),
              AllOf(HasSubstr("tager imod praktikanter på nogen af de dage, du har oplyst"),
                    Not(HasSubstr("ikke længere med i runden"))));
  EXPECT_THAT(to_ida[0]["html"].get<std::string>(),
              HasSubstr("tager imod praktikanter på nogen af de dage"));
  EXPECT_THAT(to_tom[0]["text"].get<std::string>(),
              AllOf(HasSubstr("receives interns on any of the days you said you could come"),
                    Not(HasSubstr("no longer part of the round"))));
}

TEST_F(NotificationTest, AReMatchUpdatesTheAffectedAndCancelsTheLostHostsInvitation) {
  StartApp();
  const auto first_day = Today() + 40;
  auto intern = PersonCard("p-anna", "Anna Ørsted", Email("anna"));
  auto old_host = OfferCard("h-old", Email("oldhost"));
  auto new_host = OfferCard("h-new", Email("newhost"));
  new_host.set_workplace_name("Dragør Kommune");
  auto placed = PlacedEvent("r2", intern, old_host, Days(first_day, 2), "pl-anna");
  Send(contract::kInternPlaced, placed);
  Send(contract::kHostInternsAssigned, HostAssigned("r2", old_host, {placed}, 1));
  ASSERT_TRUE(TenantReceived(2));

  // The re-match moves Anna: she gets an update, the old host a cancellation, the new host the
  // invitation; nobody else hears anything.
  auto moved = PlacedEvent("r2", intern, new_host, Days(first_day + 1, 2), "pl-anna", 2);
  Send(contract::kInternPlaced, moved);
  Send(contract::kHostInternsAssigned, HostAssigned("r2", old_host, {}, 2, {placed}));
  Send(contract::kHostInternsAssigned, HostAssigned("r2", new_host, {moved}, 1));
  // A late copy of the first placement (an older revision) changes nothing.
  Send(contract::kInternPlaced, placed);
  ASSERT_TRUE(TenantReceived(5));
  ASSERT_TRUE(FinishedWith(6)) << "every event handled: nothing more will be sent";

  Json all = ReceivedMail(*servers->smtp);
  auto to_anna = MailTo(all, Email("anna"));
  ASSERT_EQ(to_anna.size(), 2u);
  const Json* update = Find(to_anna, "intern_moved");
  ASSERT_NE(update, nullptr);
  EXPECT_EQ((*update)["subject"], "Ændring: din innovationspraktik er nu hos Dragør Kommune");
  const Json& updated_event = (*update)["calendars"][0]["events"][0];
  EXPECT_EQ((*update)["calendars"][0]["method"], "REQUEST");
  EXPECT_EQ(updated_event["uid"], "placement-pl-anna." + tenant_ + "@ipraktik");
  EXPECT_EQ(updated_event["sequence"], 2);
  EXPECT_EQ(updated_event["dtstart"], absl::FormatCivilTime(first_day + 1));

  auto to_old = MailTo(all, Email("oldhost"));
  ASSERT_EQ(to_old.size(), 2u);
  const Json* cancellation = Find(to_old, "host_cancellation");
  ASSERT_NE(cancellation, nullptr);
  EXPECT_EQ(
      (*cancellation)["subject"],
      "Aflyst: Anna Ørsted kommer ikke i praktik hos Socialforvaltningen, Københavns Kommune");
  const Json& cancel = (*cancellation)["calendars"][0];
  EXPECT_EQ(cancel["method"], "CANCEL");
  EXPECT_EQ(cancel["method_parameter"], "CANCEL");
  EXPECT_EQ(cancel["events"][0]["status"], "CANCELLED");
  EXPECT_EQ(cancel["events"][0]["uid"], "placement-pl-anna." + tenant_ + "@ipraktik");
  const Json* invitation = Find(to_old, "host_interns");
  ASSERT_NE(invitation, nullptr);
  EXPECT_GT(cancel["events"][0]["sequence"].get<int>(),
            (*invitation)["calendars"][0]["events"][0]["sequence"].get<int>());

  auto to_new = MailTo(all, Email("newhost"));
  ASSERT_EQ(to_new.size(), 1u);
  EXPECT_EQ(to_new[0]["kind"], "host_interns");
}

TEST_F(NotificationTest, ARedeliveredEventAndTwoReplicasSendEachEmailOnce) {
  StartApp();
  StartApp();  // a second replica on the same queue
  std::vector<events::Envelope> envelopes;
  for (int i = 0; i < 20; ++i) {
    auto intern = PersonCard("p-" + std::to_string(i), "Praktikant Nr. " + std::to_string(i),
                             Email("intern" + std::to_string(i)));
    envelopes.push_back(Envelope(contract::kInternPlaced, tenant_,
                                 PlacedEvent("r3", intern, OfferCard("h-x", Email("host")),
                                             Days(Today() + 50, 1), "pl-" + std::to_string(i))));
  }
  // Every event three times, interleaved, as a broker redelivering and a relay republishing would.
  for (int copy = 0; copy < 3; ++copy) {
    for (const auto& envelope : envelopes) Publish(*publisher_, envelope);
  }
  ASSERT_TRUE(TenantReceived(20));
  ASSERT_TRUE(FinishedWith(60)) << "every copy handled: no duplicate is still on its way";
  std::map<std::string, int> per_recipient;
  for (const auto& message : MailTo(ReceivedMail(*servers->smtp), tenant_ + ".example")) {
    ++per_recipient[message["to"].get<std::string>()];
  }
  EXPECT_EQ(per_recipient.size(), 20u);
  for (const auto& [to, count] : per_recipient) EXPECT_EQ(count, 1) << to;
  // Each of the 40 copies found its message done or being sent (one being sent is counted again
  // when it comes back).
  EXPECT_GE(Metric("ipraktik_notification_duplicates_skipped_total"), 40);
}

// GDPR: when the registration service erases a participant, their message records (name,
// address) and the events those came from go, and nothing is sent to them afterwards.
TEST_F(NotificationTest, AnErasedParticipantsRecordsGoAndNothingMoreIsSentToThem) {
  StartApp();
  auto erik = PersonCard("p-erik", "Erik Sletning", Email("erik"));
  auto anna = PersonCard("p-anna", "Anna Bliver", Email("anna"));
  auto offer = OfferCard("h-gdpr", Email("vaert"));
  Send(contract::kInternPlaced, PlacedEvent("r7", erik, offer, Days(Today() + 40, 1), "pl-erik"));
  Send(contract::kInternPlaced, PlacedEvent("r7", anna, offer, Days(Today() + 40, 1), "pl-anna"));
  ASSERT_TRUE(Eventually([&] { return RoundDeliveries("r7").size() == 2; }));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("erik")) == 1; }));
  v1::ListDeliveriesRequest eriks;
  eriks.set_participant_id("p-erik");
  ASSERT_EQ(Deliveries(eriks).size(), 1u);

  v1::ParticipantErased erased;
  erased.set_participant_id("p-erik");
  erased.add_round_ids("r7");
  Send(contract::kParticipantErased, erased);
  ASSERT_TRUE(Eventually([&] { return Deliveries(eriks).empty(); }));
  const auto left = RoundDeliveries("r7");
  ASSERT_EQ(left.size(), 1u) << "the other intern's record stays";
  EXPECT_EQ(left[0].participant_id(), "p-anna");

  // A re-match moving both: Anna hears of it, Erik does not.
  Send(contract::kInternPlaced,
       PlacedEvent("r7", erik, offer, Days(Today() + 41, 1), "pl-erik", 2));
  Send(contract::kInternPlaced,
       PlacedEvent("r7", anna, offer, Days(Today() + 41, 1), "pl-anna", 2));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("anna")) == 2; }));
  ASSERT_TRUE(FinishedWith(5)) << "Erik's re-match handled too";
  EXPECT_EQ(CountContaining(*servers->smtp, Email("erik")), 1);
  EXPECT_TRUE(Deliveries(eriks).empty());
  EXPECT_EQ(Metric("ipraktik_notification_erased_recipients_skipped_total"), 1);

  // The host hears who is coming: Anna, and no longer the erased Erik.
  Send(contract::kHostInternsAssigned,
       HostAssigned("r7", offer,
                    {PlacedEvent("r7", erik, offer, Days(Today() + 41, 1), "pl-erik", 2),
                     PlacedEvent("r7", anna, offer, Days(Today() + 41, 1), "pl-anna", 2)},
                    1));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("vaert")) == 1; }));
  const auto to_host = MailTo(ReceivedMail(*servers->smtp), Email("vaert"));
  ASSERT_EQ(to_host.size(), 1u);
  const std::string text = to_host[0]["text"];
  EXPECT_THAT(text, HasSubstr("Anna Bliver"));
  EXPECT_THAT(text, Not(HasSubstr("Erik")));
}

TEST_F(NotificationTest, SmtpDownForAWhileThenUpEverythingArrivesOnce) {
  StartApp();
  servers->smtp->Stop();
  for (int i = 0; i < 6; ++i) {
    auto intern = PersonCard("p-d" + std::to_string(i), "Dorte Ødegård " + std::to_string(i),
                             Email("down" + std::to_string(i)));
    Send(contract::kInternPlaced, PlacedEvent("r4", intern, OfferCard("h-y", Email("host")),
                                              Days(Today() + 60, 2), "pl-d" + std::to_string(i)));
  }
  // The sends fail and are retried: the records say so.
  ASSERT_TRUE(Eventually([&] {
    auto deliveries = RoundDeliveries("r4");
    if (deliveries.size() != 6) return false;
    for (const auto& delivery : deliveries) {
      if (delivery.state() != v1::DELIVERY_STATE_RETRYING || delivery.attempts() < 2) return false;
    }
    return true;
  }));
  EXPECT_EQ(RoundDeliveries("r4")[0].failure_reason(), "transient");
  servers->smtp->Start();
  ASSERT_TRUE(TenantReceived(6));
  ASSERT_TRUE(FinishedWith(6)) << "no retry is still on its way";
  std::map<std::string, int> per_recipient;
  for (const auto& message : MailTo(ReceivedMail(*servers->smtp), tenant_ + ".example")) {
    ++per_recipient[message["to"].get<std::string>()];
  }
  EXPECT_EQ(per_recipient.size(), 6u);
  for (const auto& [to, count] : per_recipient) EXPECT_EQ(count, 1) << to;
  for (const auto& delivery : RoundDeliveries("r4")) {
    EXPECT_EQ(delivery.state(), v1::DELIVERY_STATE_SENT);
  }
  EXPECT_GE(Metric("ipraktik_notification_emails_retried_total", {{"reason", "transient"}}), 12)
      << "six messages, each tried at least twice while the server was down";
}

// Issue #13: a recipient with CR/LF, reachable by an event on the bus, never becomes a header.
TEST_F(NotificationTest, ARecipientWithALineBreakFailsAndNeverReachesAHeader) {
  StartApp();
  auto forged = PersonCard("p-crlf", "Eve", "eve@coi.example\r\nBcc: all@example.org");
  Send(contract::kInternPlaced, PlacedEvent("r5x", forged, OfferCard("h-x", Email("xhost")),
                                            Days(Today() + 70, 1), "pl-crlf"));
  ASSERT_TRUE(FinishedWith(1));
  auto failed = RoundDeliveries("r5x", true);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].failure_reason(), "bad_address");
  EXPECT_EQ(CountContaining(*servers->smtp, "all@example.org"), 0);
}

// Issue #13: a tenant's settings take https links only, a sender in a configured domain, and
// bounded text; a megabyte value is refused by the request limits before anything is stored.
TEST_F(NotificationTest, SettingsAreCheckedBeforeTheyAreStored) {
  StartApp();
  auto refused = [&](auto change) {
    v1::UpdateNotificationSettingsRequest update;
    change(*update.mutable_settings());
    v1::UpdateNotificationSettingsResponse updated;
    grpc::Status status = stub_->UpdateNotificationSettings(Call().get(), update, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    return status.error_message();
  };
  EXPECT_THAT(refused([](auto& s) { s.set_programme_url("javascript:alert(1)"); }),
              HasSubstr("settings.programme_url: must be an https:// link"));
  EXPECT_THAT(refused([](auto& s) { s.set_programme_url("https://x.dk/\"><script>"); }),
              HasSubstr("settings.programme_url"));
  EXPECT_THAT(refused([](auto& s) { s.set_sender_address("ceo@bank.example"); }),
              HasSubstr("settings.sender_address: must be in a sender domain configured for this "
                        "service (coi.example)"));
  EXPECT_THAT(refused([](auto& s) { s.set_signature_da(std::string(1 << 20, 's')); }),
              HasSubstr("settings.signature_da: has 1048576 bytes; at most 4000"));
  EXPECT_THAT(refused([](auto& s) { s.set_signature_en(std::string(3000, 's')); }),
              HasSubstr("settings.signature_en: is longer than 1000 characters"));
  EXPECT_THAT(refused([](auto& s) { s.set_sender_name("Innovations\u202Epraktikken"); }),
              HasSubstr("settings.sender_name: must be one line"));

  v1::UpdateNotificationSettingsRequest good;
  good.mutable_settings()->set_programme_url("https://coi.example/ipraktik");
  good.mutable_settings()->set_sender_address("Praktik@COI.example");
  v1::UpdateNotificationSettingsResponse updated;
  grpc::Status status = stub_->UpdateNotificationSettings(Call().get(), good, &updated);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(NotificationTest, ABadAddressIsAPermanentFailureAndCanBeResentAfterwards) {
  StartApp();
  auto bad = PersonCard("p-bad", "Bente Bad", "bente.at.kommune.dk");
  Send(contract::kInternPlaced,
       PlacedEvent("r5", bad, OfferCard("h-z", Email("zhost")), Days(Today() + 70, 1), "pl-bad"));
  auto good = PersonCard("p-good", "Gitte God", Email("gitte"));
  Send(contract::kInternPlaced,
       PlacedEvent("r5", good, OfferCard("h-z", Email("zhost")), Days(Today() + 70, 1), "pl-good"));
  ASSERT_TRUE(Eventually([&] { return RoundDeliveries("r5", true).size() == 1; }));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("gitte")) == 1; }));
  auto failed = RoundDeliveries("r5", true);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].state(), v1::DELIVERY_STATE_FAILED);
  EXPECT_EQ(failed[0].failure_reason(), "bad_address");
  EXPECT_EQ(failed[0].participant_id(), "p-bad");
  EXPECT_THAT(failed[0].last_error(), HasSubstr("bente.at.kommune.dk"));
  EXPECT_EQ(Metric("ipraktik_notification_emails_failed_total", {{"reason", "bad_address"}}), 1);
  // Not retried: both events are finished with, and the attempt count stays.
  ASSERT_TRUE(FinishedWith(2));
  v1::GetDeliveryRequest get;
  get.set_message_id(failed[0].message_id());
  v1::GetDeliveryResponse got;
  ASSERT_TRUE(stub_->GetDelivery(Call().get(), get, &got).ok());
  EXPECT_EQ(got.delivery().attempts(), 1);

  // Status by participant, and failed only across rounds.
  v1::ListDeliveriesRequest by_participant;
  by_participant.set_participant_id("p-good");
  auto gittes = Deliveries(by_participant);
  ASSERT_EQ(gittes.size(), 1u);
  EXPECT_EQ(gittes[0].state(), v1::DELIVERY_STATE_SENT);
  EXPECT_EQ(gittes[0].recipient_email(), Email("gitte"));
  v1::ListDeliveriesRequest failed_only;
  failed_only.set_failed_only(true);
  EXPECT_EQ(Deliveries(failed_only).size(), 1u);

  // A coordinator resends Gitte's message: it arrives again, as a new message.
  v1::ResendMessageRequest resend;
  resend.set_message_id(gittes[0].message_id());
  v1::ResendMessageResponse resent;
  ASSERT_TRUE(stub_->ResendMessage(Call().get(), resend, &resent).ok());
  EXPECT_EQ(resent.delivery().resends(), 1);
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("gitte")) == 2; }));
  auto gitte_mail = MailTo(ReceivedMail(*servers->smtp), Email("gitte"));
  std::set<std::string> ids;
  for (const auto& message : gitte_mail) ids.insert(message["message_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_TRUE(ids.contains("<" + gittes[0].message_id() + ".1@coi.example>"));
  ASSERT_TRUE(Eventually([&] {
    auto again = Deliveries(by_participant);
    return again.size() == 1 && again[0].state() == v1::DELIVERY_STATE_SENT &&
           again[0].resends() == 1 && again[0].attempts() == 2;
  }));
  // Resending an unknown message is NOT_FOUND.
  resend.set_message_id("no-such-message");
  EXPECT_EQ(stub_->ResendMessage(Call().get(), resend, &resent).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotificationTest, PreviewRendersWithoutSendingInEitherLanguage) {
  StartApp();
  v1::PreviewMessagesRequest request;
  *request.mutable_intern_placed() =
      PlacedEvent("r6", PersonCard("p-eng", "Erik Ås", Email("erik"), v1::LANGUAGE_ENGLISH),
                  OfferCard("h-p", Email("phost")), Days(Today() + 80, 3), "pl-eng");
  v1::PreviewMessagesResponse response;
  ASSERT_TRUE(stub_->PreviewMessages(Call().get(), request, &response).ok());
  ASSERT_EQ(response.messages_size(), 1);
  const auto& english = response.messages(0);
  EXPECT_EQ(english.kind(), v1::MESSAGE_KIND_INTERN_PLACED);
  EXPECT_EQ(english.language(), v1::LANGUAGE_ENGLISH);
  EXPECT_EQ(english.subject(),
            "Your innovation internship: Socialforvaltningen, Københavns Kommune");
  EXPECT_THAT(english.text_body(), HasSubstr("Dear Erik"));
  ASSERT_EQ(english.calendars_size(), 1);
  EXPECT_EQ(english.calendars(0).method(), "REQUEST");
  EXPECT_THAT(english.mime(), HasSubstr("\r\nSubject: =?UTF-8?B?"));

  request.set_language(v1::LANGUAGE_DANISH);
  ASSERT_TRUE(stub_->PreviewMessages(Call().get(), request, &response).ok());
  EXPECT_THAT(response.messages(0).text_body(), HasSubstr("Kære Erik"));

  request.set_kind(v1::MESSAGE_KIND_INTERN_REMINDER);
  request.clear_language();
  ASSERT_TRUE(stub_->PreviewMessages(Call().get(), request, &response).ok());
  ASSERT_EQ(response.messages_size(), 1);
  EXPECT_EQ(response.messages(0).subject(),
            "Coming up: your internship at Socialforvaltningen, Københavns Kommune in 3 days");

  v1::PreviewMessagesRequest empty;
  EXPECT_EQ(stub_->PreviewMessages(Call().get(), empty, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A later event is the marker: once its one e-mail arrived and it is finished with, the
  // previews would have shown as e-mails or records if they had caused any.
  Send(contract::kInternPlaced,
       PlacedEvent("r6-marker", PersonCard("p-m", "Maren", Email("maren")),
                   OfferCard("h-p", Email("phost")), Days(Today() + 80, 3), "pl-marker"));
  ASSERT_TRUE(FinishedWith(1));
  EXPECT_EQ(TenantMessages(), 1) << "the marker's only";
  EXPECT_TRUE(RoundDeliveries("r6").empty());
}

TEST_F(NotificationTest, RemindersGoOutTheConfiguredDaysBefore) {
  settings_.notifier.reminder_time_of_day = absl::ZeroDuration();  // midnight: due at once
  StartApp();
  v1::UpdateNotificationSettingsRequest update;
  update.mutable_settings()->set_reminder_days_before(2);
  v1::UpdateNotificationSettingsResponse updated;
  ASSERT_TRUE(stub_->UpdateNotificationSettings(Call().get(), update, &updated).ok());
  // Placed yesterday, two days before the internship: the reminder is due today at 00:00.
  auto intern = PersonCard("p-rem", "Rikke Ærenlund", Email("rikke"));
  auto offer = OfferCard("h-rem", Email("remhost"));
  auto placed = PlacedEvent("r7", intern, offer, Days(Today() + 2, 2), "pl-rem");
  Send(contract::kInternPlaced, placed, absl::Now() - absl::Hours(30));
  Send(contract::kHostInternsAssigned, HostAssigned("r7", offer, {placed}, 1),
       absl::Now() - absl::Hours(30));
  // A placement far ahead gets its reminder later, not now.
  Send(contract::kInternPlaced,
       PlacedEvent("r7", PersonCard("p-later", "Lars Senere", Email("lars")), offer,
                   Days(Today() + 20, 1), "pl-later"),
       absl::Now() - absl::Hours(30));

  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("rikke")) == 2; }));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("remhost")) == 2; }));
  // Three events and the two due reminders are finished with: nothing more for these e-mails.
  ASSERT_TRUE(FinishedWith(5));
  Json all = ReceivedMail(*servers->smtp);
  auto to_rikke = MailTo(all, Email("rikke"));
  const Json* reminder = Find(to_rikke, "intern_reminder");
  ASSERT_NE(reminder, nullptr);
  EXPECT_EQ((*reminder)["subject"],
            "Snart praktik: Socialforvaltningen, Københavns Kommune om 2 dage");
  EXPECT_THAT((*reminder)["text"].get<std::string>(),
              HasSubstr("Har du talt med Lene Krogh Jæppesen"));
  auto to_host = MailTo(all, Email("remhost"));
  EXPECT_NE(Find(to_host, "host_reminder"), nullptr);
  EXPECT_EQ(MailTo(all, Email("lars")).size(), 1u);               // the placement only
  EXPECT_EQ(CountContaining(*servers->smtp, Email("rikke")), 2);  // once, however often polled
}

// A resend is stored together with its event in the tenant's outbox: while no relay runs the
// event waits there, and once one runs the message is sent again, once.
TEST_F(NotificationTest, AResendWaitsInTheOutboxWhileNoRelayRunsAndIsSentOnce) {
  StartApp(/*relay=*/false);
  Send(contract::kInternPlaced,
       PlacedEvent("r9", PersonCard("p-out", "Olga Udbakke", Email("olga")),
                   OfferCard("h-o", Email("ohost")), Days(Today() + 60, 1), "pl-out"));
  v1::ListDeliveriesRequest by_participant;
  by_participant.set_participant_id("p-out");
  std::vector<v1::Delivery> olgas;
  ASSERT_TRUE(Eventually([&] {
    olgas = Deliveries(by_participant);
    return olgas.size() == 1 && olgas[0].state() == v1::DELIVERY_STATE_SENT;
  }));
  ASSERT_EQ(OutboxBacklog(), 0);

  v1::ResendMessageRequest resend;
  resend.set_message_id(olgas[0].message_id());
  v1::ResendMessageResponse resent;
  ASSERT_TRUE(stub_->ResendMessage(Call().get(), resend, &resent).ok());
  EXPECT_EQ(resent.delivery().resends(), 1);
  EXPECT_EQ(OutboxBacklog(), 1) << "the change and its event are stored together";

  StartRelay();
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("olga")) == 2; }));
  ASSERT_TRUE(Eventually([&] {
    auto again = Deliveries(by_participant);
    return again.size() == 1 && again[0].state() == v1::DELIVERY_STATE_SENT &&
           again[0].resends() == 1 && again[0].attempts() == 2;
  }));
  ASSERT_TRUE(Eventually([&] { return OutboxBacklog() == 0; }));
  EXPECT_EQ(CountContaining(*servers->smtp, Email("olga")), 2);
}

// A resend accepted before its message was superseded (the resend waits in the outbox while the
// host's decline cancels the placement): the outdated placement is not sent, and the record ends
// failed with the reason.
TEST_F(NotificationTest, AResendOfAMessageSupersededMeanwhileSendsNothingAndSaysWhy) {
  StartApp(/*relay=*/false);
  auto intern = PersonCard("p-late", "Lise Sent", Email("lise"));
  const auto days = Days(Today() + 45, 1);
  Send(contract::kInternPlaced,
       PlacedEvent("r-late", intern, OfferCard("h-late", Email("lhost")), days, "pl-lise"));
  v1::ListDeliveriesRequest by_participant;
  by_participant.set_participant_id("p-late");
  std::vector<v1::Delivery> lises;
  ASSERT_TRUE(Eventually([&] {
    lises = Deliveries(by_participant);
    return lises.size() == 1 && lises[0].state() == v1::DELIVERY_STATE_SENT;
  }));
  const std::string placed_id = lises[0].message_id();
  v1::ResendMessageRequest resend;
  resend.set_message_id(placed_id);
  v1::ResendMessageResponse resent;
  ASSERT_TRUE(stub_->ResendMessage(Call().get(), resend, &resent).ok());

  Send(contract::kInternUnmatched, DeclinedEvent("r-late", intern, days, "pl-lise"));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("lise")) == 2; }));

  StartRelay();
  v1::GetDeliveryRequest get;
  get.set_message_id(placed_id);
  v1::GetDeliveryResponse got;
  ASSERT_TRUE(Eventually([&] {
    return stub_->GetDelivery(Call().get(), get, &got).ok() &&
           got.delivery().state() == v1::DELIVERY_STATE_FAILED;
  })) << got.DebugString();
  EXPECT_EQ(got.delivery().failure_reason(), "superseded");
  EXPECT_TRUE(got.delivery().superseded());
  EXPECT_THAT(got.delivery().last_error(), HasSubstr("revision 2"));
  ASSERT_TRUE(Eventually([&] { return OutboxBacklog() == 0; }));
  // The record ended without sending: the placement went out once, the cancellation once.
  EXPECT_EQ(CountContaining(*servers->smtp, Email("lise")), 2);
}

// A due reminder leaves the schedule in the script that puts its event in the outbox: while no
// relay runs it waits there, and once one runs the reminder goes out, once.
TEST_F(NotificationTest, ADueReminderWaitsInTheOutboxWhileNoRelayRunsAndIsSentOnce) {
  settings_.notifier.reminder_time_of_day = absl::ZeroDuration();  // midnight: due at once
  StartApp(/*relay=*/false);
  // Three days ahead (the default), announced 30 hours ago: the reminder was due at 00:00.
  Send(contract::kInternPlaced,
       PlacedEvent("r10", PersonCard("p-pia", "Pia Påmindelse", Email("pia")),
                   OfferCard("h-pia", Email("piahost")), Days(Today() + 3, 1), "pl-pia"),
       absl::Now() - absl::Hours(30));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("pia")) == 1; }));
  const std::string schedule = NotificationKeys::For(tenant_)->Reminders();
  ASSERT_TRUE(Eventually([&] {
    auto scheduled = redis_->Command({"ZCARD", schedule});
    return scheduled.ok() && scheduled->integer() == 0 && OutboxBacklog() == 1;
  }));
  EXPECT_EQ(CountContaining(*servers->smtp, Email("pia")), 1);

  StartRelay();
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("pia")) == 2; }));
  ASSERT_TRUE(Eventually([&] { return OutboxBacklog() == 0; }));
  auto to_pia = MailTo(ReceivedMail(*servers->smtp), Email("pia"));
  EXPECT_NE(Find(to_pia, "intern_reminder"), nullptr);
  EXPECT_EQ(CountContaining(*servers->smtp, Email("pia")), 2);
}

// A sender decides its next change on the record as its own last change left it, without
// reading it; when another replica took the message over meanwhile, that guess fails the
// record's version check, the record is read, and the change is refused.
TEST_F(NotificationTest, ASenderWhoseClaimWasTakenOverCannotHandOverOnItsRememberedRecord) {
  outbox::Outbox other_outbox(*redis_, "notification");
  DeliveryRepository first(*redis_, other_outbox, absl::Hours(1));
  DeliveryRepository second(*redis_, other_outbox, absl::Hours(1));
  const DeliveryRecord fields{.message_id = "m-taken-over",
                              .event_id = "e-taken-over",
                              .event_type = contract::kInternPlaced,
                              .kind = "intern_placed",
                              .round_id = "r12",
                              .participant_id = "p-taken-over",
                              .recipient_email = Email("taken"),
                              .language = "da"};
  const absl::Time start = absl::Now();
  auto claim = first.ClaimMessage(tenant_, fields, "sender-1", start, absl::Seconds(1));
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_EQ(claim->result, Claim::Result::kClaimed);
  // The first sender's lease ran out (it stalled): the other replica takes the message over.
  const absl::Time later = start + absl::Seconds(5);
  auto taken = second.ClaimMessage(tenant_, fields, "sender-2", later, absl::Minutes(1));
  ASSERT_TRUE(taken.ok()) << taken.status();
  ASSERT_EQ(taken->result, Claim::Result::kClaimed);
  // The first sender comes back: its remembered record is stale, and it holds nothing now.
  EXPECT_FALSE(
      first.MarkHandedOver(tenant_, "m-taken-over", "sender-1", later, absl::Seconds(1)).ok());
  EXPECT_FALSE(first
                   .FinishMessage(tenant_, "m-taken-over", "sender-1",
                                  {.state = DeliveryState::kSent}, later)
                   .ok());
  EXPECT_EQ((*second.Get(tenant_, "m-taken-over"))->state, "sending");
  // The holder's own changes go through (on its remembered record) and are stored.
  ASSERT_TRUE(
      second.MarkHandedOver(tenant_, "m-taken-over", "sender-2", later, absl::Minutes(1)).ok());
  ASSERT_TRUE(second
                  .FinishMessage(tenant_, "m-taken-over", "sender-2",
                                 {.state = DeliveryState::kSent}, later)
                  .ok());
  auto record = first.Get(tenant_, "m-taken-over");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->state, "sent");
  // A claim of a message that exists already (a redelivery) is read and found done.
  auto again = first.ClaimMessage(tenant_, fields, "sender-3", later, absl::Minutes(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->result, Claim::Result::kDone);
}

// A resend the record's state refuses stores neither the change nor an event; resends made at
// once are each decided on the record as it then is, so each stores its own number and event.
TEST_F(NotificationTest, ARefusedResendStoresNothingAndResendsAtOnceEachStoreTheirOwn) {
  DeliveryRepository& repository = StartApp(/*relay=*/false).repository();
  const DeliveryRecord fields{.message_id = "m-at-once",
                              .event_id = "e-at-once",
                              .event_type = contract::kInternPlaced,
                              .kind = "intern_placed",
                              .round_id = "r11",
                              .participant_id = "p-at-once",
                              .recipient_email = Email("once"),
                              .language = "da"};
  auto claim = repository.ClaimMessage(tenant_, fields, "sender-1", absl::Now(), absl::Minutes(1));
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_EQ(claim->result, Claim::Result::kClaimed);
  // Being sent right now: refused, nothing stored.
  auto refused = repository.RequestResend(tenant_, "m-at-once", "c-1", absl::Now());
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_EQ(OutboxBacklog(), 0);
  EXPECT_EQ((*repository.Get(tenant_, "m-at-once"))->resends, 0);

  ASSERT_TRUE(repository
                  .FinishMessage(tenant_, "m-at-once", "sender-1", {.state = DeliveryState::kSent},
                                 absl::Now())
                  .ok());
  // A sender that no longer holds the claim cannot record an outcome.
  EXPECT_TRUE(absl::IsFailedPrecondition(repository.FinishMessage(
      tenant_, "m-at-once", "sender-1", {.state = DeliveryState::kFailed}, absl::Now())));

  constexpr int kCoordinators = 5;
  std::vector<int> numbers(kCoordinators, -1);
  {
    std::vector<std::jthread> coordinators;
    for (int i = 0; i < kCoordinators; ++i) {
      coordinators.emplace_back([&, i] {
        auto resent = repository.RequestResend(tenant_, "m-at-once", "c-2", absl::Now());
        if (resent.ok()) numbers[i] = resent->resends;
      });
    }
  }
  EXPECT_EQ(std::set<int>(numbers.begin(), numbers.end()), (std::set<int>{1, 2, 3, 4, 5}));
  const std::string stream = outbox::StreamKey(*store::TenantKeys::For(tenant_), "notification");
  auto entries = redis_->Command({"XRANGE", stream, "-", "+"});
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::set<int> announced;
  for (const auto& entry : entries->elements()) {
    const auto& entry_fields = entry.elements()[1].elements();
    for (std::size_t i = 0; i + 1 < entry_fields.size(); i += 2) {
      if (entry_fields[i].str() != "envelope") continue;
      auto envelope = events::ParseEnvelope(entry_fields[i + 1].str());
      ASSERT_TRUE(envelope.ok()) << envelope.status();
      EXPECT_EQ(envelope->type(), contract::kResendRequested);
      v1::ResendRequested payload;
      ASSERT_TRUE(envelope->payload().UnpackTo(&payload));
      announced.insert(payload.resend());
    }
  }
  EXPECT_EQ(announced, (std::set<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ((*repository.Get(tenant_, "m-at-once"))->resends, 5);
  // Nothing here is meant to be sent: the next test's relay must not find these events.
  ASSERT_TRUE(redis_->Command({"DEL", stream}).ok());
}

// A placement later cancelled (the host declined): its first message is superseded. It is
// marked so, and resending it is refused with the reason instead of sending the old placement
// with a calendar REQUEST; the current message (the cancellation) can still be resent.
TEST_F(NotificationTest, ASupersededMessageIsMarkedAndItsResendIsRefusedWithTheReason) {
  StartApp();
  auto intern = PersonCard("p-dec", "Dorte Declined", Email("dorte"));
  const auto days = Days(Today() + 40, 2);
  Send(contract::kInternPlaced,
       PlacedEvent("r-dec", intern, OfferCard("h-dec", Email("dhost")), days, "pl-dorte"));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("dorte")) == 1; }));
  Send(contract::kInternUnmatched, DeclinedEvent("r-dec", intern, days, "pl-dorte"));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("dorte")) == 2; }));
  ASSERT_TRUE(FinishedWith(2));

  std::string placed_id;
  std::string unmatched_id;
  for (const auto& delivery : RoundDeliveries("r-dec")) {
    if (delivery.kind() == v1::MESSAGE_KIND_INTERN_PLACED) placed_id = delivery.message_id();
    if (delivery.kind() == v1::MESSAGE_KIND_INTERN_UNMATCHED) {
      unmatched_id = delivery.message_id();
      EXPECT_FALSE(delivery.superseded());
    }
  }
  ASSERT_FALSE(placed_id.empty());
  ASSERT_FALSE(unmatched_id.empty());
  v1::GetDeliveryRequest get;
  get.set_message_id(placed_id);
  v1::GetDeliveryResponse got;
  ASSERT_TRUE(stub_->GetDelivery(Call().get(), get, &got).ok());
  EXPECT_TRUE(got.delivery().superseded());
  EXPECT_THAT(got.delivery().superseded_reason(),
              AllOf(HasSubstr("revision 1 of placement pl-dorte"), HasSubstr("revision 2")));

  v1::ResendMessageRequest resend;
  resend.set_message_id(placed_id);
  v1::ResendMessageResponse resent;
  grpc::Status refused = stub_->ResendMessage(Call().get(), resend, &resent);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("outdated placement"));
  ASSERT_TRUE(stub_->GetDelivery(Call().get(), get, &got).ok());
  EXPECT_EQ(got.delivery().resends(), 0) << "nothing stored for the refused resend";

  // The current message is resent; it is the only new e-mail (the marker that the refused one
  // did not go out meanwhile: both would be sent by the same queue, in order).
  resend.set_message_id(unmatched_id);
  ASSERT_TRUE(stub_->ResendMessage(Call().get(), resend, &resent).ok());
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("dorte")) == 3; }));
  int placed_mails = 0;
  for (const auto& mail : MailTo(ReceivedMail(*servers->smtp), Email("dorte"))) {
    placed_mails += mail["kind"] == "intern_placed" ? 1 : 0;
    if (mail["kind"] == "intern_unmatched") {
      EXPECT_EQ(mail["calendars"][0]["method"], "CANCEL");
    }
  }
  EXPECT_EQ(placed_mails, 1);
}

TEST_F(NotificationTest, StartTlsWithAuthenticationConfigurable) {
  // The TLS sink requires STARTTLS; the service trusts its self-signed certificate.
  settings_.smtp.url = servers->tls_smtp->url();
  settings_.smtp.starttls = StartTls::kRequired;
  settings_.smtp.ca_file = servers->tls_smtp->certificate().string();
  StartApp();
  Send(contract::kInternPlaced,
       PlacedEvent("r8", PersonCard("p-tls", "Tina Tåsinge", Email("tina")),
                   OfferCard("h-t", Email("thost")), Days(Today() + 90, 1), "pl-tls"));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->tls_smtp, Email("tina")) == 1; }));
  auto mail = MailTo(ReceivedMail(*servers->tls_smtp), Email("tina"));
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["to"], "Tina Tåsinge <" + Email("tina") + ">");

  // Without the CA the certificate is refused: a transient failure, retried, nothing sent.
  SmtpConnection untrusted({.url = servers->tls_smtp->url(), .starttls = StartTls::kRequired});
  SmtpAttempt attempt = untrusted.Send("a@coi.example", Email("nobody"), "Subject: x\r\n\r\nx\r\n",
                                       [] { return absl::OkStatus(); });
  EXPECT_FALSE(attempt.accepted);
  EXPECT_EQ(JudgeSmtpAttempt(attempt).verdict, Verdict::kRetry) << attempt.error;
}

}  // namespace
}  // namespace ipraktik::notification

namespace ipraktik::notification {
namespace {

// The personal placement links of the e-mails in `text` (the tenant's, on the test's web address).
std::vector<std::string> LinkTokens(const std::string& text, const std::string& tenant) {
  std::vector<std::string> tokens;
  const std::regex link("https://praktik\\.example/placement/" + tenant + "/(ipp_[0-9A-Za-z]{36})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator();
       ++it) {
    tokens.push_back((*it)[1].str());
  }
  return tokens;
}

std::vector<std::string> FieldsNamed(const grpc::Status& status) {
  std::vector<std::string> fields;
  for (const auto& violation : errors::FieldViolationsOf(rpc_status::FromGrpcStatus(status))) {
    fields.push_back(violation.field);
  }
  return fields;
}

std::string PreconditionType(const grpc::Status& status) {
  auto violations = errors::PreconditionViolationsOf(rpc_status::FromGrpcStatus(status));
  return violations.empty() ? std::string() : violations[0].type;
}

TEST_F(NotificationTest, APlacementLinkInTheEmailShowsThePlacementUntilItIsCancelledOrExpires) {
  settings_.notifier.links = {.participant_web_url = "https://praktik.example/",
                              .token_secret = ipraktik::testing::kTestTokenSecret,
                              .extra_days = 30};
  StartApp();
  const auto first_day = Today() + 20;
  auto intern = PersonCard("p-ida", "Ida Link", Email("ida"), v1::LANGUAGE_ENGLISH);
  auto offer = OfferCard("h-link", Email("vaert"));
  auto placed = PlacedEvent("r9", intern, offer, Days(first_day, 2), "r9/p-ida");
  Send(contract::kInternPlaced, placed);
  Send(contract::kHostInternsAssigned, HostAssigned("r9", offer, {placed}, 1));
  ASSERT_TRUE(Eventually([&] {
    return CountContaining(*servers->smtp, Email("ida")) == 1 &&
           CountContaining(*servers->smtp, Email("vaert")) == 1;
  }));
  Json all = ReceivedMail(*servers->smtp);
  const auto to_ida = MailTo(all, Email("ida"));
  const auto to_host = MailTo(all, Email("vaert"));
  ASSERT_EQ(to_ida.size(), 1u);
  ASSERT_EQ(to_host.size(), 1u);
  // The link is in both parts of each e-mail, in the person's language.
  const auto intern_links = LinkTokens(to_ida[0]["text"], tenant_);
  ASSERT_EQ(intern_links.size(), 1u) << to_ida[0]["text"];
  EXPECT_EQ(LinkTokens(to_ida[0]["html"], tenant_), intern_links);
  EXPECT_THAT(to_ida[0]["text"].get<std::string>(), HasSubstr("YOUR INTERNSHIP ONLINE"));
  const auto host_links = LinkTokens(to_host[0]["text"], tenant_);
  ASSERT_EQ(host_links.size(), 1u) << to_host[0]["text"];
  EXPECT_EQ(LinkTokens(to_host[0]["html"], tenant_), host_links);
  EXPECT_THAT(to_host[0]["text"].get<std::string>(), HasSubstr("DINE PRAKTIKANTER ONLINE"));
  const std::string intern_token = intern_links[0];
  const std::string host_token = host_links[0];
  EXPECT_NE(intern_token, host_token);

  // Neither the token nor the e-mail address is in any key.
  auto keys = redis_->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  for (const auto& key : keys->elements()) {
    EXPECT_THAT(key.str(), AllOf(Not(HasSubstr(intern_token)), Not(HasSubstr(host_token)),
                                 Not(HasSubstr("@"))));
  }

  // The intern's page: the host, address, days, contact, guide and calendar, in English.
  v1::LookupPlacementRequest lookup;
  lookup.set_placement_token(intern_token);
  v1::LookupPlacementResponse mine;
  grpc::Status status = stub_->LookupPlacement(ParticipantCall().get(), lookup, &mine);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(mine.role(), v1::PLACEMENT_ROLE_INTERN);
  EXPECT_EQ(mine.host_offer().address(), "Bernstorffsgade 17, 1592 København V");
  EXPECT_EQ(mine.host_offer().contact().name(), "Lene Krogh Jæppesen");
  EXPECT_EQ(mine.participant().participant_id(), "p-ida");
  EXPECT_EQ(mine.days_size(), 2);
  EXPECT_EQ(mine.language(), v1::LANGUAGE_ENGLISH);
  EXPECT_THAT(mine.guide(), HasSubstr("Align expectations beforehand"));
  ASSERT_EQ(mine.calendars_size(), 1);
  EXPECT_EQ(mine.calendars(0).method(), "REQUEST");
  EXPECT_THAT(mine.calendars(0).content(),
              AllOf(HasSubstr("BEGIN:VCALENDAR"), HasSubstr("UID:placement-r9/p-ida")));
  const auto last = first_day + 1 + 30;
  EXPECT_EQ(mine.valid_until().year(), last.year());
  EXPECT_EQ(mine.valid_until().month(), last.month());
  EXPECT_EQ(mine.valid_until().day(), last.day());

  // The host's page: the interns coming, in Danish.
  lookup.set_placement_token(host_token);
  v1::LookupPlacementResponse host;
  status = stub_->LookupPlacement(ParticipantCall().get(), lookup, &host);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(host.role(), v1::PLACEMENT_ROLE_HOST);
  ASSERT_EQ(host.interns_size(), 1);
  EXPECT_EQ(host.interns(0).intern().name(), "Ida Link");
  EXPECT_THAT(host.guide(), HasSubstr("Brug hele arbejdspladsen"));
  EXPECT_EQ(host.calendars_size(), 1);

  // A resend renders the same link: no second token.
  v1::ListDeliveriesRequest idas;
  idas.set_participant_id("p-ida");
  const auto deliveries = Deliveries(idas);
  ASSERT_EQ(deliveries.size(), 1u);
  v1::ResendMessageRequest resend;
  resend.set_message_id(deliveries[0].message_id());
  v1::ResendMessageResponse resent;
  ASSERT_TRUE(stub_->ResendMessage(Call().get(), resend, &resent).ok());
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("ida")) == 2; }));
  const auto again = MailTo(ReceivedMail(*servers->smtp), Email("ida"));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(LinkTokens(again[0]["text"], tenant_), LinkTokens(again[1]["text"], tenant_));
  // A coordinator's preview never shows the participant's token.
  v1::PreviewMessagesRequest preview;
  preview.set_message_id(deliveries[0].message_id());
  v1::PreviewMessagesResponse previewed;
  ASSERT_TRUE(stub_->PreviewMessages(Call().get(), preview, &previewed).ok());
  ASSERT_EQ(previewed.messages_size(), 1);
  EXPECT_THAT(
      previewed.messages(0).text_body(),
      AllOf(HasSubstr("/placement/" + tenant_ + "/ipp_PREVIEW"), Not(HasSubstr(intern_token))));

  // Bad tokens: the field is named; a token nobody was given is not found.
  for (const std::string& bad :
       {std::string(), intern_token.substr(0, 20), "ipa" + intern_token.substr(3)}) {
    lookup.set_placement_token(bad);
    v1::LookupPlacementResponse none;
    status = stub_->LookupPlacement(ParticipantCall().get(), lookup, &none);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(FieldsNamed(status), ::testing::ElementsAre("placement_token"));
  }
  lookup.set_placement_token(*tokens::NewToken("ipp"));
  v1::LookupPlacementResponse nobody;
  EXPECT_EQ(stub_->LookupPlacement(ParticipantCall().get(), lookup, &nobody).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The intern's link declines nobody, the host's withdraws nobody; a decline names its reason.
  v1::DeclinePlacementRequest decline;
  decline.set_placement_token(intern_token);
  decline.set_participant_id("p-ida");
  decline.set_reason("Vi har ikke plads alligevel.");
  v1::DeclinePlacementResponse declined;
  status = stub_->DeclinePlacement(ParticipantCall().get(), decline, &declined);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(PreconditionType(status), "NOT_HOST_LINK");
  decline.set_placement_token(host_token);
  decline.set_reason("");
  status = stub_->DeclinePlacement(ParticipantCall().get(), decline, &declined);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsNamed(status), ::testing::ElementsAre("reason"));
  decline.set_reason("Vi har ikke plads alligevel.");
  decline.set_participant_id("p-somebody-else");
  status = stub_->DeclinePlacement(ParticipantCall().get(), decline, &declined);
  EXPECT_EQ(PreconditionType(status), "NOT_VISITING");
  v1::WithdrawPlacementRequest withdraw;
  withdraw.set_placement_token(host_token);
  v1::WithdrawPlacementResponse withdrawn;
  status = stub_->WithdrawPlacement(ParticipantCall().get(), withdraw, &withdrawn);
  EXPECT_EQ(PreconditionType(status), "NOT_INTERN_LINK");

  // A re-match takes Ida's place away: her link says so, the host's still works.
  Send(contract::kInternUnmatched, DeclinedEvent("r9", intern, Days(first_day, 2), "r9/p-ida"));
  ASSERT_TRUE(Eventually([&] { return CountContaining(*servers->smtp, Email("ida")) == 3; }));
  lookup.set_placement_token(intern_token);
  status = stub_->LookupPlacement(ParticipantCall().get(), lookup, &mine);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(PreconditionType(status), "PLACEMENT_CANCELLED");
  lookup.set_placement_token(host_token);
  EXPECT_TRUE(stub_->LookupPlacement(ParticipantCall().get(), lookup, &host).ok());

  // After the link's last day it is refused as expired.
  clock_shift_hours_ = 24 * (30 + 30);
  status = stub_->LookupPlacement(ParticipantCall().get(), lookup, &host);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(PreconditionType(status), "LINK_EXPIRED");
  clock_shift_hours_ = 0;

  // The host contact's erasure removes their link.
  v1::ParticipantErased erased;
  erased.set_participant_id(offer.contact().participant_id());
  Send(contract::kParticipantErased, erased);
  ASSERT_TRUE(
      Eventually([&] { return Metric("ipraktik_notification_participants_erased_total") >= 1; }));
  status = stub_->LookupPlacement(ParticipantCall().get(), lookup, &host);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  auto links = redis_->Command({"KEYS", "ipraktik:{" + tenant_ + "}:notification:link:*"});
  ASSERT_TRUE(links.ok());
  EXPECT_EQ(links->elements().size(), 1u) << "only Ida's link is left";
}

}  // namespace
}  // namespace ipraktik::notification
