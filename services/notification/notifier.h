#pragma once

// The consumer side of the notification service: each event from the bus becomes the e-mails
// it asks for, each sent once. Per message: claim its record in Redis (a redelivered event, a
// restarted service or a second replica finds it claimed or done), render it, wait for the send
// rate, send it over SMTP recording the hand-over just before the end of data, and record the
// outcome. Transient failures make the bus retry the event later (other messages go on);
// permanent ones are recorded and not retried. Also answers previews (the same planning and
// rendering, without sending).

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "delivery_repository.h"
#include "domain/compose.h"
#include "domain/delivery.h"
#include "domain/placement_links.h"
#include "domain/templates.h"
#include "event_mapping.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/v1/notification_events.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "notification_metrics.h"
#include "placement_link_repository.h"
#include "scheduling_repository.h"
#include "send_gate.h"
#include "smtp_transport.h"

namespace ipraktik::notification {

// The placement links ("My placement", domain/placement_links.h). No links when the web address
// or the secret is empty.
struct PlacementLinkOptions {
  // IPRAKTIK_PARTICIPANT_WEB_URL: links are <url>/placement/<tenant>/<token>.
  std::string participant_web_url{};
  // The server's IPRAKTIK_TOKEN_SECRET: derives the tokens and keys their digests.
  std::string token_secret{};
  // A link works until this many days after the round's (or the placement's) last day.
  int extra_days = 30;
  // How long an expired link is still recognised (answered LINK_EXPIRED, not NOT_FOUND).
  absl::Duration keep_expired = absl::Hours(24 * 30);
};

struct NotifierOptions {
  // The tenant settings' defaults (IPRAKTIK_NOTIFICATION_*).
  TenantSettings defaults{};
  // The domains (lower case) a tenant's From address may be in: the ones the mail setup may send
  // for (IPRAKTIK_NOTIFICATION_SENDER_DOMAINS).
  std::vector<std::string> sender_domains{};
  // How long a claim holds a message before another sender may take it over. The live holder
  // renews it every lease/3 while it sends, so it may be shorter than an SMTP transaction; a
  // holder that died is taken over at most this long after its last renewal.
  absl::Duration lease = absl::Seconds(20);
  // The local time of day reminders go out.
  absl::Duration reminder_time_of_day = absl::Hours(9);
  absl::TimeZone time_zone = absl::UTCTimeZone();
  PlacementLinkOptions links{};
  // The bus's attempts per event: on the last one a transient failure is final ("gave_up").
  int max_attempts = 10;
  // Sends per second (0: unlimited) and the burst allowed.
  double send_rate = 0;
  int send_burst = 10;
};

// One message as a preview shows it.
struct PreviewRequest {
  std::string tenant{};
  // The event to render, or empty with message_id set.
  events::Envelope envelope{};
  std::string message_id{};
  std::optional<MessageKind> kind{};
  std::string participant_id{};
  std::optional<Language> language{};
};

class Notifier {
 public:
  Notifier(NotifierOptions options, DeliveryRepository& repository,
           SchedulingRepository& scheduling, PlacementLinkRepository& links,
           const TemplateStore& templates, SmtpPool& smtp, NotificationMetrics& metrics,
           logging::Logger logger, Clock clock);

  // The event router's handlers (notification_app.cc wires them up). Each returns OK when done,
  // INVALID_ARGUMENT or NOT_FOUND for an event that can never be handled, UNAVAILABLE to be
  // tried again later.
  absl::Status ResultPublished(const v1::MatchingResultPublished& published,
                               const server::EventContext& event);
  absl::Status EraseParticipant(const v1::ParticipantErased& erased,
                                const server::EventContext& event);
  // An event that asks for e-mails (placements, evaluation invitations, reminders); with the
  // revision it carries, if any: a stale one (a newer revision was seen) sends nothing.
  absl::Status Notify(const server::EventContext& event, std::optional<EventRevision> revision);
  absl::Status Resend(const v1::ResendRequested& resend, const server::EventContext& event);

