#include "domain/problem.h"

#include "absl/strings/str_cat.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::participant_web {

int StatusOf(Problem problem) {
  switch (problem) {
    case Problem::kUnknownLink:
    case Problem::kNoSuchPage:
      return 404;
    case Problem::kExpired:
    case Problem::kClosed:
    case Problem::kWithdrawn:
    case Problem::kPlacementChanged:
      return 410;
    case Problem::kAlreadyDecided:
    case Problem::kAlreadyAnswered:
    case Problem::kConflict:
      return 409;
    case Problem::kForbidden:
      return 403;
    case Problem::kMalformed:
      return 400;
    case Problem::kTooLarge:
      return 413;
    case Problem::kMethod:
      return 405;
    case Problem::kRateLimited:
      return 429;
    case Problem::kUnavailable:
      return 503;
    case Problem::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ProblemName(Problem problem) {
  switch (problem) {
    case Problem::kUnknownLink:
      return "unknown_link";
    case Problem::kNoSuchPage:
      return "no_such_page";
    case Problem::kExpired:
      return "expired";
    case Problem::kClosed:
      return "closed";
    case Problem::kWithdrawn:
      return "withdrawn";
    case Problem::kPlacementChanged:
      return "placement_changed";
    case Problem::kAlreadyDecided:
      return "already_decided";
    case Problem::kAlreadyAnswered:
      return "already_answered";
    case Problem::kConflict:
      return "conflict";
    case Problem::kForbidden:
      return "forbidden";
    case Problem::kMalformed:
      return "malformed";
    case Problem::kTooLarge:
      return "too_large";
    case Problem::kMethod:
      return "method";
    case Problem::kRateLimited:
      return "rate_limited";
    case Problem::kUnavailable:
      return "unavailable";
    case Problem::kInternal:
      return "internal";
  }
  return "internal";
}

Problem ProblemOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:  // a token the service does not take
      return Problem::kUnknownLink;
    case absl::StatusCode::kFailedPrecondition: {
      auto violations = errors::PreconditionViolationsOf(status);
      const std::string type = violations.empty() ? "" : violations.front().type;
      if (type == "LINK_EXPIRED") return Problem::kExpired;
      if (type == "ALREADY_DECIDED") return Problem::kAlreadyDecided;
      if (type == "ALREADY_ANSWERED") return Problem::kAlreadyAnswered;
      if (type == "EVALUATION_CLOSED" || type == "ROUND_NOT_OPEN") return Problem::kClosed;
      if (type == "ALREADY_WITHDRAWN") return Problem::kWithdrawn;
      if (type == "PLACEMENT_CANCELLED" || type == "LINK_REPLACED") {
        return Problem::kPlacementChanged;
      }
      return Problem::kConflict;
    }
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      return Problem::kUnavailable;
    default:
      return Problem::kInternal;
  }
}

Response ProblemPage(const Views& views, Problem problem, model::Language language) {
  const std::string name(ProblemName(problem));
  PageData data{PageData::type::object};
  data.set("title", views.Word(language, absl::StrCat("problem_", name, "_title")));
  data.set("text", views.Word(language, absl::StrCat("problem_", name, "_text")));
  Response response;
  response.status = StatusOf(problem);
  auto html = views.Render("problem", language, data);
  // A problem page that cannot be rendered still says what happened, in plain text.
  if (html.ok()) {
    response.body = *std::move(html);
  } else {
    response.content_type = "text/plain; charset=utf-8";
    response.body =
        absl::StrCat(StatusOf(problem), " ", std::string(ReasonPhrase(StatusOf(problem))), "\n");
  }
  if (problem == Problem::kRateLimited || problem == Problem::kUnavailable) {
    response.headers.emplace_back("Retry-After", problem == Problem::kRateLimited ? "10" : "30");
  }
  return response;
}

}  // namespace ipraktik::participant_web
