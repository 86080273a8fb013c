#pragma once

// Cross-site request forgery protection for the pages' forms: every form carries a signed token
// bound to what it posts to (the form's name, the tenant and the personal link's token) and to
// an expiry. A post whose token is missing, altered, made for another page or link, or expired
// is refused (403) before anything else happens. Nothing is stored: the signature is an
// HMAC-SHA-256 under a key derived from the service's secret, so every replica checks the tokens
// any replica issued.
//
//   CsrfTokens csrf(secret);
//   std::string token = csrf.Issue({"approval", tenant, link_token}, now);   // into the form
//   if (!csrf.Verify(form.Value("csrf"), {"approval", tenant, link_token}, now)) ...403...

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace ipraktik::participant_web {

// What a form posts to.
struct FormTarget {
  std::string_view form;    // "approval", "evaluation"
  std::string_view tenant;  // from the link
  std::string_view token;   // the personal link's token
};

class CsrfTokens {
 public:
  // secret: the service's token secret (IPRAKTIK_TOKEN_SECRET); the signing key is derived
  // from it for this one purpose. valid_for: how long a form may stay open before posting.
  explicit CsrfTokens(std::string_view secret, absl::Duration valid_for = absl::Hours(12));

  // "<expiry in unix seconds>.<64 hex digits>"
  std::string Issue(const FormTarget& target, absl::Time now) const;
  bool Verify(std::string_view token, const FormTarget& target, absl::Time now) const;

 private:
  std::string Signature(const FormTarget& target, std::string_view expiry) const;

  std::string key_;
  absl::Duration valid_for_;
};

}  // namespace ipraktik::participant_web
