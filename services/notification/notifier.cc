#include "notifier.h"

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "domain/mime.h"
#include "event_mapping.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/evaluation_events.pb.h"
#include "ipraktik/v1/notification_events.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration_events.pb.h"
#include "personal_data.h"

namespace ipraktik::notification {
namespace {

std::string ReminderIdForIntern(const std::string& placement_id) {
  return "intern:" + placement_id;
}
std::string ReminderIdForHost(const std::string& host_offer_id) { return "host:" + host_offer_id; }

std::vector<PlannedMessage> Select(std::vector<PlannedMessage> messages,
                                   std::optional<MessageKind> kind,
                                   const std::string& participant_id) {
  std::vector<PlannedMessage> selected;
  for (auto& message : messages) {
    if (kind && message.kind != *kind) continue;
    if (!participant_id.empty() && message.recipient.participant_id != participant_id) continue;
    selected.push_back(std::move(message));
  }
  return selected;
}

template <typename Payload>
absl::StatusOr<Payload> Unpack(const events::Envelope& envelope) {
  return events::UnpackPayload<Payload>(envelope);
}

// Waits `delay` unless stop is requested first; false when it was.
bool WaitUnlessStopped(std::stop_token stop, absl::Duration delay) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, absl::ToChronoNanoseconds(delay),
                [&stop] { return stop.stop_requested(); });
  return !stop.stop_requested();
}

// A failure of this attempt (the store, a lease): the event is tried again later, whatever the
// failure's code.
absl::Status RetryLater(const absl::Status& status) {
  return absl::UnavailableError(status.ToString());
}

}  // namespace

Notifier::Notifier(NotifierOptions options, DeliveryRepository& repository,
                   SchedulingRepository& scheduling, PlacementLinkRepository& links,
                   const TemplateStore& templates, SmtpPool& smtp, NotificationMetrics& metrics,
                   logging::Logger logger, Clock clock)
    : options_(std::move(options)),
      repository_(repository),
      scheduling_(scheduling),
      links_(links),
      templates_(templates),
      smtp_(smtp),
      metrics_(metrics),
      logger_(std::move(logger)),
      clock_(std::move(clock)),
      gate_(options_.send_rate, options_.send_burst, clock_) {
  std::random_device random;
  instance_ =
      absl::StrCat(absl::Hex(random(), absl::kZeroPad8), absl::Hex(random(), absl::kZeroPad8));
  renewer_ = std::jthread([this](std::stop_token stop) { RenewHeldClaims(stop); });
}

// Registers a claim for renewal while it lives.
class Notifier::HeldClaim {
 public:
  HeldClaim(Notifier& notifier, const std::string& owner, const std::string& tenant,
            const std::string& message_id)
      : notifier_(notifier), owner_(owner) {
    std::lock_guard lock(notifier_.held_mutex_);
    notifier_.held_.emplace(owner_, std::pair(tenant, message_id));
  }
  HeldClaim(const HeldClaim&) = delete;
  HeldClaim& operator=(const HeldClaim&) = delete;
  ~HeldClaim() {
    std::lock_guard lock(notifier_.held_mutex_);
    notifier_.held_.erase(owner_);
  }

 private:
  Notifier& notifier_;
  std::string owner_;
};

void Notifier::RenewHeldClaims(std::stop_token stop) {
  while (WaitUnlessStopped(stop, options_.lease / 3)) {
    std::map<std::string, std::pair<std::string, std::string>> held;
    {
      std::lock_guard lock(held_mutex_);
      held = held_;
    }
    for (const auto& [owner, claim] : held) {
      const auto& [tenant, message_id] = claim;
      if (absl::Status status =
              repository_.RenewClaim(tenant, message_id, owner, clock_(), options_.lease);
          !status.ok()) {
        // Finished meanwhile, or the store is away (the lease then runs out as for a dead
        // holder; the hand-over and the outcome check the claim).
        logger_.WithTenant(tenant).Debug(
            "a claim was not renewed", {{"message_id", message_id}, {"error", status.ToString()}});
      }
    }
  }
}

std::string Notifier::NewOwner() { return absl::StrCat(instance_, ":", claims_.fetch_add(1)); }

bool Notifier::LinksEnabled() const {
  return !options_.links.participant_web_url.empty() && !options_.links.token_secret.empty();
}

