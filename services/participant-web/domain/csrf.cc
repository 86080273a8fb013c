#include "domain/csrf.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::participant_web {
namespace {

bool SameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

}  // namespace

CsrfTokens::CsrfTokens(std::string_view secret, absl::Duration valid_for)
    : key_(tokens::Digest(secret, "ipraktik participant-web csrf v1")), valid_for_(valid_for) {}

std::string CsrfTokens::Signature(const FormTarget& target, std::string_view expiry) const {
  // Each part is length-prefixed, so no two targets sign the same text.
  std::string text;
  for (std::string_view part : {target.form, target.tenant, target.token, expiry}) {
    absl::StrAppend(&text, part.size(), ":", std::string(part), "\n");
  }
  return tokens::Digest(key_, text);
}

std::string CsrfTokens::Issue(const FormTarget& target, absl::Time now) const {
  const std::string expiry = absl::StrCat(absl::ToUnixSeconds(now + valid_for_));
  return absl::StrCat(expiry, ".", Signature(target, expiry));
}

bool CsrfTokens::Verify(std::string_view token, const FormTarget& target, absl::Time now) const {
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 20) return false;
  const std::string expiry(token.substr(0, dot));
  std::int64_t seconds = 0;
  if (!absl::SimpleAtoi(expiry, &seconds)) return false;
  if (absl::FromUnixSeconds(seconds) < now) return false;
  if (absl::FromUnixSeconds(seconds) > now + valid_for_ + absl::Minutes(5)) return false;
  return SameBytes(token.substr(dot + 1), Signature(target, expiry));
}

}  // namespace ipraktik::participant_web
