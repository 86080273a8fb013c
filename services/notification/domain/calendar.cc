#include "domain/calendar.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace ipraktik::notification {
namespace {

std::string CalendarDate(Date date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02u%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

Date NextDay(Date date) { return Date{std::chrono::sys_days(date) + std::chrono::days(1)}; }

// A parameter value: quoted when it holds characters that end or split parameters.
std::string ParameterValue(std::string_view value) {
  std::string clean;
  for (char c : value) {
    if (c == '"' || c == '\r' || c == '\n') continue;  // not representable in a parameter
    clean.push_back(c);
  }
  if (clean.find_first_of(";:,") == std::string::npos) return clean;
  return absl::StrCat("\"", clean, "\"");
}

}  // namespace

std::string PlacementEventUid(std::string_view tenant, std::string_view placement_id) {
  return absl::StrCat("placement-", std::string(placement_id), ".", std::string(tenant),
                      "@ipraktik");
}

const char* CalendarMethodName(CalendarMethod method) {
  return method == CalendarMethod::kCancel ? "CANCEL" : "REQUEST";
}

std::string EscapeCalendarText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string FoldCalendarLine(std::string_view line) {
  constexpr std::size_t kMaxOctets = 75;
  std::string out;
  std::size_t line_octets = 0;
  std::size_t limit = kMaxOctets;
  for (std::size_t i = 0; i < line.size();) {
    // Length of the UTF-8 sequence starting here (a stray byte counts as one).
    unsigned char lead = static_cast<unsigned char>(line[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 1;
    if (i + length > line.size()) length = line.size() - i;
    if (line_octets + length > limit) {
      out += "\r\n ";
      line_octets = 0;
      limit = kMaxOctets - 1;  // the leading space counts
    }
    out.append(line.substr(i, length));
    line_octets += length;
    i += length;
  }
  return out;
}

std::string RenderCalendar(const CalendarInvitation& invitation) {
  std::vector<std::string> lines;
  auto add = [&lines](std::string line) { lines.push_back(std::move(line)); };
  const bool cancel = invitation.method == CalendarMethod::kCancel;
  const std::string language = invitation.language.empty() ? "da" : invitation.language;

  add("BEGIN:VCALENDAR");
  add("PRODID:-//ipraktik//notification//" + std::string(language == "en" ? "EN" : "DA"));
  add("VERSION:2.0");
  add("CALSCALE:GREGORIAN");
  add(absl::StrCat("METHOD:", CalendarMethodName(invitation.method)));
  add("BEGIN:VEVENT");
  add("UID:" + invitation.uid);
  add(absl::StrCat("SEQUENCE:", invitation.sequence));
  add("DTSTAMP:" + absl::FormatTime("%Y%m%dT%H%M%SZ", invitation.stamp, absl::UTCTimeZone()));

  std::vector<Date> days = NormalizedDays(invitation.days);
  if (!days.empty()) {
    // The first run of consecutive days is the event; later days repeat it one day at a time.
    std::size_t run = 1;
    while (run < days.size() && days[run] == NextDay(days[run - 1])) ++run;
    if (run == days.size()) {
      add("DTSTART;VALUE=DATE:" + CalendarDate(days.front()));
      add("DTEND;VALUE=DATE:" + CalendarDate(NextDay(days.back())));
    } else {
      add("DTSTART;VALUE=DATE:" + CalendarDate(days.front()));
      add("DTEND;VALUE=DATE:" + CalendarDate(NextDay(days.front())));
      std::string dates;
      for (std::size_t i = 1; i < days.size(); ++i) {
        absl::StrAppend(&dates, i > 1 ? "," : "", CalendarDate(days[i]));
      }
      add("RDATE;VALUE=DATE:" + dates);
    }
  }
  add("SUMMARY;LANGUAGE=" + language + ":" + EscapeCalendarText(invitation.summary));
  if (!invitation.location.empty()) {
    add("LOCATION:" + EscapeCalendarText(invitation.location));
  }
  if (!invitation.description.empty()) {
    add("DESCRIPTION;LANGUAGE=" + language + ":" + EscapeCalendarText(invitation.description));
  }
  if (!invitation.organizer_email.empty()) {
    std::string organizer = "ORGANIZER";
    if (!invitation.organizer_name.empty()) {
      absl::StrAppend(&organizer, ";CN=", ParameterValue(invitation.organizer_name));
    }
    add(absl::StrCat(organizer, ":mailto:", invitation.organizer_email));
  }
  if (!invitation.attendee_email.empty()) {
    std::string attendee = "ATTENDEE";
    if (!invitation.attendee_name.empty()) {
      absl::StrAppend(&attendee, ";CN=", ParameterValue(invitation.attendee_name));
    }
    absl::StrAppend(&attendee, ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE");
    add(absl::StrCat(attendee, ":mailto:", invitation.attendee_email));
  }
  add(cancel ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
  add("TRANSP:OPAQUE");
  add("END:VEVENT");
  add("END:VCALENDAR");

  std::string out;
  for (const auto& line : lines) {
    absl::StrAppend(&out, FoldCalendarLine(line), "\r\n");
  }
  return out;
}

}  // namespace ipraktik::notification