absl::StatusOr<std::string> Notifier::LinkToken(const LinkSubject& subject) const {
  return notification::LinkToken(options_.links.token_secret, subject);
}

std::string Notifier::LinkUrl(const LinkSubject& subject) const {
  if (!LinksEnabled() || subject.participant_id.empty()) return "";
  auto token = LinkToken(subject);
  if (!token.ok()) return "";
  return notification::LinkUrl(options_.links.participant_web_url, subject.tenant, *token);
}

std::string Notifier::LinkDigest(std::string_view token) const {
  return tokens::Digest(options_.links.token_secret, token);
}

std::string Notifier::PreviewLinkUrl(const std::string& tenant) const {
  if (!LinksEnabled()) return "";
  return notification::LinkUrl(options_.links.participant_web_url, tenant, "ipp_PREVIEW");
}

absl::Status Notifier::RecordLinks(RedisBatch& batch, const events::Envelope& envelope) {
  if (!LinksEnabled()) return absl::OkStatus();
  const std::string& tenant = envelope.tenant();
  const absl::Time now = clock_();
  // A link of an event without any day (none is published so) still works for a while.
  auto expiry = [&](const Round& round, const std::vector<Date>& days) {
    auto last = LinkLastDay(round, days, options_.links.extra_days);
    return last ? LinkExpiry(*last, options_.time_zone)
                : events::OccurredAt(envelope) + absl::Hours(24 * options_.links.extra_days);
  };
  auto record = [&](const LinkSubject& subject, const Round& round, std::int64_t revision,
                    absl::Time expires) -> absl::Status {
    auto token = LinkToken(subject);
    if (!token.ok()) return token.status();
    return links_.Record(batch, tenant, LinkDigest(*token),
                         {.role = subject.role,
                          .scope_id = subject.scope_id,
                          .participant_id = subject.participant_id,
                          .round_id = round.round_id,
                          .event_id = envelope.id(),
                          .revision = revision,
                          .expires = expires},
                         expires + options_.links.keep_expired, now);
  };
  if (envelope.type() == contract::kInternPlaced) {
    auto payload = Unpack<v1::InternPlaced>(envelope);
    if (!payload.ok()) return payload.status();
    InternPlaced event = FromProto(*payload);
    if (event.intern.participant_id.empty()) return absl::OkStatus();
    return record(InternLink(tenant, event.placement_id, event.intern.participant_id), event.round,
                  event.revision, expiry(event.round, event.days));
  }
  if (envelope.type() == contract::kInternUnmatched) {
    auto payload = Unpack<v1::InternUnmatched>(envelope);
    if (!payload.ok()) return payload.status();
    InternUnmatched event = FromProto(*payload);
    if (event.intern.participant_id.empty()) return absl::OkStatus();
    auto token = LinkToken(InternLink(tenant, event.placement_id, event.intern.participant_id));
    if (!token.ok()) return token.status();
    return links_.Cancel(batch, tenant, LinkDigest(*token), envelope.id(), event.revision);
  }
  if (envelope.type() == contract::kHostInternsAssigned) {
    auto payload = Unpack<v1::HostInternsAssigned>(envelope);
    if (!payload.ok()) return payload.status();
    HostInternsAssigned event = FromProto(*payload);
    auto subject = HostLink(tenant, event);
    if (!subject) return absl::OkStatus();
    std::vector<Date> days = HostDays(event);
    for (const auto& visitor : event.cancelled) {
      days.insert(days.end(), visitor.days.begin(), visitor.days.end());
    }
    return record(*subject, event.round, event.revision, expiry(event.round, days));
  }
  return absl::OkStatus();
}

absl::StatusOr<TenantSettings> Notifier::EffectiveSettings(const std::string& tenant) {
  auto stored = repository_.GetSettings(tenant);
  if (!stored.ok()) return stored.status();
  return Merge(options_.defaults, *stored);
}

absl::Status Notifier::RememberTenant(const std::string& tenant) {
  {
    std::lock_guard lock(tenants_mutex_);
    if (known_tenants_.contains(tenant)) return absl::OkStatus();
  }
  if (auto status = scheduling_.RememberTenant(tenant); !status.ok()) return status;
  std::lock_guard lock(tenants_mutex_);
  known_tenants_.insert(tenant);
  return absl::OkStatus();
}

