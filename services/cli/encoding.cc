#include "encoding.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/text/text.h"

namespace ipraktik::cli {
namespace {

// Windows-1252's 0x80..0x9F (the rest of its upper half is ISO-8859-1, i.e. the code point
// itself). The five bytes it leaves undefined keep their ISO-8859-1 meaning.
constexpr std::array<char32_t, 32> kHighControls = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

char32_t FromWindows1252(unsigned char byte) {
  return byte >= 0x80 && byte <= 0x9F ? kHighControls[byte - 0x80] : byte;
}

std::string Windows1252ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char c : bytes) AppendUtf8(out, FromWindows1252(static_cast<unsigned char>(c)));
  return out;
}

bool LooksLikeUtf16(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) return true;
  std::string_view start = bytes.substr(0, 200);
  return std::count(start.begin(), start.end(), '\0') > static_cast<long>(start.size() / 4);
}

}  // namespace

std::optional<SourceEncoding> ParseEncoding(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "utf-8" || lower == "utf8") return SourceEncoding::kUtf8;
  if (lower == "windows-1252" || lower == "cp1252" || lower == "iso-8859-1" || lower == "latin1" ||
      lower == "latin-1") {
    return SourceEncoding::kWindows1252;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ToUtf8(std::string bytes, SourceEncoding encoding,
                                   std::string_view name) {
  if (encoding == SourceEncoding::kWindows1252) return Windows1252ToUtf8(bytes);
  auto bad = text::FirstInvalidUtf8(bytes);
  if (!bad) return bytes;
  if (LooksLikeUtf16(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(name),
                     " is in UTF-16, not UTF-8: save it as \"CSV UTF-8\" (or convert it with "
                     "iconv -f UTF-16 -t UTF-8) and import it again; nothing was imported"));
  }
  const auto line = 1 + std::count(bytes.begin(), bytes.begin() + static_cast<long>(*bad), '\n');
  const auto byte = static_cast<unsigned char>(bytes[*bad]);
  std::string as_1252;
  AppendUtf8(as_1252, FromWindows1252(byte));
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  return absl::InvalidArgumentError(absl::StrCat(
      std::string(name), " is not UTF-8: line ", line, " has the byte ", hex, " (\"", as_1252,
      "\" in ISO-8859-1/Windows-1252, the encoding a spreadsheet on Windows saves \"CSV\" in). "
      "Import it with --encoding windows-1252, or save it as \"CSV UTF-8\"; nothing was "
      "imported"));
}

}  // namespace ipraktik::cli
