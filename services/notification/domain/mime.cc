#include "domain/mime.h"

#include <algorithm>
#include <cctype>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/strings.h"

namespace ipraktik::notification {
namespace {

constexpr std::size_t kMaxHeaderLine = 78;
constexpr std::size_t kEncodedWordOverhead = 12;  // "=?UTF-8?B?" and "?="

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  return true;
}

std::size_t Utf8Length(std::string_view text, std::size_t at) {
  auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = lead < 0x80           ? 1
                       : (lead >> 5) == 0x6  ? 2
                       : (lead >> 4) == 0xE  ? 3
                       : (lead >> 3) == 0x1E ? 4
                                             : 1;
  return std::min(length, text.size() - at);
}

// Encoded-words of at most max_bytes raw bytes each (whole characters only).
std::vector<std::string> EncodedWords(std::string_view text, std::size_t first_max_bytes,
                                      std::size_t max_bytes) {
  std::vector<std::string> words;
  std::size_t limit = first_max_bytes;
  std::size_t start = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t length = Utf8Length(text, at);
    if (at + length - start > limit && at > start) {
      words.push_back(absl::StrCat(
          "=?UTF-8?B?", absl::Base64Escape(ToAbsl(text.substr(start, at - start))), "?="));
      start = at;
      limit = max_bytes;
    }
    at += length;
  }
  if (at > start || words.empty()) {
    words.push_back(absl::StrCat("=?UTF-8?B?",
                                 absl::Base64Escape(ToAbsl(text.substr(start, at - start))), "?="));
  }
  return words;
}

// Raw bytes whose base64 fits in `columns` characters together with the encoded-word overhead.
std::size_t BytesFitting(std::size_t columns) {
  if (columns <= kEncodedWordOverhead + 4) return 3;
  return (columns - kEncodedWordOverhead) / 4 * 3;
}

// Folds printable ASCII text at spaces so that lines stay within 78 characters where possible.
std::string FoldAscii(std::string_view text, std::size_t used) {
  std::string out;
  std::size_t column = used;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t space = text.find(' ', at + 1);
    std::string_view word =
        text.substr(at, space == std::string_view::npos ? text.size() - at : space - at);
    if (column + word.size() > kMaxHeaderLine && column > 1 && !out.empty() && word[0] == ' ') {
      out += "\r\n";
      column = 0;
    }
    out.append(word);
    column += word.size();
    at += word.size();
  }
  return out;
}

bool IsAtext(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) != std::string_view::npos;
}

std::string Boundary(std::string_view kind, std::string_view message_id) {
  std::string tag;
  for (char c : message_id) {
    if (std::isalnum(static_cast<unsigned char>(c))) tag.push_back(c);
    if (tag.size() == 24) break;
  }
  // "=_" cannot occur in base64 or quoted-printable text, so the boundary never appears inside.
  return absl::StrCat("=_ipraktik_", ToAbsl(kind), "_", tag);
}

// Printable ASCII without spaces, angle brackets or quotes: an addr-spec or a msg-id as a header
// carries it.
bool IsHeaderToken(std::string_view text) {
  return !text.empty() && IsPrintableAscii(text) &&
         text.find_first_of(" <>\"") == std::string_view::npos;
}

// A quoted MIME parameter value (a file name): printable ASCII without quotes or backslashes.
bool IsQuotableParameter(std::string_view text) {
  return IsPrintableAscii(text) && text.find_first_of("\"\\") == std::string_view::npos;
}

// Printable ASCII lines joined by folds ("\r\n " or "\r\n\t"), none of them empty.
bool IsFoldedHeaderValue(std::string_view value) {
  std::size_t start = 0;
  while (true) {
    std::size_t end = value.find("\r\n", start);
    std::string_view line =
        value.substr(start, end == std::string_view::npos ? value.npos : end - start);
    if (!IsPrintableAscii(line)) return false;
    if (end == std::string_view::npos) return true;
    start = end + 2;
    if (start >= value.size() || (value[start] != ' ' && value[start] != '\t')) return false;
  }
}

}  // namespace

std::string EncodeHeaderText(std::string_view text, std::size_t name_length) {
  const std::size_t used = name_length + 2;  // "Name: "
  if (IsPrintableAscii(text)) return FoldAscii(text, used);
  std::vector<std::string> words =
      EncodedWords(text, BytesFitting(kMaxHeaderLine - std::min(used, kMaxHeaderLine - 20)),
                   BytesFitting(kMaxHeaderLine - 1));
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += "\r\n ";
    out += words[i];
  }
  return out;
}