absl::Status Notifier::ScheduleReminder(RedisBatch& batch, const std::string& tenant,
                                        const std::string& reminder_id,
                                        const events::Envelope& source,
                                        const std::vector<Date>& days, std::int64_t revision,
                                        MessageKind kind, const TenantSettings& settings) {
  auto due = ReminderTime(days, settings.reminder_days_before, options_.reminder_time_of_day,
                          options_.time_zone, events::OccurredAt(source));
  if (!due) return scheduling_.CancelReminder(tenant, reminder_id, revision);
  return scheduling_.ScheduleReminder(batch, tenant,
                                      {.reminder_id = reminder_id,
                                       .source_event_id = source.id(),
                                       .revision = revision,
                                       .kind = MessageKindName(kind),
                                       .due = *due});
}

absl::StatusOr<Notifier::Plan> Notifier::PlanEvent(const events::Envelope& envelope,
                                                   RedisBatch* reminders,
                                                   std::optional<MessageKind> preview_kind,
                                                   std::optional<Language> language, bool preview,
                                                   const TenantSettings* known_settings) {
  const std::string& tenant = envelope.tenant();
  auto settings = known_settings != nullptr ? absl::StatusOr<TenantSettings>(*known_settings)
                                            : EffectiveSettings(tenant);
  if (!settings.ok()) return settings.status();
  Plan plan;
  plan.context = {.tenant = tenant,
                  .event_id = envelope.id(),
                  .event_time = events::OccurredAt(envelope),
                  .settings = *settings,
                  .language_override = language};
  const std::string& type = envelope.type();
  const bool reminder_preview =
      preview_kind == MessageKind::kInternReminder || preview_kind == MessageKind::kHostReminder;

  if (type == contract::kInternPlaced) {
    auto payload = Unpack<v1::InternPlaced>(envelope);
    if (!payload.ok()) return payload.status();
    InternPlaced event = FromProto(*payload);
    event.placement_url =
        preview ? PreviewLinkUrl(tenant)
                : LinkUrl(InternLink(tenant, event.placement_id, event.intern.participant_id));
    if (reminders != nullptr) {
      auto status =
          ScheduleReminder(*reminders, tenant, ReminderIdForIntern(event.placement_id), envelope,
                           event.days, event.revision, MessageKind::kInternReminder, *settings);
      if (!status.ok()) return status;
    }
    if (reminder_preview) {
      plan.messages.push_back(
          PlanInternReminder(event, plan.context, settings->reminder_days_before));
    } else {
      plan.messages = PlanMessages(event, plan.context);
    }
  } else if (type == contract::kInternUnmatched) {
    auto payload = Unpack<v1::InternUnmatched>(envelope);
    if (!payload.ok()) return payload.status();
    InternUnmatched event = FromProto(*payload);
    if (reminders != nullptr) {
      auto status = scheduling_.CancelReminder(tenant, ReminderIdForIntern(event.placement_id),
                                               event.revision);
      if (!status.ok()) return status;
    }
    plan.messages = PlanMessages(event, plan.context);
  } else if (type == contract::kHostInternsAssigned) {
    auto payload = Unpack<v1::HostInternsAssigned>(envelope);
    if (!payload.ok()) return payload.status();
    HostInternsAssigned event = FromProto(*payload);
    if (auto dropped = DropErasedInterns(tenant, event); !dropped.ok()) return dropped;
    if (auto subject = HostLink(tenant, event)) {
      event.placement_url = preview ? PreviewLinkUrl(tenant) : LinkUrl(*subject);
    }
    if (reminders != nullptr) {
      auto status = ScheduleReminder(
          *reminders, tenant, ReminderIdForHost(event.host_offer.host_offer_id), envelope,
          HostDays(event), event.revision, MessageKind::kHostReminder, *settings);
      if (!status.ok()) return status;
    }
    if (reminder_preview) {
      if (auto reminder = PlanHostReminder(event, plan.context, settings->reminder_days_before)) {
        plan.messages.push_back(*std::move(reminder));
      }
    } else {
      plan.messages = PlanMessages(event, plan.context);
    }
  } else if (type == contract::kEvaluationInvitationRequested) {
    auto payload = Unpack<v1::EvaluationInvitationRequested>(envelope);
    if (!payload.ok()) return payload.status();
    plan.messages = PlanMessages(FromProto(*payload), plan.context);
  } else if (type == contract::kApprovalRequested) {
    auto payload = Unpack<v1::ApprovalRequested>(envelope);
    if (!payload.ok()) return payload.status();
    plan.messages = PlanMessages(FromProto(*payload), plan.context);
  } else if (type == contract::kApprovalDecided) {
    auto payload = Unpack<v1::ApplicationApprovalDecided>(envelope);
    if (!payload.ok()) return payload.status();
    plan.messages = PlanMessages(FromProto(*payload), plan.context);
  } else if (type == contract::kReminderDue) {
    return PlanReminder(envelope, language);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("the notification service sends no e-mail for ", envelope.type()));
  }
  return plan;
}

