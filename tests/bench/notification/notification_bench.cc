// Figures for docs/benchmarks.md (section "Notification"): e-mails per second for a round of
// 10,000 placements through the whole notification service (RabbitMQ -> once-only claim in
// Redis -> render -> SMTP with the hand-over record -> outcome record), beside a plain SMTP
// client (libcurl, the same connections and the same pre-rendered messages, nothing else)
// sending as many messages to the same local SMTP sink in the same run. The ratio is the
// service's overhead per e-mail.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "local_servers.h"
#include "notification_app.h"
#include "plain_smtp.h"

namespace ipraktik::notification {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kPlacements = 10'000;
constexpr int kSenders = 4;
constexpr char kTenant[] = "bench";

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", what, status.ToString().c_str());
    std::exit(1);
  }
}

int Received(const ipraktik::testing::SmtpServer& smtp) {
  int count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(smtp.dir() / "mail" / "new")) {
    ++count;
  }
  return count;
}

void WaitFor(const ipraktik::testing::SmtpServer& smtp, int count) {
  while (Received(smtp) < count) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

double Report(const char* what, int messages, SteadyClock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  double rate = messages / seconds;
  std::printf("%-66s %6d e-mails %7.2f s %8.0f e-mails/s\n", what, messages, seconds, rate);
  std::fflush(stdout);
  return rate;
}

v1::InternPlaced Placement(int i) {
  v1::InternPlaced event;
  event.mutable_round()->set_round_id("r-bench");
  event.mutable_round()->set_name("Innovationspraktik 2026, uge 37");
  auto* intern = event.mutable_intern();
  intern->set_participant_id("p-" + std::to_string(i));
  intern->set_name("Søren Ærø " + std::to_string(i));
  intern->set_email("intern" + std::to_string(i) + "@bench.example");
  intern->set_workplace_name("Region Midtjylland");
  intern->set_workplace_sector(v1::SECTOR_REGIONAL);
  intern->set_language(i % 5 == 0 ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH);
  event.set_purpose("Se hvordan en kommune deler viden på tværs af forvaltninger.");
  auto* offer = event.mutable_host_offer();
  offer->set_host_offer_id("h-" + std::to_string(i / 3));
  offer->set_title("Videndeling i praksis");
  offer->set_workplace_name("Socialforvaltningen, Københavns Kommune");
  offer->set_sector(v1::SECTOR_MUNICIPAL);
  offer->set_description("Du følger enhedens arbejde og spiser frokost med os.");
  offer->set_address("Bernstorffsgade 17, 1592 København V");
  offer->mutable_contact()->set_name("Lene Krogh Jeppesen");
  offer->mutable_contact()->set_email("lene@bench.example");
  for (int day = 0; day < 3; ++day) {
    auto* date = event.add_days();
    date->set_year(2027);
    date->set_month(9);
    date->set_day(13 + day);
  }
  event.set_rank(1 + i % 3);
  event.set_change(v1::PLACEMENT_CHANGE_NEW);
  event.set_placement_id("pl-" + std::to_string(i));
  event.set_revision(1);
  return event;
}

}  // namespace