std::string FormatMailAddress(const MailAddress& address, std::size_t name_length) {
  const std::string angle = absl::StrCat("<", address.address, ">");
  if (address.name.empty()) return angle;
  std::string display;
  if (!IsPrintableAscii(address.name)) {
    display = EncodeHeaderText(address.name, name_length);
  } else if (std::all_of(address.name.begin(), address.name.end(), IsAtext)) {
    display = address.name;
  } else {
    display = "\"";
    for (char c : address.name) {
      if (c == '"' || c == '\\') display.push_back('\\');
      display.push_back(c);
    }
    display += "\"";
  }
  // The address goes on a line of its own when the name filled the line.
  std::size_t last_line =
      display.size() - (display.rfind('\n') == std::string::npos ? 0 : display.rfind('\n') + 1);
  std::size_t column =
      display.find('\n') == std::string::npos ? name_length + 2 + last_line : last_line;
  const char* separator = column + 1 + angle.size() > kMaxHeaderLine ? "\r\n " : " ";
  return absl::StrCat(display, separator, angle);
}

std::string EncodeBase64Lines(std::string_view data) {
  std::string encoded = absl::Base64Escape(ToAbsl(data));
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (std::size_t at = 0; at < encoded.size(); at += 76) {
    out.append(encoded, at, 76);
    out += "\r\n";
  }
  return out;
}

namespace {

// Bytes that quoted-printable lets stand for themselves (RFC 2045 6.7, rules 2 and 3).
bool StandsForItself(char c) { return (c >= '!' && c <= '~' && c != '=') || c == ' ' || c == '\t'; }

}  // namespace

std::string EncodeQuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Runs of bytes that stand for themselves are copied whole, and line ends are read as they
  // come: encoding byte by byte from a normalized copy was a third of an e-mail's rendering
  // (docs/benchmarks.md).
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 16);
  std::size_t column = 0;
  const auto escape = [&](unsigned char byte) {
    // Soft line break: "=" at column 76 at most, keeping room for it.
    if (column + 3 > 75) {
      out.append("=\r\n", 3);
      column = 0;
    }
    const char escaped[] = {'=', kHex[byte >> 4], kHex[byte & 0xF]};
    out.append(escaped, sizeof escaped);
    column += 3;
  };
  const auto ends_line = [&](std::size_t at) {
    return at == text.size() || text[at] == '\r' || text[at] == '\n';
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char byte = text[i];
    if (byte == '\r' || byte == '\n') {  // CRLF, CR or LF: one line end, always CRLF
      i += byte == '\r' && i + 1 < text.size() && text[i + 1] == '\n' ? 2 : 1;
      out.append("\r\n", 2);
      column = 0;
      continue;
    }
    // No line may start with a dot (SMTP), after a soft break neither.
    if (!StandsForItself(byte) || (column == 0 && byte == '.')) {
      escape(static_cast<unsigned char>(byte));
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && StandsForItself(text[end])) ++end;
    // A space or tab that ends a line is escaped (transports may strip it).
    std::size_t literal_end = end;
    if (ends_line(end) && (text[end - 1] == ' ' || text[end - 1] == '\t')) --literal_end;
    while (i < literal_end) {
      if (column >= 75) {
        out.append("=\r\n", 3);
        column = 0;
        if (text[i] == '.') {
          escape('.');
          ++i;
          continue;
        }
      }
      const std::size_t take = std::min(literal_end - i, 75 - column);
      out.append(text.data() + i, take);
      column += take;
      i += take;
    }
    if (literal_end < end) {
      escape(static_cast<unsigned char>(text[literal_end]));
      i = end;
    }
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out.append("\r\n", 2);
  return out;
}

bool LooksLikeMailAddress(std::string_view address) {
  std::size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || address.find('@', at + 1) != address.npos) {
    return false;
  }
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.size() > 64 || domain.empty() || domain.size() > 253) return false;
  for (char c : local) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F || std::string_view("<>()[]\\,;:\"").find(c) != address.npos) {
      return false;
    }
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != local.npos) return false;
  std::size_t label_start = 0;
  while (label_start <= domain.size()) {
    std::size_t dot = domain.find('.', label_start);
    std::string_view label =
        domain.substr(label_start, dot == std::string_view::npos ? domain.size() - label_start
                                                                 : dot - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    label_start = dot + 1;
  }
  return true;
}

