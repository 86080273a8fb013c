#pragma once

// What the notification integration tests share: placement events as the matching service
// publishes them, publishing them on the bus, and reading what the SMTP server received through
// an independent decoder (Python's email and icalendar packages, parse_mail.py).

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "eventually.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/evaluation_events.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "local_servers.h"
#include "notification_app.h"
#include "proto_day.h"

namespace ipraktik::notification::testing {

using Json = nlohmann::json;

using ::ipraktik::testing::ProtoDay;

// Settings for a notification service under test: the local SMTP server, the real templates,
// the programme's sender defaults, no send rate limit, and retries quick enough for a test
// (about a second apart at most). `queue_suffix` keeps each test's queue apart.
inline NotificationSettings TestSettings(const ipraktik::testing::SmtpServer& smtp,
                                         const std::string& queue_suffix) {
  NotificationSettings settings;
  settings.smtp.url = smtp.url();
  settings.smtp.timeout = std::chrono::seconds(5);
  settings.templates = ipraktik::testing::SourceDir() / "services/notification/templates";
  settings.notifier.defaults = {.sender_name = "Innovationspraktikken",
                                .sender_address = "ipraktik@coi.example",
                                .signature_da = "Venlig hilsen\nSekretariatet",
                                .signature_en = "Kind regards\nThe secretariat",
                                .reminder_days_before = 3};
  settings.notifier.sender_domains = {"coi.example"};
  settings.notifier.lease = absl::Seconds(10);
  settings.notifier.send_rate = 0;
  settings.queue = "notification.test-" + queue_suffix;
  settings.retry = {.max_attempts = 30,
                    .initial_delay = std::chrono::milliseconds(200),
                    .multiplier = 1.5,
                    .max_delay = std::chrono::milliseconds(1000)};
  settings.notifier.max_attempts = settings.retry.max_attempts;
  return settings;
}

inline v1::RoundCard RoundCard(const std::string& round_id) {
  v1::RoundCard round;
  round.set_programme_id("coi");
  round.set_round_id(round_id);
  round.set_name("Innovationspraktik 2026, uge 37");
  return round;
}

inline v1::PersonCard PersonCard(const std::string& id, const std::string& name,
                                 const std::string& email,
                                 v1::Language language = v1::LANGUAGE_DANISH) {
  v1::PersonCard person;
  person.set_participant_id(id);
  person.set_name(name);
  person.set_email(email);
  person.set_phone("+45 12 34 56 78");
  person.set_job_title("Kriminalassistent");
  person.set_workplace_name("National Kriminalteknisk Center");
  person.set_workplace_sector(v1::SECTOR_STATE);
  person.set_language(language);
  return person;
}

inline v1::HostOfferCard OfferCard(const std::string& id, const std::string& contact_email) {
  v1::HostOfferCard offer;
  offer.set_host_offer_id(id);
  offer.set_title("Viden i Anvendelse: videndeling i praksis");
  offer.set_workplace_name("Socialforvaltningen, Københavns Kommune");
  offer.set_sector(v1::SECTOR_MUNICIPAL);
  offer.set_description("Du følger enhedens arbejde med videndeling og spiser frokost med os.");
  offer.set_address("Bernstorffsgade 17, 1592 København V");
  *offer.mutable_contact() = PersonCard("p-host-" + id, "Lene Krogh Jæppesen", contact_email);
  offer.mutable_contact()->set_job_title("Videndelingskonsulent");
  return offer;
}

inline std::vector<absl::CivilDay> Days(absl::CivilDay first, int count) {
  std::vector<absl::CivilDay> days;
  for (int i = 0; i < count; ++i) days.push_back(first + i);
  return days;
}

inline v1::InternPlaced PlacedEvent(const std::string& round_id, const v1::PersonCard& intern,
                                    const v1::HostOfferCard& offer,
                                    const std::vector<absl::CivilDay>& days,
                                    const std::string& placement_id, std::int64_t revision = 1) {
  v1::InternPlaced event;
  *event.mutable_round() = RoundCard(round_id);
  *event.mutable_intern() = intern;
  event.set_purpose("Se hvordan en forvaltning deler viden på tværs – og lære af jeres værktøjer.");
  *event.mutable_host_offer() = offer;
  for (auto day : days) *event.add_days() = ProtoDay(day);
  event.set_rank(1);
  event.set_change(revision > 1 ? v1::PLACEMENT_CHANGE_MOVED : v1::PLACEMENT_CHANGE_NEW);
  event.set_placement_id(placement_id);
  event.set_revision(revision);
  return event;
}

inline v1::VisitingIntern Visitor(const v1::InternPlaced& placed) {
  v1::VisitingIntern visitor;
  *visitor.mutable_intern() = placed.intern();
  visitor.set_purpose(placed.purpose());
  *visitor.mutable_days() = placed.days();
  visitor.set_placement_id(placed.placement_id());
  return visitor;
}

// What matching tells a host: the interns who come (`interns`) and, on a re-match, those who no
// longer do (`cancelled`).
inline v1::HostInternsAssigned HostAssigned(const std::string& round_id,
                                            const v1::HostOfferCard& offer,
                                            const std::vector<v1::InternPlaced>& interns,
                                            std::int64_t revision,
                                            const std::vector<v1::InternPlaced>& cancelled = {}) {
  v1::HostInternsAssigned assigned;
  *assigned.mutable_round() = RoundCard(round_id);
  *assigned.mutable_host_offer() = offer;
  for (const auto& placed : interns) *assigned.add_interns() = Visitor(placed);
  for (const auto& placed : cancelled) *assigned.add_cancelled() = Visitor(placed);
  assigned.set_revision(revision);
  return assigned;
}

template <typename Payload>
events::Envelope Envelope(const std::string& type, const std::string& tenant,
                          const Payload& payload, absl::Time occurred_at = absl::Now()) {
  auto envelope = events::BuildEnvelope({.type = type, .tenant = tenant}, payload, occurred_at);
  if (!envelope.ok()) throw std::runtime_error(envelope.status().ToString());
  return *envelope;
}

inline void Publish(bus::Publisher& publisher, const events::Envelope& envelope) {
  bus::Message message;
  message.routing_key = envelope.type();
  message.type = envelope.type();
  message.message_id = envelope.id();
  message.body = envelope.SerializeAsString();
  auto status = publisher.Publish(message);
  if (!status.ok()) throw std::runtime_error(status.ToString());
}

// Every message the SMTP server holds, decoded by parse_mail.py.
inline Json ReceivedMail(const ipraktik::testing::SmtpServer& smtp) {
  auto script = ipraktik::testing::SourceDir() / "tests/notification/parse_mail.py";
  std::string output = ipraktik::testing::RunCommand("/usr/bin/python3 " + script.string() + " " +
                                                     (smtp.dir() / "mail" / "new").string());
  return Json::parse(output);
}

// The decoded messages whose To contains `to`.
inline std::vector<Json> MailTo(const Json& all, const std::string& to) {
  std::vector<Json> selected;
  for (const auto& message : all) {
    if (message["to"].get<std::string>().find(to) != std::string::npos) selected.push_back(message);
  }
  return selected;
}

using ::ipraktik::testing::Eventually;

// How many messages the SMTP server received for recipients whose address contains `address`
// (the X-RcptTo line the sink adds holds the SMTP envelope recipient; cheap: no decoding).
inline int CountContaining(const ipraktik::testing::SmtpServer& smtp, const std::string& address) {
  int count = 0;
  for (const auto& message : smtp.Messages()) {
    std::size_t at = message.find("\nX-RcptTo: ");
    if (at == std::string::npos) continue;
    std::size_t end = message.find('\n', at + 1);
    if (message.substr(at, end - at).find(address) != std::string::npos) ++count;
  }
  return count;
}

}  // namespace ipraktik::notification::testing
