#pragma once

// Text rules every service's domain shares: trimming, case folding that knows the Danish
// letters, lengths in characters (not bytes), clean UTF-8, e-mail and phone shapes, and the five
// regions. Pure: the standard library only.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ipraktik::text {

// Without leading and trailing ASCII white space.
std::string Trim(std::string_view text);

// Lower case for ASCII and for the Latin-1 letters of UTF-8 (Æ Ø Å É ...), so that "ÆRØ" and
// "ærø" compare equal. Other characters are kept as they are.
std::string FoldCase(std::string_view text);

// Characters (UTF-8 code points) in text; invalid bytes count one each.
std::size_t CharacterCount(std::string_view text);

// Whether text is valid UTF-8 without control characters (tabs and newlines allowed when
// multiline), C1 controls or bidirectional controls (overrides, embeddings, isolates, marks);
// one-line text (names, titles, addresses) also without zero-width characters (U+200B..U+200D,
// U+2060, U+FEFF) and line or paragraph separators (U+2028, U+2029).
bool IsCleanText(std::string_view text, bool multiline = false);

// A plausible address: one '@', a non-empty local part, a dotted domain, no spaces, at most 254
// characters. (Whether it exists is for the mail server to say.)
bool IsEmailAddress(std::string_view text);

// Digits and spaces, optionally a leading '+', 8 to 20 characters in all.
bool IsPhoneNumber(std::string_view text);

// The canonical name of a Danish region ("Hovedstaden", "Sjælland", "Syddanmark",
// "Midtjylland", "Nordjylland") for any spelling of it that differs in case or by a leading
// "Region " (e.g. "region hovedstaden"); nullopt otherwise.
std::optional<std::string> CanonicalRegion(std::string_view text);

// Where text stops being well-formed UTF-8 (as protobuf checks string fields: no overlong forms,
// surrogates or code points past U+10FFFF): the offset of the first bad byte; nullopt when
// there is none.
std::optional<std::size_t> FirstInvalidUtf8(std::string_view text);

// A count with its noun in the right number, for English messages: "1 place", "3 places".
std::string Counted(long long count, std::string_view one, std::string_view many);

// text as one quoted CSV field (RFC 4180): in double quotes, each quote doubled, so commas and
// line breaks inside stay part of the field.
std::string CsvField(std::string_view text);

}  // namespace ipraktik::text