std::string MailDomain(std::string_view address) {
  std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

absl::StatusOr<std::string> BuildMimeMessage(const MailMessage& message,
                                             const absl::TimeZone& time_zone) {
  for (const auto& [field, address] :
       {std::pair{"From", &message.from}, std::pair{"To", &message.to}}) {
    if (!IsHeaderToken(address->address)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the ", field, " address is not one a header can carry (control characters?)"));
    }
  }
  if (!message.reply_to.address.empty() && !IsHeaderToken(message.reply_to.address)) {
    return absl::InvalidArgumentError("the Reply-To address is not one a header can carry");
  }
  if (!IsHeaderToken(message.message_id)) {
    return absl::InvalidArgumentError("the Message-ID is not one a header can carry");
  }
  for (const auto& attachment : message.attachments) {
    if (!IsQuotableParameter(attachment.file_name) || !IsPrintableAscii(attachment.content_type)) {
      return absl::InvalidArgumentError(
          "an attachment's name or type is not one a header can carry");
    }
  }
  const std::string mixed = Boundary("mixed", message.message_id);
  const std::string alternative = Boundary("alt", message.message_id);
  std::string out;
  out.reserve(message.text_body.size() + message.html_body.size() * 11 / 10 + 2048);
  // Every header is written here, and whatever its source, its value is already encoded: printable
  // ASCII, with line breaks only as folds (CRLF and a space). Anything else is refused, so no
  // value can end a header early and start another.
  absl::Status refused;
  auto header = [&out, &refused](std::string_view name, std::string_view value) {
    if (!IsFoldedHeaderValue(value) || !IsPrintableAscii(name) ||
        name.find(':') != std::string_view::npos) {
      refused = absl::InvalidArgumentError(
          absl::StrCat("the ", ToAbsl(IsPrintableAscii(name) ? name : std::string_view("unnamed")),
                       " header value is not encoded"));
      return;
    }
    absl::StrAppend(&out, ToAbsl(name), ": ", ToAbsl(value), "\r\n");
  };
  header("Date", absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", message.date, time_zone));
  header("From", FormatMailAddress(message.from, 4));
  if (!message.reply_to.address.empty()) {
    header("Reply-To", FormatMailAddress(message.reply_to, 8));
  }
  header("To", FormatMailAddress(message.to, 2));
  header("Subject", EncodeHeaderText(message.subject, 7));
  header("Message-ID", absl::StrCat("<", message.message_id, ">"));
  header("MIME-Version", "1.0");
  // RFC 3834: machine-sent, so auto-responders do not answer it.
  header("Auto-Submitted", "auto-generated");
  for (const auto& [name, value] : message.extra_headers) header(name, value);

  const bool has_attachments = !message.attachments.empty();
  if (has_attachments) {
    header("Content-Type", absl::StrCat("multipart/mixed;\r\n boundary=\"", mixed, "\""));
    absl::StrAppend(&out, "\r\nThis is a multi-part message in MIME format.\r\n\r\n--", mixed,
                    "\r\n");
  }
  absl::StrAppend(&out, "Content-Type: multipart/alternative;\r\n boundary=\"", alternative,
                  "\"\r\n\r\n");
  absl::StrAppend(&out, "--", alternative, "\r\n",
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  EncodeQuotedPrintable(message.text_body));
  absl::StrAppend(&out, "--", alternative, "\r\n",
                  "Content-Type: text/html; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  EncodeQuotedPrintable(message.html_body));
  absl::StrAppend(&out, "--", alternative, "--\r\n");
  if (has_attachments) {
    for (const auto& attachment : message.attachments) {
      // Parameters on continuation lines keep header lines within 78 characters.
      absl::StrAppend(&out, "\r\n--", mixed, "\r\n", "Content-Type: ", attachment.content_type,
                      ";\r\n name=\"", attachment.file_name, "\"\r\n",
                      "Content-Transfer-Encoding: base64\r\n",
                      "Content-Disposition: attachment;\r\n filename=\"", attachment.file_name,
                      "\"\r\n\r\n", EncodeBase64Lines(attachment.content));
    }
    absl::StrAppend(&out, "\r\n--", mixed, "--\r\n");
  }
  if (!refused.ok()) return refused;
  return out;
}

}  // namespace ipraktik::notification