absl::StatusOr<Notifier::Plan> Notifier::PlanReminder(const events::Envelope& envelope,
                                                      std::optional<Language> language) {
  auto due = Unpack<v1::ReminderDue>(envelope);
  if (!due.ok()) return due.status();
  auto stored = scheduling_.LoadEvent(envelope.tenant(), due->source_event_id());
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return absl::NotFoundError(absl::StrCat("the event ", due->source_event_id(), " of reminder ",
                                            due->reminder_id(), " is no longer kept"));
  }
  auto source = events::ParseEnvelope(**stored);
  if (!source.ok()) return source.status();
  auto settings = EffectiveSettings(envelope.tenant());
  if (!settings.ok()) return settings.status();
  Plan plan;
  // The reminder's own event identifies its messages; the placement event gives the content.
  plan.context = {.tenant = envelope.tenant(),
                  .event_id = envelope.id(),
                  .event_time = events::OccurredAt(envelope),
                  .settings = *settings,
                  .language_override = language};
  const absl::Time now = clock_();
  if (source->type() == contract::kInternPlaced) {
    auto payload = Unpack<v1::InternPlaced>(*source);
    if (!payload.ok()) return payload.status();
    InternPlaced event = FromProto(*payload);
    event.placement_url =
        LinkUrl(InternLink(envelope.tenant(), event.placement_id, event.intern.participant_id));
    plan.messages.push_back(
        PlanInternReminder(event, plan.context, DaysUntil(event.days, now, options_.time_zone)));
  } else if (source->type() == contract::kHostInternsAssigned) {
    auto payload = Unpack<v1::HostInternsAssigned>(*source);
    if (!payload.ok()) return payload.status();
    HostInternsAssigned event = FromProto(*payload);
    if (auto dropped = DropErasedInterns(envelope.tenant(), event); !dropped.ok()) return dropped;
    if (auto subject = HostLink(envelope.tenant(), event)) event.placement_url = LinkUrl(*subject);
    if (auto reminder = PlanHostReminder(event, plan.context,
                                         DaysUntil(HostDays(event), now, options_.time_zone))) {
      plan.messages.push_back(*std::move(reminder));
    }
  }
  return plan;
}

absl::Status Notifier::DropErasedInterns(const std::string& tenant, HostInternsAssigned& event) {
  std::vector<std::string> ids;
  for (const auto& visitor : event.interns) ids.push_back(visitor.intern.participant_id);
  for (const auto& visitor : event.cancelled) ids.push_back(visitor.intern.participant_id);
  auto erased = repository_.AreErased(tenant, ids);
  if (!erased.ok()) return erased.status();
  std::size_t next = 0;
  std::vector<VisitingIntern> kept;
  for (auto& visitor : event.interns) {
    if (!(*erased)[next++]) kept.push_back(std::move(visitor));
  }
  event.interns = std::move(kept);
  // The host still hears that an erased intern's visit is off (the calendar CANCEL), without
  // anything that names them.
  for (auto& visitor : event.cancelled) {
    if (!(*erased)[next++]) continue;
    visitor.intern = Person{.participant_id = visitor.intern.participant_id};
    visitor.purpose.clear();
  }
  return absl::OkStatus();
}

