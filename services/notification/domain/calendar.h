#pragma once

// iCalendar (RFC 5545) invitations and cancellations (iTIP, RFC 5546) for the days of an
// internship, as an all-day event. One event per placement: its UID derives from the placement
// id, so the intern's and the host's calendars hold the same invitation, a re-match updates it
// (same UID, higher SEQUENCE) and a lost place cancels it (METHOD:CANCEL, STATUS:CANCELLED).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/model.h"

namespace ipraktik::notification {

enum class CalendarMethod { kRequest, kCancel };

struct CalendarInvitation {
  CalendarMethod method = CalendarMethod::kRequest;
  std::string uid{};
  // Grows with every change of the event as this recipient saw it.
  std::int64_t sequence = 0;
  // When the invitation was issued (the event's time, so a message renders the same each time).
  absl::Time stamp = absl::UnixEpoch();
  // Sorted days; consecutive days become one multi-day event, other days extra dates (RDATE).
  // May be empty for a cancellation.
  std::vector<Date> days{};
  std::string summary{};
  std::string location{};
  std::string description{};
  std::string organizer_name{};
  std::string organizer_email{};
  std::string attendee_name{};
  std::string attendee_email{};
  // "da" or "en" (LANGUAGE parameter of SUMMARY and DESCRIPTION).
  std::string language = "da";
};

// The UID of a placement's calendar event: stable across re-matches and the same for the intern
// and the host.
std::string PlacementEventUid(std::string_view tenant, std::string_view placement_id);

const char* CalendarMethodName(CalendarMethod method);  // "REQUEST" / "CANCEL"

// The whole VCALENDAR text: CRLF line ends, lines folded at 75 octets (never inside a UTF-8
// character), TEXT values escaped.
std::string RenderCalendar(const CalendarInvitation& invitation);

// RFC 5545 TEXT escaping: backslash, semicolon, comma and line breaks.
std::string EscapeCalendarText(std::string_view text);
// Folds one content line (without its CRLF) into CRLF + space continued lines of at most 75
// octets.
std::string FoldCalendarLine(std::string_view line);

}  // namespace ipraktik::notification
