#include "notification_app.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "event_mapping.h"
#include "ipraktik/config/data_folder.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/text/text.h"
#include "ipraktik/v1/evaluation_events.pb.h"

namespace ipraktik::notification {
namespace {

absl::Duration FromChrono(std::chrono::milliseconds duration) {
  return absl::Milliseconds(duration.count());
}

// The templates' place relative to the running program: <prefix>/share/ipraktik/notification/
// templates beside <prefix>/bin (config::ProgramDataFolder).
std::filesystem::path DefaultTemplatesFolder() {
  return config::ProgramDataFolder("share/ipraktik/notification/templates");
}

}  // namespace

std::unique_ptr<server::EventRouter> NotificationRouter(Notifier& notifier,
                                                        prometheus::Registry* metrics) {
  auto router = std::make_unique<server::EventRouter>(
      server::EventRouterOptions{.name = "notification.events", .metrics = metrics});
  // Each e-mail is claimed in Redis per message and an erasure is a delete: every handler here
  // is idempotent, none needs the router's dedupe.
  auto notify = [&notifier](const server::EventContext& event) {
    return notifier.Notify(event, std::nullopt);
  };
  auto notify_revision = [&notifier]<typename Payload>(const Payload& payload,
                                                       const server::EventContext& event) {
    return notifier.Notify(event, RevisionOf(payload));
  };
  router->OnBatch(contract::kPlacementsPublished)
      .On<v1::InternPlaced>(contract::kInternPlaced, notify_revision)
      .On<v1::InternUnmatched>(contract::kInternUnmatched, notify_revision)
      .On<v1::HostInternsAssigned>(contract::kHostInternsAssigned, notify_revision)
      .On<v1::ReminderDue>(contract::kReminderDue, notify_revision)
      .On<v1::EvaluationInvitationRequested>(
          contract::kEvaluationInvitationRequested,
          [notify](const v1::EvaluationInvitationRequested&, const server::EventContext& event) {
            return notify(event);
          })
      .On<v1::ApprovalRequested>(
          contract::kApprovalRequested,
          [notify](const v1::ApprovalRequested&, const server::EventContext& event) {
            return notify(event);
          })
      .On<v1::ApplicationApprovalDecided>(
          contract::kApprovalDecided,
          [notify](const v1::ApplicationApprovalDecided&, const server::EventContext& event) {
            return notify(event);
          })
      .On<v1::MatchingResultPublished>(contract::kResultPublished,
                                       [&notifier](const v1::MatchingResultPublished& published,
                                                   const server::EventContext& event) {
                                         return notifier.ResultPublished(published, event);
                                       })
      .On<v1::ParticipantErased>(
          contract::kParticipantErased,
          [&notifier](const v1::ParticipantErased& erased, const server::EventContext& event) {
            return notifier.EraseParticipant(erased, event);
          })
      .On<v1::ResendRequested>(
          contract::kResendRequested,
          [&notifier](const v1::ResendRequested& resend, const server::EventContext& event) {
            return notifier.Resend(resend, event);
          });
  return router;
}

std::vector<std::string> NotificationBindings() {
  return {contract::kPlacementsPublished, contract::kInternPlaced,
          contract::kInternUnmatched,     contract::kHostInternsAssigned,
          contract::kResultPublished,     contract::kEvaluationInvitationRequested,
          contract::kApprovalRequested,   contract::kApprovalDecided,
          contract::kReminderDue,         contract::kParticipantErased,
          contract::kResendRequested};
}

bus::QueueSpec NotificationQueue(const NotificationSettings& settings) {
  return {.name = settings.queue, .bindings = NotificationBindings(), .retry = settings.retry};
}

NotificationSettings ReadNotificationSettings(config::Reader& reader) {
  NotificationSettings settings;
  config::Url smtp = reader.Url(
      "IPRAKTIK_SMTP_URL", "smtp://127.0.0.1:7025", {"smtp", "smtps"},
      "The SMTP server e-mails are sent through: smtp://[user:password@]host:port[/helo-name] "
      "(smtps: TLS from the start).");
  settings.smtp.url = smtp.text;
  settings.smtp.user = reader.String("IPRAKTIK_SMTP_USER", smtp.user,
                                     "SMTP user name (AUTH); empty: no authentication.");
  std::string password = reader.Secret("IPRAKTIK_SMTP_PASSWORD", "SMTP password (AUTH).");
  settings.smtp.password = password.empty() ? smtp.password : password;
  std::string starttls = reader.Choice(
      "IPRAKTIK_SMTP_STARTTLS", "try", {"off", "try", "required"},
      "STARTTLS on smtp:// URLs: required for a real relay (with a user it is always required).");
  settings.smtp.starttls = starttls == "off"        ? StartTls::kOff
                           : starttls == "required" ? StartTls::kRequired
                                                    : StartTls::kTry;
  settings.smtp.ca_file =
      reader.String("IPRAKTIK_SMTP_CA_FILE", "",
                    "PEM file of the CA that signs the SMTP server's certificate "
                    "(empty: the system's CAs).");
  auto timeout =
      reader.Duration("IPRAKTIK_SMTP_TIMEOUT", std::chrono::seconds(60), std::chrono::seconds(1),
                      std::chrono::minutes(10), "Longest time one SMTP transaction may take.");
  settings.smtp.timeout = timeout;
  settings.smtp.connect_timeout = std::min(timeout, std::chrono::milliseconds(10'000));

  settings.templates = reader.String(
      "IPRAKTIK_NOTIFICATION_TEMPLATES", DefaultTemplatesFolder().string(),
      "Folder of the message templates (<language>/<kind>.subject|.txt|.html); read at run time. "
      "Default: share/ipraktik/notification/templates beside the program's bin/ folder, where "
      "the build tree, an install and the image put them.");
  TenantSettings& defaults = settings.notifier.defaults;
  defaults.sender_name = reader.String("IPRAKTIK_NOTIFICATION_SENDER_NAME", "Innovationspraktikken",
                                       "Default From name (a tenant's settings override it).");
  defaults.sender_address =
      reader.String("IPRAKTIK_NOTIFICATION_SENDER_ADDRESS", "ipraktik@ipraktik.invalid",
                    "Default From address (and SMTP envelope sender).");
  {
    std::string own = defaults.sender_address.substr(defaults.sender_address.rfind('@') + 1);
    std::string domains = reader.String(
        "IPRAKTIK_NOTIFICATION_SENDER_DOMAINS", own,
        "Comma-separated domains a tenant's From address may be in (default: the domain of "
        "IPRAKTIK_NOTIFICATION_SENDER_ADDRESS).");
    for (absl::string_view domain : absl::StrSplit(domains, ',', absl::SkipWhitespace())) {
      settings.notifier.sender_domains.push_back(
          text::FoldCase(std::string(absl::StripAsciiWhitespace(domain))));
    }
  }
  defaults.reply_to = reader.String("IPRAKTIK_NOTIFICATION_REPLY_TO", "",
                                    "Default Reply-To address (empty: none).");
  defaults.signature_da =
      reader.String("IPRAKTIK_NOTIFICATION_SIGNATURE_DA", "Venlig hilsen\nInnovationspraktikken",
                    "Default Danish signature (\\n for a line break).");
  defaults.signature_en = reader.String("IPRAKTIK_NOTIFICATION_SIGNATURE_EN",
                                        "Kind regards\nThe Innovation Internship team",
                                        "Default English signature (\\n for a line break).");
  for (std::string* signature : {&defaults.signature_da, &defaults.signature_en}) {
    *signature = absl::StrJoin(absl::StrSplit(*signature, "\\n"), "\n");
  }
  defaults.programme_url = reader.String("IPRAKTIK_NOTIFICATION_PROGRAMME_URL", "",
                                         "Default link to the programme's pages (empty: none).");
  defaults.reminder_days_before = static_cast<int>(
      reader.Int("IPRAKTIK_NOTIFICATION_REMINDER_DAYS", 3, 1, 60,
                 "Default number of days before the first day that the reminder goes out."));
  std::string reminder_time = reader.String("IPRAKTIK_NOTIFICATION_REMINDER_TIME", "09:00",
                                            "Local time of day reminders go out (HH:MM).");
  std::vector<std::string> parts = absl::StrSplit(reminder_time, ':');
  int hours = 0;
  int minutes = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &hours) ||
      !absl::SimpleAtoi(parts[1], &minutes) || hours < 0 || hours > 23 || minutes < 0 ||
      minutes > 59) {
    reader.AddError("IPRAKTIK_NOTIFICATION_REMINDER_TIME",
                    absl::StrCat("'", reminder_time, "' is not a time of day like 09:00"));
  }
  settings.notifier.reminder_time_of_day = absl::Hours(hours) + absl::Minutes(minutes);
  settings.reminder_poll =
      FromChrono(reader.Duration("IPRAKTIK_NOTIFICATION_REMINDER_POLL", std::chrono::seconds(30),
                                 std::chrono::milliseconds(50), std::chrono::hours(1),
                                 "How often due reminders are looked for."));
  std::string zone = reader.String("IPRAKTIK_TIME_ZONE", "Europe/Copenhagen",
                                   "Time zone of the days and of the Date header.");
  if (!absl::LoadTimeZone(zone, &settings.notifier.time_zone)) {
    reader.AddError("IPRAKTIK_TIME_ZONE", absl::StrCat("'", zone, "' is not a known time zone"));
  }
  settings.notifier.send_rate =
      static_cast<double>(reader.Int("IPRAKTIK_NOTIFICATION_SEND_RATE", 50, 0, 100'000,
                                     "Most e-mails sent per second by one replica (0: no limit)."));
  settings.notifier.send_burst = static_cast<int>(reader.Int(
      "IPRAKTIK_NOTIFICATION_SEND_BURST", 10, 1, 100'000, "E-mails that may go out at once."));
  settings.senders = static_cast<int>(reader.Int(
      "IPRAKTIK_NOTIFICATION_SENDERS", 16, 1, 64,
      "E-mails sent in parallel (SMTP connections); keep IPRAKTIK_REDIS_POOL_SIZE (24 by default "
      "here) above it, or the senders queue for Redis connections."));
  settings.notifier.lease = FromChrono(reader.Duration(
      "IPRAKTIK_NOTIFICATION_LEASE", std::chrono::seconds(20), std::chrono::seconds(1),
      std::chrono::hours(1),
      "How long a claim on a message lasts; its live sender renews it every third of this, so a "
      "sender that died is taken over at most this long after its last renewal."));
  settings.queue = reader.String("IPRAKTIK_NOTIFICATION_QUEUE", "notification.events",
                                 "The service's RabbitMQ queue.");
  settings.retry.max_attempts = static_cast<int>(
      reader.Int("IPRAKTIK_NOTIFICATION_RETRY_ATTEMPTS", 12, 1, 100,
                 "Attempts per event before transient failures are final (gave_up)."));
  settings.retry.initial_delay = reader.Duration(
      "IPRAKTIK_NOTIFICATION_RETRY_DELAY", std::chrono::seconds(5), std::chrono::milliseconds(10),
      std::chrono::hours(1), "Delay before the first retry; doubles for each further one.");
  settings.retry.multiplier = 2.0;
  settings.retry.max_delay = reader.Duration(
      "IPRAKTIK_NOTIFICATION_RETRY_MAX_DELAY", std::chrono::minutes(15),
      std::chrono::milliseconds(10), std::chrono::hours(6), "Longest delay between retries.");
  settings.notifier.max_attempts = settings.retry.max_attempts;
  settings.notifier.links.participant_web_url =
      reader.String("IPRAKTIK_PARTICIPANT_WEB_URL", "https://127.0.0.1:7443",
                    "Where the participant pages are served: every placement e-mail links to "
                    "<url>/placement/<tenant>/<token> (empty: no placement links).");
  settings.notifier.links.extra_days = static_cast<int>(
      reader.Int("IPRAKTIK_NOTIFICATION_PLACEMENT_LINK_DAYS", 30, 0, 365,
                 "A placement link works until this many days after the round's last day (or "
                 "the placement's, if later)."));
  settings.retention = FromChrono(reader.Duration(
      "IPRAKTIK_NOTIFICATION_RETENTION", std::chrono::hours(24 * 400), std::chrono::minutes(1),
      std::chrono::hours(24 * 3650), "How long delivery records and their events are kept."));
  return settings;
}

absl::StatusOr<std::unique_ptr<NotificationApp>> NotificationApp::Start(
    const NotificationSettings& settings, store::Pool& redis, prometheus::Registry* metrics,
    logging::Logger logger, server::Calls calls, Clock clock, RecordPlacementChange record_change) {
  std::unique_ptr<NotificationApp> app(new NotificationApp());
  app->templates_ = std::make_unique<TemplateStore>(settings.templates);
  if (auto status = app->templates_->Check(); !status.ok()) return status;
  InitSmtpLibrary();
  app->smtp_ = std::make_unique<SmtpPool>(settings.smtp, settings.senders);
  // Resends and reminders go to the outbox with the change they announce; the service's outbox
  // relay (server::StartOutboxRelay) publishes them.
  app->outbox_ = std::make_unique<outbox::Outbox>(redis, "notification");
  app->repository_ = std::make_unique<DeliveryRepository>(redis, *app->outbox_, settings.retention);
  app->scheduling_ =
      std::make_unique<SchedulingRepository>(redis, *app->outbox_, settings.retention);
  app->metrics_ = std::make_unique<NotificationMetrics>(metrics);
  app->links_ = std::make_unique<PlacementLinkRepository>(redis);
  app->notifier_ = std::make_unique<Notifier>(settings.notifier, *app->repository_,
                                              *app->scheduling_, *app->links_, *app->templates_,
                                              *app->smtp_, *app->metrics_, logger, clock);
  if (!record_change) {
    record_change = [](const server::CallContext&, const PlacementChange&) {
      return absl::UnavailableError("no matching service is set up to record placement changes");
    };
  }
  app->desk_ = std::make_unique<PlacementDesk>(*app->notifier_, *app->scheduling_, *app->links_,
                                               *app->templates_, std::move(record_change), clock);

  bus::QueueSpec queue = NotificationQueue(settings);
  NotificationApp* self = app.get();
  app->scheduler_ =
      std::make_unique<ReminderScheduler>(*app->scheduling_, settings.reminder_poll, clock, logger);
  app->service_ = std::make_unique<NotificationServiceImpl>(*app->notifier_, *app->repository_,
                                                            *app->desk_, std::move(calls), clock);

  app->queue_ = queue;
  app->handler_threads_ = settings.senders;
  app->router_ = NotificationRouter(*app->notifier_, metrics);
  app->scheduler_thread_ =
      std::jthread([self](std::stop_token stop) { self->scheduler_->Run(stop); });
  logger.Info("sending e-mails", {{"smtp", settings.smtp.url},
                                  {"queue", settings.queue},
                                  {"senders", settings.senders},
                                  {"templates", settings.templates.string()}});
  return app;
}

bus::ConsumerOptions NotificationApp::consumer_options() const {
  bus::ConsumerOptions options;
  options.queue = queue_;
  options.handler_threads = handler_threads_;
  options.prefetch = handler_threads_ * 2;
  return options;
}

void NotificationApp::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (scheduler_thread_.joinable()) {
    scheduler_thread_.request_stop();
    scheduler_thread_.join();
  }
}

NotificationApp::~NotificationApp() { Stop(); }

}  // namespace ipraktik::notification