Notifier::Result Notifier::Deliver(const PlannedMessage& planned, const MessageContext& context,
                                   const events::Envelope& envelope,
                                   const server::EventContext& delivery, std::string& reason) {
  const std::string& tenant = context.tenant;
  const std::string message_id = MessageIdFor(planned.Key(context));
  const Language language = planned.LanguageIn(context);
  DeliveryRecord fields{.message_id = message_id,
                        .event_id = context.event_id,
                        .event_type = envelope.type(),
                        .kind = MessageKindName(planned.kind),
                        .subject_key = planned.subject_key,
                        .round_id = planned.round_id,
                        .participant_id = planned.recipient.participant_id,
                        .recipient_email = planned.recipient.email,
                        .recipient_name = planned.recipient.name,
                        .language = LanguageCode(language)};
  const std::string owner = NewOwner();
  auto claim = repository_.ClaimMessage(tenant, fields, owner, clock_(), options_.lease);
  if (claim.ok() && claim->result == Claim::Result::kBusy) {
    // Another sender holds it. A live one renews its lease before it runs out; a dead one (a
    // killed replica) does not: wait for the lease once and claim again, so that a dead
    // sender's messages are taken over within one lease rather than after the bus's backoff.
    const absl::Duration wait =
        std::min(claim->busy_until - clock_(), options_.lease) + absl::Milliseconds(100);
    if (wait > absl::ZeroDuration() && !WaitUnlessStopped(delivery.stop, wait)) {
      reason = "stopping";
      return Result::kRetry;
    }
    claim = repository_.ClaimMessage(tenant, fields, owner, clock_(), options_.lease);
  }
  if (!claim.ok()) {
    reason = absl::StrCat("claiming message ", message_id, ": ", claim.status().ToString());
    return Result::kRetry;
  }
  if (claim->result == Claim::Result::kDone) {
    if (claim->state == "erased") {
      metrics_.SkippedErased();
    } else {
      metrics_.Duplicate();
    }
    return Result::kDone;
  }
  if (claim->result == Claim::Result::kBusy) {
    metrics_.Duplicate();
    reason = absl::StrCat("message ", message_id, " is being sent by another sender");
    return Result::kBusy;
  }
  const HeldClaim held(*this, owner, tenant, message_id);
  const bool last_attempt = delivery.attempt >= options_.max_attempts;
  auto finish = [&](Finish outcome) {
    if (auto status = repository_.FinishMessage(tenant, message_id, owner, outcome, clock_());
        !status.ok()) {
      logger_.Warning("could not record a message's outcome",
                      {{"message_id", message_id}, {"error", status.ToString()}});
    }
  };
  // Transient trouble: tried again later, or given up on the last attempt.
  auto transient = [&](const std::string& why, const std::string& error, int code,
                       const std::string& subject) {
    reason = error;
    if (last_attempt) {
      finish({.state = DeliveryState::kFailed,
              .failure_reason = "gave_up",
              .last_error = error,
              .smtp_code = code,
              .subject = subject});
      metrics_.Failed("gave_up");
      return Result::kDone;
    }
    finish({.state = DeliveryState::kRetrying,
            .failure_reason = why,
            .last_error = error,
            .smtp_code = code,
            .subject = subject});
    metrics_.Retried(why);
    return Result::kRetry;
  };

  // Before composing: a recipient that is no address (e.g. with CR/LF, from an event on the bus)
  // fails for good, and never reaches a header (BuildMimeMessage would refuse it too).
  if (!LooksLikeMailAddress(planned.recipient.email)) {
    finish({.state = DeliveryState::kFailed,
            .failure_reason = "bad_address",
            .last_error = absl::StrCat("\"", errors::Cut(planned.recipient.email),
                                       "\" is not an e-mail address")});
    metrics_.Failed("bad_address");
    return Result::kDone;
  }
  auto composed =
      Compose(planned, context, templates_, claim->resend, clock_(), options_.time_zone);
  if (!composed.ok()) {
    logger_.Error("a message does not render",
                  {{"message_id", message_id}, {"error", composed.status().ToString()}});
    return transient("template", composed.status().ToString(), 0, "");
  }
  const std::string& subject = composed->text.subject;
  if (!LooksLikeMailAddress(context.settings.sender_address)) {
    return transient("server_setup",
                     absl::StrCat("the sender address \"", context.settings.sender_address,
                                  "\" is not an e-mail address (tenant settings)"),
                     0, subject);
  }
  if (!gate_.Wait(delivery.stop)) {
    finish({.state = DeliveryState::kRetrying,
            .failure_reason = "transient",
            .last_error = "the service stopped before sending",
            .subject = subject});
    reason = "stopping";
    return Result::kRetry;
  }

  const absl::Time started = clock_();
  SmtpAttempt attempt;
  {
    auto connection = smtp_.Acquire();
    attempt = connection->Send(
        context.settings.sender_address, planned.recipient.email, composed->mime, [&] {
          return repository_.MarkHandedOver(tenant, message_id, owner, clock_(), options_.lease);
        });
  }
  Judgement judgement = JudgeSmtpAttempt(attempt);
  if (judgement.verdict == Verdict::kRetry) {
    return transient(judgement.reason, attempt.error, attempt.reply_code, subject);
  }
  static constexpr DeliveryState kFinalStates[] = {DeliveryState::kSent, DeliveryState::kFailed,
                                                   DeliveryState::kUnconfirmed};
  const bool sent = judgement.verdict == Verdict::kSent;
  finish({.state = kFinalStates[sent                                       ? 0
                                : judgement.verdict == Verdict::kPermanent ? 1
                                                                           : 2],
          .failure_reason = judgement.reason,
          .last_error = sent ? std::string() : attempt.error,
          .smtp_code = attempt.reply_code,
          .subject = subject,
          .rfc822_message_id = composed->rfc822_message_id});
  if (sent) {
    metrics_.Sent(planned.kind, clock_() - started);
  } else {
    metrics_.Failed(judgement.reason);
    logger_.WithTenant(tenant).Warning(
        "an e-mail was given up on",
        {{"message_id", message_id}, {"reason", judgement.reason}, {"error", attempt.error}});
  }
  return Result::kDone;
}

