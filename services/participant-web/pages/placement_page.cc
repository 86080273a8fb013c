#include "pages/placement_page.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "domain/field_messages.h"
#include "domain/page_text.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/model/date_text.h"

namespace ipraktik::participant_web {
namespace {

// A name a Content-Disposition header can carry as it is (the service's own: "internship.ics").
bool PlainFileName(const std::string& name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

// The calendar's link beside the page's: /calendar/<tenant>/<token> for /placement/<tenant>/...
std::string CalendarLink(const PageRequest& request) {
  return absl::StrCat("/calendar/", request.tenant, "/", request.token);
}

constexpr char kCalendarEnd[] = "END:VCALENDAR";

// Whether a line of the guide starts an item of its own ("1. ...", "- ...").
bool StartsItem(std::string_view line) {
  if (line.starts_with("- ")) return true;
  std::size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
  return digits > 0 && line.substr(digits).starts_with(". ");
}

// Whether a line of the guide is a heading: letters, all in capitals ("SÅDAN FÅR DU ...").
bool IsHeading(const std::string& line) {
  return std::any_of(line.begin(), line.end(), [](char c) { return c >= 'A' && c <= 'Z'; }) &&
         absl::AsciiStrToUpper(line) == line;
}

}  // namespace

std::vector<std::vector<std::string>> GuideParagraphs(std::string_view guide) {
  std::vector<std::vector<std::string>> paragraphs;
  bool open = false;
  for (absl::string_view raw :
       absl::StrSplit(absl::string_view(guide.data(), guide.size()), '\n')) {
    const std::string line(absl::StripAsciiWhitespace(raw));
    if (line.empty()) {
      open = false;
      continue;
    }
    if (!open) {
      paragraphs.emplace_back();
      open = true;
    }
    std::vector<std::string>& lines = paragraphs.back();
    // A heading in capitals stands alone; an item starts a line; anything else continues one.
    if (lines.empty() || IsHeading(line) || StartsItem(line) || IsHeading(lines.back())) {
      lines.push_back(line);
    } else {
      absl::StrAppend(&lines.back(), " ", line);
    }
  }
  return paragraphs;
}

PageData GuideData(std::string_view guide) {
  PageData paragraphs{PageData::type::list};
  for (const auto& lines : GuideParagraphs(guide)) {
    PageData paragraph{PageData::type::object};
    PageData items{PageData::type::list};
    for (std::size_t i = 0; i < lines.size(); ++i) {
      PageData item{PageData::type::object};
      item.set("text", lines[i]);
      item.set("break", i + 1 < lines.size());
      items.push_back(item);
    }
    paragraph.set("lines", items);
    paragraphs.push_back(paragraph);
  }
  return paragraphs;
}

PageData PlacementData(const PlacementCase& placement, const Views& views,
                       const std::string& action, const std::string& csrf,
                       const std::string& calendar_link, const PlacementFormState& posted) {
  const model::Language language = placement.language;
  PageData data{PageData::type::object};
  data.set("title", views.Word(language,
                               placement.host ? "placement_title_host" : "placement_title_intern"));
  data.set("intro", views.Word(language,
                               placement.host ? "placement_intro_host" : "placement_intro_intern"));
  data.set("participant_name", placement.participant.name);
  data.set("has_greeting", !placement.participant.name.empty());
  data.set("host", placement.host);
  data.set("intern", !placement.host);
  data.set("host_workplace_name", placement.host_workplace_name);
  SetText(data, "host_title", placement.host_title);
  std::string address = placement.address;
  if (!placement.municipality.empty() &&
      address.find(placement.municipality) == std::string::npos) {
    absl::StrAppend(&address, address.empty() ? "" : ", ", placement.municipality);
  }
  SetText(data, "address", address);
  SetText(data, "days", model::FormatDays(placement.days, language));
  data.set("round_name", placement.round_name);
  SetText(data, "window", PeriodText(placement.window_start, placement.window_end, language));
  SetText(data, "valid_until", LongDateText(placement.valid_until, language));
  PageData guide = GuideData(placement.guide);
  data.set("has_guide", !guide.is_empty_list());
  data.set("guide", guide);
  // What the intern alone is told: whom to contact (the host's contact is the person reading),
  // what the host offers, and their own purpose.
  const PlacementPerson none;
  const PlacementPerson& contact = placement.host ? none : placement.contact;
  SetText(data, "contact_name", contact.name);
  SetText(data, "contact_job_title", contact.job_title);
  SetText(data, "contact_email", contact.email);
  SetText(data, "contact_phone", contact.phone);
  SetText(data, "host_description", placement.host ? "" : placement.host_description);
  SetText(data, "purpose", placement.host ? "" : placement.purpose);
  const CalendarFile calendar = OneCalendar(placement.calendars, language);
  data.set("has_calendar", !calendar.content.empty());
  data.set("calendar_link", calendar_link);
  data.set("calendar_file", calendar.file_name);
  data.set("action", action);
  data.set("csrf", csrf);

  PageData interns{PageData::type::list};
  int number = 0;
  for (const PlacementIntern& intern : placement.interns) {
    const PlacementPerson& person = intern.person;
    const bool this_form = placement.host && posted.participant_id == person.participant_id;
    PageData item{PageData::type::object};
    item.set("id", absl::StrCat("intern-", ++number));
    item.set("participant_id", person.participant_id);
    item.set("name", person.name);
    const std::string job = person.job_title.empty() || person.workplace_name.empty()
                                ? person.job_title + person.workplace_name
                                : absl::StrCat(person.job_title, ", ", person.workplace_name);
    SetText(item, "job", job);
    item.set("days", model::FormatDays(intern.days, language));
    SetText(item, "email", person.email);
    SetText(item, "phone", person.phone);
    SetText(item, "purpose", intern.purpose);
    item.set("declined", intern.declined);
    item.set("action", action);
    item.set("csrf", csrf);
    item.set("reason", this_form ? posted.reason : "");
    item.set("error", this_form ? posted.error : "");
    item.set("has_error", this_form && !posted.error.empty());
    interns.push_back(item);
  }
  data.set("interns", interns);
  data.set("has_interns", !placement.interns.empty());
  const bool own_form = !placement.host && posted.participant_id.empty();
  data.set("reason", own_form ? posted.reason : "");
  data.set("reason_error", own_form ? posted.error : "");
  data.set("has_reason_error", own_form && !posted.error.empty());
  return data;
}

PageData PlacementDoneData(const PlacementCase& placement, const Views& views,
                           const std::string& declined_name) {
  const model::Language language = placement.language;
  const bool declined = placement.host;
  PageData data{PageData::type::object};
  data.set("title", views.Word(language, declined ? "placement_done_declined_title"
                                                  : "placement_done_withdrawn_title"));
  data.set("done_text",
           views.Word(language, declined ? "placement_done_declined" : "placement_done_withdrawn"));
  data.set("name", declined ? declined_name : placement.host_workplace_name);
  data.set("next_text", views.Word(language, declined ? "placement_done_declined_next"
                                                      : "placement_done_withdrawn_next"));
  return data;
}

CalendarFile OneCalendar(const std::vector<PlacementCalendar>& calendars,
                         model::Language language) {
  CalendarFile file;
  if (calendars.empty()) return file;
  file.content = calendars.front().content;
  if (calendars.size() == 1) {
    file.file_name =
        PlainFileName(calendars.front().file_name) ? calendars.front().file_name : "ipraktik.ics";
    return file;
  }
  file.file_name =
      language == model::Language::kEnglish ? "interns.ics" : "innovationspraktikanter.ics";
  const std::size_t end = file.content.rfind(kCalendarEnd);
  if (end == std::string::npos) return file;
  std::string events;
  for (std::size_t i = 1; i < calendars.size(); ++i) {
    const std::string& other = calendars[i].content;
    const std::size_t first = other.find("BEGIN:VEVENT");
    const std::size_t last = other.rfind("END:VEVENT");
    if (first == std::string::npos || last == std::string::npos || last < first) continue;
    // Through the END:VEVENT line's end (CRLF in a calendar file).
    std::size_t stop = other.find('\n', last);
    stop = stop == std::string::npos ? other.size() : stop + 1;
    events += other.substr(first, stop - first);
  }
  file.content.insert(end, events);
  return file;
}

Response PlacementPage::Get(const PageRequest& request) {
  auto placement = backend_.Lookup(request.tenant, request.token);
  if (!placement.ok()) {
    return tools_.Problem(ProblemOf(placement.status()), request.browser_language);
  }
  return tools_.Render("placement", placement->language,
                       PlacementData(*placement, tools_.views, request.http.path,
                                     tools_.CsrfFor("placement", request), CalendarLink(request)));
}

Response PlacementPage::Post(const PageRequest& request, const Form& form) {
  const std::string action = form.Value("action");
  if (action != "decline" && action != "withdraw") {
    return tools_.Problem(Problem::kMalformed, request.browser_language);
  }
  // The placement first: who the link is for, and the words of the confirmation.
  auto placement = backend_.Lookup(request.tenant, request.token);
  if (!placement.ok()) {
    return tools_.Problem(ProblemOf(placement.status()), request.browser_language);
  }
  const model::Language language = placement->language;
  // A host's link declines, an intern's withdraws: the page never offers the other.
  if (placement->host != (action == "decline"))
    return tools_.Problem(Problem::kMalformed, language);
  PlacementFormState posted{.reason = form.Value("reason")};
  const PlacementIntern* intern = nullptr;
  if (placement->host) {
    posted.participant_id = form.Value("participant");
    for (const PlacementIntern& candidate : placement->interns) {
      if (candidate.person.participant_id == posted.participant_id) intern = &candidate;
    }
    if (intern == nullptr) return tools_.Problem(Problem::kMalformed, language);
    if (intern->declined) return tools_.Problem(Problem::kAlreadyDecided, language);
  }
  // The form again, with the message next to the reason.
  auto refused = [&](std::string message) {
    posted.error = std::move(message);
    return tools_.Render(
        "placement", language,
        PlacementData(*placement, tools_.views, request.http.path,
                      tools_.CsrfFor("placement", request), CalendarLink(request), posted),
        422);
  };
  if (placement->host && absl::StripAsciiWhitespace(posted.reason).empty()) {
    return refused(tools_.views.Word(language, "placement_reason_required"));
  }
  absl::StatusOr<bool> repeated =
      placement->host
          ? backend_.Decline(request.tenant, request.token, posted.participant_id, posted.reason)
          : backend_.Withdraw(request.tenant, request.token, posted.reason);
  if (!repeated.ok()) {
    for (const errors::FieldViolation& violation : errors::FieldViolationsOf(repeated.status())) {
      if (violation.field == "reason") {
        return refused(FieldMessage(violation.description, language));
      }
    }
    return tools_.Problem(ProblemOf(repeated.status()), language);
  }
  if (*repeated) {
    return tools_.Problem(placement->host ? Problem::kAlreadyDecided : Problem::kWithdrawn,
                          language);
  }
  return tools_.Render(
      "placement_done", language,
      PlacementDoneData(*placement, tools_.views, intern != nullptr ? intern->person.name : ""));
}

Response PlacementCalendarPage::Get(const PageRequest& request) {
  auto placement = backend_.Lookup(request.tenant, request.token);
  if (!placement.ok()) {
    return tools_.Problem(ProblemOf(placement.status()), request.browser_language);
  }
  CalendarFile file = OneCalendar(placement->calendars, placement->language);
  if (file.content.empty()) return tools_.Problem(Problem::kUnknownLink, placement->language);
  Response response;
  response.content_type = "text/calendar; charset=utf-8";
  response.headers.emplace_back("Content-Disposition",
                                absl::StrCat("attachment; filename=\"", file.file_name, "\""));
  response.body = std::move(file.content);
  return response;
}

}  // namespace ipraktik::participant_web
