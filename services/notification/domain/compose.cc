#include "domain/compose.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/text.h"

namespace ipraktik::notification {
namespace {

bool English(Language language) { return language == Language::kEnglish; }

// "i morgen" / "om 3 dage", "tomorrow" / "in 3 days".
std::string DaysUntilText(int days, Language language) {
  if (days <= 0) return English(language) ? "today" : "i dag";
  if (days == 1) return English(language) ? "tomorrow" : "i morgen";
  return English(language) ? absl::StrCat("in ", days, " days")
                           : absl::StrCat("om ", days, " dage");
}

Recipient RecipientOf(const Person& person) {
  return {.participant_id = person.participant_id,
          .name = person.name,
          .email = person.email,
          .language = person.language};
}

std::vector<TemplateData> Lines(std::string_view text) {
  std::vector<TemplateData> lines;
  for (auto& line : TextLines(text)) lines.push_back(TemplateData().Set("line", std::move(line)));
  return lines;
}

// What every message shows: greeting, round, sender, signature.
TemplateData CommonData(const Recipient& recipient, const Round& round,
                        const MessageContext& context, Language language) {
  const TenantSettings& settings = context.settings;
  TemplateData data;
  data.Set("recipient_name", recipient.name)
      .Set("recipient_first_name", FirstName(recipient.name))
      .Set("round_name", round.name)
      .Set("sender_name", settings.sender_name)
      .Set("programme_url", settings.programme_url)
      .Set("has_programme_url", !settings.programme_url.empty())
      .Set("signature", settings.Signature(language))
      .Set("signature_lines", Lines(settings.Signature(language)));
  return data;
}

void AddHostOffer(TemplateData& data, const HostOffer& offer, Language language) {
  data.Set("host_title", offer.title)
      .Set("workplace", offer.workplace_name)
      .Set("sector", std::string(SectorText(offer.sector, language)))
      .Set("description", offer.description)
      .Set("description_lines", Lines(offer.description))
      .Set("has_description", !offer.description.empty())
      .Set("address", offer.address)
      .Set("has_address", !offer.address.empty())
      .Set("municipality", offer.municipality)
      .Set("region", offer.region)
      .Set("contact_name", offer.contact.name)
      .Set("contact_title", offer.contact.job_title)
      .Set("contact_email", offer.contact.email)
      .Set("contact_phone", offer.contact.phone)
      .Set("has_contact", !offer.contact.name.empty() || !offer.contact.email.empty())
      .Set("has_contact_phone", !offer.contact.phone.empty());
}

void AddDays(TemplateData& data, const std::vector<Date>& unsorted, Language language) {
  std::vector<Date> days = NormalizedDays(unsorted);
  std::vector<TemplateData> list;
  for (Date day : days) list.push_back(TemplateData().Set("date", FormatLongDate(day, language)));
  data.Set("days", FormatDays(days, language))
      .Set("day_list", std::move(list))
      .Set("day_count", std::to_string(days.size()))
      .Set("one_day", days.size() == 1)
      .Set("first_day", days.empty() ? std::string() : FormatLongDate(days.front(), language));
}

TemplateData InternData(const InternPlaced& event, const Recipient& recipient,
                        const MessageContext& context, Language language) {
  TemplateData data = CommonData(recipient, event.round, context, language);
  AddHostOffer(data, event.host_offer, language);
  AddDays(data, event.days, language);
  const Sector own = event.intern.workplace_sector;
  data.Set("purpose", event.purpose)
      .Set("has_purpose", !event.purpose.empty())
      .Set("intern_workplace", event.intern.workplace_name)
      .Set("rank", std::to_string(event.rank))
      .Set("first_wish", event.rank == 1)
      .Set("cross_sector", own != Sector::kUnspecified &&
                               event.host_offer.sector != Sector::kUnspecified &&
                               own != event.host_offer.sector)
      .Set("placement_url", event.placement_url)
      .Set("has_placement_url", !event.placement_url.empty());
  return data;
}

TemplateData VisitorData(const VisitingIntern& visitor, Language language) {
  TemplateData data;
  data.Set("name", visitor.intern.name)
      .Set("first_name", FirstName(visitor.intern.name))
      .Set("job_title", visitor.intern.job_title)
      .Set("intern_workplace", visitor.intern.workplace_name)
      .Set("intern_sector", std::string(SectorText(visitor.intern.workplace_sector, language)))
      .Set("purpose", visitor.purpose)
      .Set("has_purpose", !visitor.purpose.empty())
      .Set("email", visitor.intern.email)
      .Set("phone", visitor.intern.phone)
      .Set("has_phone", !visitor.intern.phone.empty())
      .Set("visit_days", FormatDays(visitor.days, language));
  return data;
}

TemplateData HostData(const HostInternsAssigned& event, const Recipient& recipient,
                      const MessageContext& context, Language language) {
  TemplateData data = CommonData(recipient, event.round, context, language);
  AddHostOffer(data, event.host_offer, language);
  std::vector<TemplateData> interns;
  std::vector<Date> all_days;
  for (const auto& visitor : event.interns) {
    interns.push_back(VisitorData(visitor, language));
    all_days.insert(all_days.end(), visitor.days.begin(), visitor.days.end());
  }
  std::vector<TemplateData> cancelled;
  for (const auto& visitor : event.cancelled) {
    cancelled.push_back(TemplateData().Set("name", visitor.intern.name));
  }
  AddDays(data, all_days, language);
  data.Set("interns", std::move(interns))
      .Set("intern_count", std::to_string(event.interns.size()))
      .Set("several", event.interns.size() > 1)
      .Set("is_update", event.revision > 1 || !event.cancelled.empty())
      .Set("cancelled_interns", std::move(cancelled))
      .Set("has_cancelled", !event.cancelled.empty())
      .Set("placement_url", event.placement_url)
      .Set("has_placement_url", !event.placement_url.empty());
  return data;
}

// The calendar event of one placement as one person sees it.
CalendarInvitation PlacementCalendar(const MessageContext& context, const Recipient& recipient,
                                     Language language, std::string_view placement_id,
                                     std::int64_t sequence, std::vector<Date> days,
                                     std::string summary, std::string location,
                                     std::string description) {
  return {.method = CalendarMethod::kRequest,
          .uid = PlacementEventUid(context.tenant, placement_id),
          .sequence = sequence,
          .stamp = context.event_time,
          .days = std::move(days),
          .summary = std::move(summary),
          .location = std::move(location),
          .description = std::move(description),
          .organizer_name = context.settings.sender_name,
          .organizer_email = context.settings.sender_address,
          .attendee_name = recipient.name,
          .attendee_email = recipient.email,
          .language = std::string(LanguageCode(language))};
}

std::string InternCalendarSummary(const HostOffer& offer, Language language) {
  return English(language) ? absl::StrCat("Innovation internship: ", offer.workplace_name)
                           : absl::StrCat("Innovationspraktik hos ", offer.workplace_name);
}

std::string InternCalendarDescription(const InternPlaced& event, Language language) {
  const Person& contact = event.host_offer.contact;
  std::vector<std::string> lines;
  lines.push_back(event.host_offer.title);
  if (!contact.name.empty()) {
    std::vector<std::string> reach = {contact.name};
    if (!contact.phone.empty()) reach.push_back(contact.phone);
    if (!contact.email.empty()) reach.push_back(contact.email);
    lines.push_back(absl::StrCat(English(language) ? "Contact: " : "Kontaktperson: ",
                                 absl::StrJoin(reach, ", ")));
  }
  if (!event.purpose.empty()) {
    lines.push_back(
        absl::StrCat(English(language) ? "Your purpose: " : "Dit formål: ", event.purpose));
  }
  return absl::StrJoin(lines, "\n");
}

// An erased intern's cancelled visit names nobody.
std::string VisitorName(const Person& intern, Language language) {
  if (!intern.name.empty()) return intern.name;
  return English(language) ? "an intern" : "en praktikant";
}

std::string HostCalendarSummary(const VisitingIntern& visitor, Language language) {
  std::string who = VisitorName(visitor.intern, language);
  if (!visitor.intern.workplace_name.empty()) {
    absl::StrAppend(&who, " (", visitor.intern.workplace_name, ")");
  }
  return English(language) ? absl::StrCat("Innovation intern: ", who)
                           : absl::StrCat("Innovationspraktikant: ", who);
}

std::string HostCalendarDescription(const VisitingIntern& visitor, Language language) {
  std::vector<std::string> lines;
  if (!visitor.intern.job_title.empty()) lines.push_back(visitor.intern.job_title);
  if (!visitor.purpose.empty()) {
    lines.push_back(absl::StrCat(English(language) ? "Purpose: " : "Formål: ", visitor.purpose));
  }
  std::vector<std::string> reach;
  if (!visitor.intern.phone.empty()) reach.push_back(visitor.intern.phone);
  if (!visitor.intern.email.empty()) reach.push_back(visitor.intern.email);
  if (!reach.empty()) {
    lines.push_back(
        absl::StrCat(English(language) ? "Contact: " : "Kontakt: ", absl::StrJoin(reach, ", ")));
  }
  return absl::StrJoin(lines, "\n");
}

// A message of kind to person about round; the caller adds its data and calendars.
PlannedMessage NewMessage(MessageKind kind, const Person& person, const Round& round) {
  PlannedMessage message;
  message.kind = kind;
  message.recipient = RecipientOf(person);
  message.round_id = round.round_id;
  return message;
}

void AddDaysUntil(TemplateData& data, int days_until, Language language) {
  data.Set("days_until", std::to_string(days_until))
      .Set("days_until_text", DaysUntilText(days_until, language));
}

std::string CalendarFileName(const CalendarInvitation& calendar, Language language,
                             std::size_t index, std::size_t count) {
  std::string base = calendar.method == CalendarMethod::kCancel
                         ? (English(language) ? "cancellation" : "aflysning")
                         : (English(language) ? "internship" : "innovationspraktik");
  if (count > 1) absl::StrAppend(&base, "-", index + 1);
  return base + ".ics";
}

}  // namespace

MessageKey PlannedMessage::Key(const MessageContext& context) const {
  return {
      .tenant = context.tenant,
      .event_id = context.event_id,
      .kind = kind,
      .recipient = recipient.participant_id.empty() ? recipient.email : recipient.participant_id,
      .subject = subject_key};
}

Language PlannedMessage::LanguageIn(const MessageContext& context) const {
  return context.language_override.value_or(recipient.language);
}

std::vector<PlannedMessage> PlanMessages(const InternPlaced& event, const MessageContext& context) {
  PlannedMessage message =
      NewMessage(event.moved ? MessageKind::kInternMoved : MessageKind::kInternPlaced, event.intern,
                 event.round);
  Language language = message.LanguageIn(context);
  message.data = InternData(event, message.recipient, context, language);
  message.calendars.push_back(
      PlacementCalendar(context, message.recipient, language, event.placement_id, event.revision,
                        event.days, InternCalendarSummary(event.host_offer, language),
                        event.host_offer.address, InternCalendarDescription(event, language)));
  return {std::move(message)};
}

std::vector<PlannedMessage> PlanMessages(const InternUnmatched& event,
                                         const MessageContext& context) {
  PlannedMessage message = NewMessage(MessageKind::kInternUnmatched, event.intern, event.round);
  Language language = message.LanguageIn(context);
  message.data = CommonData(message.recipient, event.round, context, language);
  const std::string& local = context.settings.LocalProgrammeInfo(language);
  message.data.Set("reason", UnmatchedReasonText(event.reason_code, event.reason, language))
      .Set("reason_code", event.reason_code)
      .Set("placement_cancelled", event.placement_cancelled)
      .Set("local_programme_info", local)
      .Set("local_programme_info_lines", Lines(local))
      .Set("has_local_programme_info", !local.empty());
  if (event.placement_cancelled) {
    CalendarInvitation cancel = PlacementCalendar(
        context, message.recipient, language, event.placement_id, event.revision,
        event.cancelled_days,
        English(language) ? "Cancelled: innovation internship" : "Aflyst: innovationspraktik", "",
        "");
    cancel.method = CalendarMethod::kCancel;
    message.calendars.push_back(std::move(cancel));
  }
  return {std::move(message)};
}

std::vector<PlannedMessage> PlanMessages(const HostInternsAssigned& event,
                                         const MessageContext& context) {
  std::vector<PlannedMessage> messages;
  const Recipient host = RecipientOf(event.host_offer.contact);
  if (!event.interns.empty()) {
    PlannedMessage message =
        NewMessage(MessageKind::kHostInterns, event.host_offer.contact, event.round);
    Language language = message.LanguageIn(context);
    message.data = HostData(event, host, context, language);
    for (const auto& visitor : event.interns) {
      message.calendars.push_back(
          PlacementCalendar(context, host, language, visitor.placement_id, event.revision,
                            visitor.days, HostCalendarSummary(visitor, language),
                            event.host_offer.address, HostCalendarDescription(visitor, language)));
    }
    messages.push_back(std::move(message));
  }
  for (const auto& visitor : event.cancelled) {
    PlannedMessage message =
        NewMessage(MessageKind::kHostCancellation, event.host_offer.contact, event.round);
    message.subject_key = visitor.placement_id;
    Language language = message.LanguageIn(context);
    message.data = CommonData(host, event.round, context, language);
    AddHostOffer(message.data, event.host_offer, language);
    AddDays(message.data, visitor.days, language);
    message.data.Set("intern_name", VisitorName(visitor.intern, language))
        .Set("intern_job_title", visitor.intern.job_title)
        .Set("intern_workplace", visitor.intern.workplace_name)
        .Set("has_intern_details",
             !visitor.intern.job_title.empty() || !visitor.intern.workplace_name.empty())
        .Set("remaining_count", std::to_string(event.interns.size()))
        .Set("has_remaining", !event.interns.empty());
    CalendarInvitation cancel = PlacementCalendar(
        context, host, language, visitor.placement_id, event.revision, visitor.days,
        HostCalendarSummary(visitor, language), event.host_offer.address, "");
    cancel.method = CalendarMethod::kCancel;
    message.calendars.push_back(std::move(cancel));
    messages.push_back(std::move(message));
  }
  return messages;
}

std::vector<PlannedMessage> PlanMessages(const EvaluationInvitation& event,
                                         const MessageContext& context) {
  PlannedMessage message =
      NewMessage(MessageKind::kEvaluationInvitation, event.participant, event.round);
  Language language = message.LanguageIn(context);
  message.data = CommonData(message.recipient, event.round, context, language);
  message.data.Set("form_url", event.form_url)
      .Set("respond_by",
           event.respond_by ? FormatLongDate(*event.respond_by, language) : std::string())
      .Set("has_respond_by", event.respond_by.has_value())
      // An invitation that does not say which side is addressed as an intern's.
      .Set("is_intern", event.role != Role::kHost)
      .Set("is_host", event.role == Role::kHost)
      .Set("host_workplace", event.host_workplace_name)
      .Set("has_host_workplace", !event.host_workplace_name.empty());
  return {std::move(message)};
}

std::vector<PlannedMessage> PlanMessages(const ApprovalRequest& event,
                                         const MessageContext& context) {
  PlannedMessage message;
  message.kind = MessageKind::kApprovalRequest;
  message.recipient = {.participant_id = event.intern.participant_id,
                       .name = event.manager_name,
                       .email = event.manager_email,
                       .language = event.intern.language};
  message.round_id = event.round.round_id;
  // The first request and the reminder are two messages to the same manager.
  message.subject_key = event.reminder ? "reminder" : "request";
  Language language = message.LanguageIn(context);
  message.data = CommonData(message.recipient, event.round, context, language);
  std::vector<TemplateData> wishes;
  for (const ApprovalWish& wish : event.wishes) {
    wishes.push_back(TemplateData()
                         .Set("rank", std::to_string(wish.rank))
                         .Set("title", wish.title)
                         .Set("by_criteria", wish.title.empty()));
  }
  message.data.Set("approval_url", event.approval_url)
      .Set("is_reminder", event.reminder)
      .Set("programme_name", event.programme_name)
      .Set("has_programme_name", !event.programme_name.empty())
      .Set("intern_name", event.intern.name)
      .Set("intern_first_name", FirstName(event.intern.name))
      .Set("intern_job_title", event.intern.job_title)
      .Set("has_intern_job_title", !event.intern.job_title.empty())
      .Set("intern_workplace", event.intern.workplace_name)
      .Set("has_intern_workplace", !event.intern.workplace_name.empty())
      .Set("purpose", event.purpose)
      .Set("purpose_lines", Lines(event.purpose))
      .Set("has_purpose", !event.purpose.empty())
      .Set("wishes", std::move(wishes))
      .Set("has_wishes", !event.wishes.empty())
      .Set("respond_by",
           event.respond_by ? FormatLongDate(*event.respond_by, language) : std::string())
      .Set("has_respond_by", event.respond_by.has_value());
  return {std::move(message)};
}

std::vector<PlannedMessage> PlanMessages(const ApprovalDecision& event,
                                         const MessageContext& context) {
  PlannedMessage message = NewMessage(MessageKind::kApprovalDecision, event.intern, event.round);
  Language language = message.LanguageIn(context);
  message.data = CommonData(message.recipient, event.round, context, language);
  message.data.Set("approved", event.approved)
      .Set("rejected", !event.approved)
      .Set("changed", event.changed)
      .Set("manager_name", event.manager_name)
      .Set("has_manager_name", !event.manager_name.empty())
      .Set("comment", event.comment)
      .Set("comment_lines", Lines(event.comment))
      .Set("has_comment", !event.comment.empty());
  return {std::move(message)};
}

PlannedMessage PlanInternReminder(const InternPlaced& event, const MessageContext& context,
                                  int days_until) {
  PlannedMessage message = NewMessage(MessageKind::kInternReminder, event.intern, event.round);
  Language language = message.LanguageIn(context);
  message.data = InternData(event, message.recipient, context, language);
  AddDaysUntil(message.data, days_until, language);
  return message;
}

std::optional<PlannedMessage> PlanHostReminder(const HostInternsAssigned& event,
                                               const MessageContext& context, int days_until) {
  if (event.interns.empty()) return std::nullopt;
  PlannedMessage message =
      NewMessage(MessageKind::kHostReminder, event.host_offer.contact, event.round);
  Language language = message.LanguageIn(context);
  message.data = HostData(event, message.recipient, context, language);
  AddDaysUntil(message.data, days_until, language);
  return message;
}

absl::StatusOr<ComposedMessage> Compose(const PlannedMessage& planned,
                                        const MessageContext& context,
                                        const TemplateStore& templates, int resend, absl::Time date,
                                        const absl::TimeZone& time_zone) {
  ComposedMessage composed;
  composed.kind = planned.kind;
  composed.recipient = planned.recipient;
  composed.language = planned.LanguageIn(context);
  composed.message_id = MessageIdFor(planned.Key(context));
  composed.rfc822_message_id =
      Rfc822MessageId(composed.message_id, resend, MailDomain(context.settings.sender_address));
  auto text = templates.Render(context.tenant, composed.language, planned.kind, planned.data);
  if (!text.ok()) return text.status();
  composed.text = std::move(*text);
  composed.calendars = planned.calendars;
  for (std::size_t i = 0; i < planned.calendars.size(); ++i) {
    const CalendarInvitation& calendar = planned.calendars[i];
    composed.attachments.push_back(
        {.file_name = CalendarFileName(calendar, composed.language, i, planned.calendars.size()),
         .content_type = absl::StrCat("text/calendar; charset=UTF-8; method=",
                                      CalendarMethodName(calendar.method)),
         .content = RenderCalendar(calendar)});
  }
  MailMessage mail{
      .from = {.name = context.settings.sender_name, .address = context.settings.sender_address},
      .to = {.name = planned.recipient.name, .address = planned.recipient.email},
      .reply_to = {.name = context.settings.sender_name, .address = context.settings.reply_to},
      .subject = composed.text.subject,
      .date = date,
      .message_id = composed.rfc822_message_id,
      .text_body = composed.text.text,
      .html_body = composed.text.html,
      .attachments = composed.attachments,
      .extra_headers = {{"X-Ipraktik-Message", composed.message_id},
                        {"X-Ipraktik-Kind", std::string(MessageKindName(planned.kind))}}};
  auto mime = BuildMimeMessage(mail, time_zone);
  if (!mime.ok()) return mime.status();
  composed.mime = *std::move(mime);
  return composed;
}

}  // namespace ipraktik::notification