absl::Status Notifier::ResultPublished(const v1::MatchingResultPublished& published,
                                       const server::EventContext& event) {
  metrics_.QueueLag(clock_() - events::OccurredAt(event.envelope));
  logger_.WithTenant(event.envelope.tenant())
      .WithCorrelationId(event.envelope.correlation_id())
      .Info("matching result published",
            {{"round_id", published.round().round_id()}, {"notified", published.notified()}});
  return absl::OkStatus();
}

absl::Status Notifier::EraseParticipant(const v1::ParticipantErased& erased,
                                        const server::EventContext& event) {
  metrics_.QueueLag(clock_() - events::OccurredAt(event.envelope));
  if (erased.participant_id().empty()) {
    return absl::InvalidArgumentError("not a ParticipantErased with a participant_id");
  }
  const std::string& tenant = event.envelope.tenant();
  auto messages = repository_.EraseParticipant(tenant, erased.participant_id());
  if (!messages.ok()) return RetryLater(messages.status());
  // Their placement links (after the erasure marker, which keeps a late event from making one).
  auto links = links_.Erase(tenant, erased.participant_id());
  if (!links.ok()) return RetryLater(links.status());
  // Other people's saved events that name them (a host's list of interns, an offer's contact).
  if (auto forgotten = ForgetInSavedEvents(tenant, erased.participant_id()); !forgotten.ok()) {
    return RetryLater(forgotten);
  }
  metrics_.Erased();
  logger_.WithTenant(tenant)
      .WithCorrelationId(event.envelope.correlation_id())
      .Info("participant erased", {{"participant_id", erased.participant_id()},
                                   {"messages", *messages},
                                   {"placement_links", *links}});
  return absl::OkStatus();
}

absl::Status Notifier::ForgetInSavedEvents(const std::string& tenant,
                                           const std::string& participant_id) {
  auto naming = scheduling_.EventsNaming(tenant, participant_id);
  if (!naming.ok()) return naming.status();
  for (const std::string& event_id : *naming) {
    auto stored = scheduling_.LoadEvent(tenant, event_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) continue;
    auto source = events::ParseEnvelope(**stored);
    if (!source.ok()) return source.status();
    auto without = WithoutPerson(*source, participant_id);
    if (!without.ok()) return without.status();
    if (!without->has_value()) continue;
    auto replaced = scheduling_.ReplaceEvent(tenant, event_id, (*without)->SerializeAsString());
    if (!replaced.ok()) return replaced;
  }
  return scheduling_.ForgetMentions(tenant, participant_id);
}

