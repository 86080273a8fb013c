#pragma once

// Secrets handed to people and programs: API keys, the personal links of evaluation invitations
// and manager approvals. One format for all, the way GitHub's and GitLab's tokens work:
//
//   <kind>_<30 random base62 characters><6 base62 characters of checksum>    e.g. "ipe_0aZ...Qx3"
//
// The kind prefix makes a leaked token recognisable to secret scanners and to a person; the
// random part carries 178 bits; the checksum (CRC-32 of the random part) catches a typo or a cut
// link before any lookup. The service stores only Digest(secret, token), a keyed HMAC-SHA-256, so
// a copy of the store does not give anyone a usable token.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ipraktik::tokens {

// A kind is 2-8 lower-case letters: "ipk" (API key), "ipe" (evaluation link), "ipa" (approval),
// "ipp" (placement link).
// A fresh token of that kind from OpenSSL's secure random source; INTERNAL when that source fails
// or kind is not one.
absl::StatusOr<std::string> NewToken(std::string_view kind);

// OK when token has the format and a matching checksum for kind; otherwise INVALID_ARGUMENT
// saying what is wrong (never echoing the token).
absl::Status CheckFormat(std::string_view token, std::string_view kind);

// The keyed digest a service stores instead of the token: 64 lower-case hex digits.
std::string Digest(std::string_view secret, std::string_view token);

// A token of kind derived from secret and context (HMAC-SHA-256 in counter mode, domain-separated
// from Digest): the same inputs always give the same token, and without the secret it is as
// unguessable as a new one (178 bits). For a link that must stay the same when its message is
// rendered again (a redelivered event, a resend) although only its digest is stored: the
// placement links of the notification service. context must name everything the token stands
// for (tenant, role, object, person). INTERNAL when kind is not one.
absl::StatusOr<std::string> DerivedToken(std::string_view secret, std::string_view kind,
                                         std::string_view context);

}  // namespace ipraktik::tokens