  // Why a message is superseded (nullopt when it is not): its event announced a revision of a
  // placement or host offer, and a newer revision has been announced since (a re-match moved or
  // cancelled it, a host declined the intern). Resending it would send the outdated placement.
  absl::StatusOr<std::optional<std::string>> Superseded(const std::string& tenant,
                                                        const DeliveryRecord& record);

  // Renders without sending.
  absl::StatusOr<std::vector<ComposedMessage>> Preview(const PreviewRequest& request);

  // The tenant's settings over the defaults.
  absl::StatusOr<TenantSettings> EffectiveSettings(const std::string& tenant);
  const TenantSettings& defaults() const { return options_.defaults; }
  const NotifierOptions& options() const { return options_; }

  // The personal link of subject (empty when links are not set up), and the digest its token is
  // stored by.
  bool LinksEnabled() const;
  absl::StatusOr<std::string> LinkToken(const LinkSubject& subject) const;
  std::string LinkUrl(const LinkSubject& subject) const;
  std::string LinkDigest(std::string_view token) const;

  // Leaves out of a host's message the interns whose data was erased since the event, and
  // keeps of an erased intern's cancelled visit only its ids and days.
  absl::Status DropErasedInterns(const std::string& tenant, HostInternsAssigned& event);
  const std::vector<std::string>& sender_domains() const { return options_.sender_domains; }

 private:
  enum class Result { kDone, kRetry, kBusy };
  struct Plan {
    MessageContext context;
    std::vector<PlannedMessage> messages;
  };

  // Plans the messages of an event (preview_kind: a reminder's preview; language: a preview in
  // another language). With `reminders`, schedules its reminders in that batch (a cancellation
  // goes at once).
  // preview: the placement links show a placeholder token (a coordinator's preview never shows
  // a participant's credential). known_settings: the tenant's effective settings if read already.
  absl::StatusOr<Plan> PlanEvent(const events::Envelope& envelope, RedisBatch* reminders,
                                 std::optional<MessageKind> preview_kind,
                                 std::optional<Language> language, bool preview = false,
                                 const TenantSettings* known_settings = nullptr);
  // Records the placement links an event gives or moves (or the intern's placement it cancels),
  // in the batch.
  absl::Status RecordLinks(RedisBatch& batch, const events::Envelope& envelope);
  std::string PreviewLinkUrl(const std::string& tenant) const;
  absl::StatusOr<Plan> PlanReminder(const events::Envelope& envelope,
                                    std::optional<Language> language);
  absl::Status ScheduleReminder(RedisBatch& batch, const std::string& tenant,
                                const std::string& reminder_id, const events::Envelope& source,
                                const std::vector<Date>& days, std::int64_t revision,
                                MessageKind kind, const TenantSettings& settings);
  Result Deliver(const PlannedMessage& planned, const MessageContext& context,
                 const events::Envelope& envelope, const server::EventContext& delivery,
                 std::string& reason);
  absl::Status RememberTenant(const std::string& tenant);
  // Sends the plan's messages (only_message: just that one); UNAVAILABLE while any is to be
  // tried again.
  absl::Status SendPlan(const absl::StatusOr<Plan>& plan, const events::Envelope& source,
                        const std::string& only_message, const server::EventContext& event);
  // Every saved event that names the erased participant, without them.
  absl::Status ForgetInSavedEvents(const std::string& tenant, const std::string& participant_id);
  std::string NewOwner();
  // The claims this process holds, renewed every lease/3 by renewer_ while they are held.
  class HeldClaim;
  void RenewHeldClaims(std::stop_token stop);

  NotifierOptions options_;
  DeliveryRepository& repository_;
  SchedulingRepository& scheduling_;
  PlacementLinkRepository& links_;
  const TemplateStore& templates_;
  SmtpPool& smtp_;
  NotificationMetrics& metrics_;
  logging::Logger logger_;
  Clock clock_;
  SendGate gate_;
  std::string instance_;
  std::atomic<std::uint64_t> claims_{0};
  std::mutex tenants_mutex_;
  std::set<std::string> known_tenants_;
  std::mutex held_mutex_;
  // owner -> (tenant, message id)
  std::map<std::string, std::pair<std::string, std::string>> held_;
  // Last: stopped and joined first.
  std::jthread renewer_;
};

}  // namespace ipraktik::notification