absl::Status Notifier::Notify(const server::EventContext& event,
                              std::optional<EventRevision> revision) {
  const events::Envelope& envelope = event.envelope;
  metrics_.QueueLag(clock_() - events::OccurredAt(envelope));
  const std::string& tenant = envelope.tenant();
  if (auto status = RememberTenant(tenant); !status.ok()) return RetryLater(status);
  // Three round trips to Redis before the e-mails: the revision check with the tenant's settings,
  // the writes the e-mails need first (the saved event, the links), then the reminders.
  RedisBatch reads = repository_.Batch();
  bool accepted = true;
  if (revision) {
    if (auto status = scheduling_.AcceptRevision(reads, tenant, revision->scope, revision->id,
                                                 revision->revision, accepted);
        !status.ok()) {
      return RetryLater(status);
    }
  }
  TenantSettings stored;
  if (auto status = repository_.GetSettings(reads, tenant, stored); !status.ok()) {
    return RetryLater(status);
  }
  if (auto status = reads.Execute(); !status.ok()) return RetryLater(status);
  if (!accepted) {
    logger_.WithTenant(tenant)
        .WithCorrelationId(envelope.correlation_id())
        .Info("a newer revision was seen: nothing to send",
              {{"event_id", envelope.id()}, {"type", envelope.type()}});
    return absl::OkStatus();
  }
  const TenantSettings settings = Merge(options_.defaults, stored);
  RedisBatch writes = repository_.Batch();
  if (auto status = scheduling_.SaveEvent(writes, tenant, envelope.id(),
                                          envelope.SerializeAsString(), PeopleIn(envelope));
      !status.ok()) {
    return RetryLater(status);
  }
  // The personal links the e-mails carry work from before they are sent.
  if (auto status = RecordLinks(writes, envelope); !status.ok()) {
    if (status.code() == absl::StatusCode::kInvalidArgument) return status;
    return RetryLater(status);
  }
  // The saved event is written before the plan looks for erased interns: an erasure that comes
  // later finds the event by its mentions and scrubs it, one that came earlier is seen by the plan.
  if (auto status = writes.Execute(); !status.ok()) return RetryLater(status);
  RedisBatch reminders = repository_.Batch();
  auto plan = PlanEvent(envelope, &reminders, std::nullopt, std::nullopt, false, &settings);
  if (plan.ok() && !reminders.empty()) {
    if (auto status = reminders.Execute(); !status.ok()) return RetryLater(status);
  }
  return SendPlan(plan, envelope, "", event);
}

absl::Status Notifier::Resend(const v1::ResendRequested& resend,
                              const server::EventContext& event) {
  metrics_.QueueLag(clock_() - events::OccurredAt(event.envelope));
  const std::string& tenant = event.envelope.tenant();
  if (auto status = RememberTenant(tenant); !status.ok()) return RetryLater(status);
  auto record = repository_.Get(tenant, resend.message_id());
  if (!record.ok()) return RetryLater(record.status());
  if (!record->has_value()) return absl::NotFoundError("no message " + resend.message_id());
  auto stored = scheduling_.LoadEvent(tenant, (*record)->event_id);
  if (!stored.ok()) return RetryLater(stored.status());
  if (!stored->has_value()) {
    return absl::NotFoundError("the event of message " + resend.message_id() +
                               " is no longer kept");
  }
  auto original = events::ParseEnvelope(**stored);
  if (!original.ok()) return original.status();
  // Superseded after the resend was accepted (the service refuses one asked for later): the
  // outdated placement is not sent, and the record says why.
  auto superseded = Superseded(tenant, **record);
  if (!superseded.ok()) return RetryLater(superseded.status());
  if (superseded->has_value()) {
    const std::string owner = NewOwner();
    auto claim = repository_.ClaimMessage(tenant, **record, owner, clock_(), options_.lease);
    if (!claim.ok()) return RetryLater(claim.status());
    if (claim->result == Claim::Result::kBusy) {
      return absl::UnavailableError("the superseded message is held by another sender");
    }
    if (claim->result == Claim::Result::kClaimed) {
      if (auto finished = repository_.FinishMessage(tenant, resend.message_id(), owner,
                                                    {.state = DeliveryState::kFailed,
                                                     .failure_reason = "superseded",
                                                     .last_error = **superseded},
                                                    clock_());
          !finished.ok()) {
        return RetryLater(finished);
      }
    }
    logger_.WithTenant(tenant).Info("a superseded message was not resent",
                                    {{"message_id", resend.message_id()}});
    return absl::OkStatus();
  }
  return SendPlan(PlanEvent(*original, nullptr, std::nullopt, std::nullopt), *original,
                  resend.message_id(), event);
}

