#pragma once

// Internet messages (RFC 5322) with MIME (RFC 2045-2049): a multipart/mixed message whose first
// part is multipart/alternative (plain text and HTML) followed by attachments (the .ics
// invitations), UTF-8 throughout, with header text RFC 2047-encoded where it is not plain ASCII.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ipraktik::notification {

struct MailAddress {
  std::string name{};     // display name, any UTF-8 (may be empty)
  std::string address{};  // addr-spec, ASCII
};

struct MailAttachment {
  std::string file_name{};
  // The full content type with parameters, e.g. "text/calendar; charset=UTF-8; method=REQUEST".
  std::string content_type{};
  std::string content{};
};

struct MailMessage {
  MailAddress from{};
  MailAddress to{};
  // Omitted when its address is empty.
  MailAddress reply_to{};
  std::string subject{};
  absl::Time date = absl::UnixEpoch();
  // Without angle brackets, e.g. "3f2a...@ipraktik.example".
  std::string message_id{};
  std::string text_body{};
  std::string html_body{};
  std::vector<MailAttachment> attachments{};
  // Extra header fields (ASCII values), e.g. {"X-Ipraktik-Message", id}.
  std::vector<std::pair<std::string, std::string>> extra_headers{};
};

// The whole message with CRLF line ends, ready for SMTP DATA (lines of at most 78 characters in
// the headers and 76 in encoded bodies). The date is written in Danish local time when
// time_zone is given, in UTC otherwise. MIME boundaries derive from the message id, so the same
// message renders to the same bytes. Display names and the subject are encoded (RFC 2047) as
// needed; what cannot be encoded is refused with INVALID_ARGUMENT, never written as it is: an
// address, the message id, an attachment's name or type or an extra header that is not printable
// ASCII (e.g. a recipient with CR/LF), and any header value that is not printable ASCII with
// folds only.
absl::StatusOr<std::string> BuildMimeMessage(const MailMessage& message,
                                             const absl::TimeZone& time_zone);

// An unstructured header value (Subject): as is when it is printable ASCII, otherwise RFC 2047
// encoded-words (UTF-8, B encoding, never splitting a character), folded so that no header line
// exceeds 78 characters given that the field name takes name_length characters.
std::string EncodeHeaderText(std::string_view text, std::size_t name_length);
// "Name <address>" for From/To/Reply-To, with the display name quoted or RFC 2047-encoded as
// needed.
std::string FormatMailAddress(const MailAddress& address, std::size_t name_length);

std::string EncodeBase64Lines(std::string_view data);      // 76-character lines, CRLF
std::string EncodeQuotedPrintable(std::string_view text);  // text with any line ends; CRLF out

// Whether address looks deliverable: one '@', a non-empty local part of printable ASCII without
// spaces, angle brackets or quotes, and a domain of dot-separated labels (letters, digits, '-').
bool LooksLikeMailAddress(std::string_view address);

// The domain of an address ("" when it has none).
std::string MailDomain(std::string_view address);

}  // namespace ipraktik::notification
