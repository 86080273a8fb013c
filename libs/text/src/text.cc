#include "ipraktik/text/text.h"

#include <array>
#include <cstdint>

namespace ipraktik::text {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The length of the UTF-8 sequence starting with lead, 0 when lead cannot start one.
int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Characters that reorder text as it is shown (U+202A..U+202E embeddings and overrides,
// U+2066..U+2069 isolates, the marks U+200E, U+200F, U+061C): a name holding them displays as
// something else than it is, in a list, a To header or a calendar file.
bool IsBidiControl(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

// Invisible characters no one-line text needs: zero-width space, non-joiner and joiner
// (U+200B..U+200D), word joiner (U+2060), the byte-order mark as zero-width no-break space
// (U+FEFF), and the line and paragraph separators (U+2028, U+2029) that break a line.
bool IsInvisibleInOneLine(char32_t c) {
  return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x2028 || c == 0x2029;
}

constexpr std::array<std::string_view, 5> kRegions = {"Hovedstaden", "Sjælland", "Syddanmark",
                                                      "Midtjylland", "Nordjylland"};

}  // namespace

std::string Trim(std::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::string FoldCase(std::string_view text) {
  std::string folded(text);
  for (std::size_t i = 0; i < folded.size(); ++i) {
    auto c = static_cast<unsigned char>(folded[i]);
    if (c >= 'A' && c <= 'Z') {
      folded[i] = static_cast<char>(c + ('a' - 'A'));
    } else if (c == 0xC3 && i + 1 < folded.size()) {
      // U+00C0..U+00DE (except U+00D7, the multiplication sign) are capitals whose small letter
      // is 0x20 further: in UTF-8 the second byte 0x80..0x9E becomes 0xA0..0xBE.
      auto next = static_cast<unsigned char>(folded[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97) {
        folded[i + 1] = static_cast<char>(next + 0x20);
      }
      ++i;
    }
  }
  return folded;
}

std::size_t CharacterCount(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    int length = SequenceLength(static_cast<unsigned char>(text[i]));
    i += length == 0 ? 1 : static_cast<std::size_t>(length);
    ++count;
  }
  return count;
}

bool IsCleanText(std::string_view text, bool multiline) {
  for (std::size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    int length = SequenceLength(lead);
    if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) return false;
    if (length == 1) {
      bool allowed_control = multiline && (lead == '\n' || lead == '\t' || lead == '\r');
      if ((lead < 0x20 || lead == 0x7F) && !allowed_control) return false;
    }
    char32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (IsBidiControl(code_point) || (code_point >= 0x80 && code_point <= 0x9F)) return false;
    if (!multiline && IsInvisibleInOneLine(code_point)) return false;
    i += static_cast<std::size_t>(length);
  }
  return true;
}

bool IsEmailAddress(std::string_view text) {
  if (text.empty() || text.size() > 254) return false;
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos)
    return false;
  std::string_view domain = text.substr(at + 1);
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size()) return false;
  if (domain.front() == '.' || domain.find("..") != std::string_view::npos) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == ',' || c == ';' || c == '<' ||
        c == '>')
      return false;
  }
  return true;
}

bool IsPhoneNumber(std::string_view text) {
  if (text.size() < 8 || text.size() > 20) return false;
  int digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (!(c == ' ' || (c == '+' && i == 0))) {
      return false;
    }
  }
  return digits >= 8;
}

std::optional<std::string> CanonicalRegion(std::string_view text) {
  std::string folded = FoldCase(Trim(text));
  constexpr std::string_view kPrefix = "region ";
  if (folded.starts_with(kPrefix)) folded = Trim(std::string_view(folded).substr(kPrefix.size()));
  for (std::string_view region : kRegions) {
    if (folded == FoldCase(region)) return std::string(region);
  }
  return std::nullopt;
}

std::string CsvField(std::string_view text) {
  std::string field = "\"";
  for (char c : text) {
    if (c == '"') field += '"';
    field += c;
  }
  field += '"';
  return field;
}

std::optional<std::size_t> FirstInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    char32_t minimum = 0;
    char32_t code_point = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, minimum = 0x80, code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, minimum = 0x800, code_point = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, minimum = 0x10000, code_point = lead & 0x07;
    } else {
      return i;
    }
    if (i + static_cast<std::size_t>(length) > text.size()) return i;
    for (int k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((next & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += static_cast<std::size_t>(length);
  }
  return std::nullopt;
}

std::string Counted(long long count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

}  // namespace ipraktik::text