absl::StatusOr<std::optional<std::string>> Notifier::Superseded(const std::string& tenant,
                                                                const DeliveryRecord& record) {
  auto stored = scheduling_.LoadEvent(tenant, record.event_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  auto envelope = events::ParseEnvelope(**stored);
  if (!envelope.ok()) return envelope.status();
  auto revision = RevisionOfEnvelope(*envelope);
  if (!revision.ok()) return revision.status();
  if (!revision->has_value()) return std::nullopt;
  const EventRevision& announced = **revision;
  auto latest = scheduling_.LatestRevision(tenant, announced.scope, announced.id);
  if (!latest.ok()) return latest.status();
  if (*latest <= announced.revision) return std::nullopt;
  return absl::StrCat("this message announced revision ", announced.revision, " of ",
                      announced.scope, " ", announced.id, "; revision ", *latest,
                      " has been announced since (a re-match moved or cancelled it, or the host "
                      "declined): resending would send the outdated ",
                      announced.scope == "host" ? "list of interns" : "placement",
                      " and calendar invitation");
}

absl::Status Notifier::SendPlan(const absl::StatusOr<Plan>& plan, const events::Envelope& source,
                                const std::string& only_message,
                                const server::EventContext& event) {
  if (!plan.ok()) {
    if (plan.status().code() == absl::StatusCode::kInvalidArgument ||
        plan.status().code() == absl::StatusCode::kNotFound) {
      return plan.status();
    }
    return RetryLater(plan.status());
  }
  int retries = 0;
  int busy = 0;
  std::string reason;
  for (const auto& message : plan->messages) {
    if (!only_message.empty() && MessageIdFor(message.Key(plan->context)) != only_message) continue;
    if (event.stop.stop_requested()) return absl::UnavailableError("stopping");
    std::string why;
    switch (Deliver(message, plan->context, source, event, why)) {
      case Result::kDone:
        break;
      case Result::kRetry:
        ++retries;
        reason = why;
        break;
      case Result::kBusy:
        ++busy;
        if (reason.empty()) reason = why;
        break;
    }
  }
  if (retries > 0) {
    return absl::UnavailableError(absl::StrCat(retries, " message(s): ", reason));
  }
  // Another sender holds a message (or did until it died): come back when its claim ran out.
  if (busy > 0 && event.attempt < options_.max_attempts) return absl::UnavailableError(reason);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ComposedMessage>> Notifier::Preview(const PreviewRequest& request) {
  events::Envelope envelope = request.envelope;
  std::string only_message;
  if (!request.message_id.empty()) {
    auto record = repository_.Get(request.tenant, request.message_id);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return absl::NotFoundError("no message " + request.message_id);
    auto stored = scheduling_.LoadEvent(request.tenant, (*record)->event_id);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return absl::NotFoundError("the event of message " + request.message_id +
                                 " is no longer kept");
    }
    auto parsed = events::ParseEnvelope(**stored);
    if (!parsed.ok()) return parsed.status();
    envelope = *parsed;
    only_message = request.message_id;
  }
  auto plan = PlanEvent(envelope, nullptr, request.kind, request.language, /*preview=*/true);
  if (!plan.ok()) return plan.status();
  std::vector<PlannedMessage> messages;
  if (!only_message.empty()) {
    for (auto& message : plan->messages) {
      if (MessageIdFor(message.Key(plan->context)) == only_message) {
        messages.push_back(std::move(message));
      }
    }
  } else {
    messages = Select(std::move(plan->messages), request.kind, request.participant_id);
  }
  std::vector<ComposedMessage> composed;
  for (const auto& message : messages) {
    auto rendered = Compose(message, plan->context, templates_, 0, clock_(), options_.time_zone);
    if (!rendered.ok()) return rendered.status();
    composed.push_back(*std::move(rendered));
  }
  return composed;
}

}  // namespace ipraktik::notification