int Main() {
  ipraktik::testing::RedisServer redis;
  ipraktik::testing::RabbitMqServer rabbit;
  ipraktik::testing::SmtpServer smtp;
  InitSmtpLibrary();
  absl::TimeZone copenhagen;
  absl::LoadTimeZone("Europe/Copenhagen", &copenhagen);
  const std::filesystem::path templates =
      ipraktik::testing::SourceDir() / "services/notification/templates";

  // The events, and the same messages rendered once for the plain client.
  std::vector<events::Envelope> envelopes;
  for (int i = 0; i < kPlacements; ++i) {
    auto envelope =
        events::BuildEnvelope({.type = contract::kInternPlaced, .tenant = kTenant}, Placement(i));
    Check(envelope.status(), "building an envelope");
    envelopes.push_back(*std::move(envelope));
  }
  const std::vector<std::string> rendered = bench::RenderPlacementMessages(kPlacements, templates);
  const TenantSettings settings{.sender_name = "Innovationspraktikken",
                                .sender_address = "ipraktik@bench.example",
                                .signature_da = "Venlig hilsen\nSekretariatet",
                                .signature_en = "Kind regards\nThe secretariat",
                                .reminder_days_before = 3};
  std::printf("messages of about %zu bytes (MIME, text + HTML + .ics), %d senders/connections\n",
              rendered.front().size(), kSenders);

  // 1. The plain SMTP client: kSenders threads, one libcurl connection each, nothing else.
  double plain_first = 0;
  {
    const int start = Received(smtp);
    auto began = SteadyClock::now();
    bench::SendPlain(smtp.url(), rendered, kPlacements, kSenders, "plain");
    WaitFor(smtp, start + kPlacements);
    plain_first = Report("plain SMTP client (libcurl, pre-rendered)", kPlacements,
                         SteadyClock::now() - began);
  }

  // 2. The service: every event waiting in its queue, then the service started and timed until
  //    the last e-mail arrived.
  NotificationSettings settings_for_app;
  settings_for_app.smtp = {.url = smtp.url(), .starttls = StartTls::kOff};
  settings_for_app.templates = templates;
  settings_for_app.notifier.defaults = settings;
  settings_for_app.notifier.time_zone = copenhagen;
  settings_for_app.notifier.send_rate = 0;
  settings_for_app.senders = kSenders;
  settings_for_app.queue = "notification.bench";
  settings_for_app.notifier.max_attempts = settings_for_app.retry.max_attempts;
  auto connection = [&](std::string_view name) {
    bus::ConnectionOptions options;
    options.url = rabbit.url();
    options.connection_name = "notification-bench-" + std::string(name);
    options.logger = logging::Logger("notification-bench", logging::Level::kWarning);
    return options;
  };
  {
    auto admin = bus::Admin::Create(connection("admin"));
    Check(admin.status(), "connecting the admin");
    bus::QueueSpec queue{.name = settings_for_app.queue,
                         .bindings = NotificationBindings(),
                         .retry = settings_for_app.retry};
    Check(admin->Declare({&queue, 1}), "declaring the queue");
    bus::PublisherOptions options;
    options.connection = connection("publisher");
    auto publisher = bus::Publisher::Create(std::move(options));
    Check(publisher.status(), "creating the publisher");
    std::vector<bus::Message> batch;
    for (const auto& envelope : envelopes) {
      bus::Message message;
      message.routing_key = envelope.type();
      message.type = envelope.type();
      message.message_id = envelope.id();
      message.body = envelope.SerializeAsString();
      batch.push_back(std::move(message));
      if (batch.size() == 500) {
        Check(publisher->PublishBatch(batch), "publishing");
        batch.clear();
      }
    }
    if (!batch.empty()) Check(publisher->PublishBatch(batch), "publishing");
  }
  store::Pool pool({.host = "127.0.0.1", .port = redis.port(), .pool_size = 16});
  const int start = Received(smtp);
  auto began = SteadyClock::now();
  server::Executor handlers;
  logging::Logger logger("notification", logging::Level::kWarning);
  access::KeyStore keys(pool, "unused");  // its gRPC API is not called here
  access::Authenticator authenticator(keys);
  auto app = NotificationApp::Start(settings_for_app, pool, nullptr, logger,
                                    server::Calls(handlers, {}, logger, authenticator),
                                    [] { return absl::Now(); });
  Check(app.status(), "starting the service");
  bus::ConsumerOptions consumer_options = (*app)->consumer_options();
  consumer_options.connection = connection("consumer");
  auto consumer =
      server::EventConsumer::Start(std::move(consumer_options), (*app)->router(), nullptr);
  Check(consumer.status(), "starting the consumer");
  WaitFor(smtp, start + kPlacements);
  double service_rate = Report("notification service (queue -> claim -> render -> SMTP -> record)",
                               kPlacements, SteadyClock::now() - began);
  (*consumer)->Stop();
  (*app)->Stop();

  // 3. The plain client once more, so that drift of the sink during the run shows.
  double plain_again = 0;
  {
    const int before = Received(smtp);
    auto began_again = SteadyClock::now();
    bench::SendPlain(smtp.url(), rendered, kPlacements, kSenders, "again");
    WaitFor(smtp, before + kPlacements);
    plain_again = Report("plain SMTP client again (after the service run)", kPlacements,
                         SteadyClock::now() - began_again);
  }
  std::printf(
      "service / plain client: %.2f of the first run, %.2f of the second (1.00 = no "
      "overhead)\n",
      service_rate / plain_first, service_rate / plain_again);
  return 0;
}

}  // namespace ipraktik::notification

int main() { return ipraktik::notification::Main(); }
