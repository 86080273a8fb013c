#pragma once

// From an event to e-mails: which messages an event asks for and to whom (Plan*), and each
// message rendered with the templates into a complete MIME e-mail (Compose). Pure: the caller
// gives the tenant's settings, the time and the template store.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/calendar.h"
#include "domain/ids.h"
#include "domain/mime.h"
#include "domain/model.h"
#include "domain/templates.h"

namespace ipraktik::notification {

struct Recipient {
  std::string participant_id{};
  std::string name{};
  std::string email{};
  Language language = Language::kDanish;
};

// What every message of one event shares.
struct MessageContext {
  std::string tenant{};
  std::string event_id{};
  // When the event happened: the calendar's DTSTAMP.
  absl::Time event_time = absl::UnixEpoch();
  // The tenant's settings merged over the service's defaults.
  TenantSettings settings{};
  // Render every message in this language instead of the recipient's (preview).
  std::optional<Language> language_override{};
};

// One e-mail an event asks for, before rendering.
struct PlannedMessage {
  MessageKind kind = MessageKind::kInternPlaced;
  Recipient recipient{};
  // Tells apart two messages of one kind to one person from one event (MessageKey::subject).
  std::string subject_key{};
  std::string round_id{};
  TemplateData data{};
  std::vector<CalendarInvitation> calendars{};

  MessageKey Key(const MessageContext& context) const;
  Language LanguageIn(const MessageContext& context) const;
};

// To the intern: placed, or moved by a re-match.
std::vector<PlannedMessage> PlanMessages(const InternPlaced& event, const MessageContext& context);
// To the intern: no place (with a cancellation when a re-match took one away).
std::vector<PlannedMessage> PlanMessages(const InternUnmatched& event,
                                         const MessageContext& context);
// To the host contact: who is coming (when anyone is), and one cancellation per lost intern.
std::vector<PlannedMessage> PlanMessages(const HostInternsAssigned& event,
                                         const MessageContext& context);
std::vector<PlannedMessage> PlanMessages(const EvaluationInvitation& event,
                                         const MessageContext& context);
// To the intern's manager, in the intern's language: approve or refuse, through the link. The
// recipient's participant id is the intern's, so erasing the intern erases the message.
std::vector<PlannedMessage> PlanMessages(const ApprovalRequest& event,
                                         const MessageContext& context);
// To the intern: the manager's decision.
std::vector<PlannedMessage> PlanMessages(const ApprovalDecision& event,
                                         const MessageContext& context);
// The reminders a placement schedules (days_until: how many days before the first day).
PlannedMessage PlanInternReminder(const InternPlaced& event, const MessageContext& context,
                                  int days_until);
// nullopt when no intern is coming any more.
std::optional<PlannedMessage> PlanHostReminder(const HostInternsAssigned& event,
                                               const MessageContext& context, int days_until);

struct ComposedMessage {
  std::string message_id{};
  std::string rfc822_message_id{};
  MessageKind kind = MessageKind::kInternPlaced;
  Recipient recipient{};
  Language language = Language::kDanish;
  RenderedText text{};
  std::vector<CalendarInvitation> calendars{};
  std::vector<MailAttachment> attachments{};
  // The whole e-mail as it goes to the SMTP server.
  std::string mime{};
};

// Renders a planned message. resend counts the coordinator's resends (0 the first time); date
// is the Date header. Errors: the template store's (missing or broken templates).
absl::StatusOr<ComposedMessage> Compose(const PlannedMessage& planned,
                                        const MessageContext& context,
                                        const TemplateStore& templates, int resend, absl::Time date,
                                        const absl::TimeZone& time_zone);

}  // namespace ipraktik::notification
