#pragma once

// The pages that say why a request did nothing: an unknown, used or expired link, a form that
// was not the service's own, a post too large or malformed, too many requests, a service behind
// that does not answer. Each has its HTTP status, its words in both languages (text/*.txt:
// problem_<name>_title and problem_<name>_text) and one template (problem.html); none shows an
// error's details.

#include <string_view>

#include "absl/status/status.h"
#include "domain/http.h"
#include "domain/views.h"
#include "ipraktik/model/language.h"

namespace ipraktik::participant_web {

enum class Problem {
  kUnknownLink,       // 404: no such link (never was, changed, erased, malformed)
  kNoSuchPage,        // 404: an address the service does not serve
  kExpired,           // 410: the link's time is over (a round's sign-up deadline)
  kClosed,            // 410: no more answers or decisions are taken (evaluation closed, round on)
  kWithdrawn,         // 410: the intern withdrew from the placement through this link
  kPlacementChanged,  // 410: a re-match took the placement away or sent a newer link
  kAlreadyDecided,    // 409: this link already made this decision
  kAlreadyAnswered,   // 409: this evaluation was answered
  kConflict,          // 409: another precondition failed
  kForbidden,         // 403: the form's CSRF token is missing, wrong or expired
  kMalformed,         // 400: a post the service's forms would not send
  kTooLarge,          // 413: a post over the size limit
  kMethod,            // 405: neither GET nor POST (or POST where there is no form)
  kRateLimited,       // 429: too many requests from this address
  kUnavailable,       // 503: a service behind did not answer
  kInternal,          // 500: anything else
};

int StatusOf(Problem problem);
// "unknown_link", ... : the wording's key part and the metrics' name.
std::string_view ProblemName(Problem problem);

// What a failed call to a service behind the pages means for the person: NOT_FOUND and a
// malformed token are an unknown link; FAILED_PRECONDITION by its type (LINK_EXPIRED,
// ALREADY_DECIDED, ALREADY_ANSWERED, EVALUATION_CLOSED, ROUND_NOT_OPEN, ALREADY_WITHDRAWN,
// PLACEMENT_CANCELLED and LINK_REPLACED, else conflict);
// UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are unavailable; anything else internal.
Problem ProblemOf(const absl::Status& status);

// The problem's page (its status, and Retry-After for 429 and 503).
Response ProblemPage(const Views& views, Problem problem, model::Language language);

}  // namespace ipraktik::participant_web
