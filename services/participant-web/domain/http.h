#pragma once

// A request and a response as the pages see them: plain values, no HTTP server. The server
// (http_server.h) fills a Request from civetweb and writes the Response back; tests build them
// by hand.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipraktik::participant_web {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path, e.g. "/approval/holstebro/ipa_..."
  // Header values by lower-case name.
  std::map<std::string, std::string> headers;
  std::string body;

  // A header's value ("" when absent); name in lower case.
  std::string Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  // Extra headers besides the security headers every response carries (SecurityHeaders).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // May a cache keep it (the style sheet) or not (every page: no-store).
  bool cacheable = false;
};

// The headers every response carries: a strict Content-Security-Policy (nothing but the
// service's own style sheet; no script at all, forms only to the service itself, no framing),
// X-Frame-Options DENY, Referrer-Policy no-referrer (the token in the address never leaves in a
// Referer), X-Content-Type-Options nosniff, and Cache-Control no-store unless cacheable.
std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool cacheable);

// The reason phrase of a status ("Not Found"), "Unknown" for one not used here.
std::string_view ReasonPhrase(int status);

}  // namespace ipraktik::participant_web
