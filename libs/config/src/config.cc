#include "ipraktik/config/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "absl/time/time.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::config {
namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> ParsePort(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
  auto port = ParseInt(text);
  if (!port || *port > 65535) return std::nullopt;
  return static_cast<int>(*port);
}

bool ValidHostName(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']' &&
           host.find_first_not_of("0123456789abcdefABCDEF:.", 1) == host.size() - 1;
  }
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

// host[:port] after the scheme and user info of a URL, or the whole of a host:port setting.
// The port is optional here; nullopt when the text is not a host with an optional port.
std::optional<HostPort> SplitHostPort(std::string_view text, bool port_required) {
  std::size_t colon = text.rfind(':');
  // A colon inside IPv6 brackets is not the port separator.
  if (colon != std::string_view::npos && text.find(']') != std::string_view::npos &&
      colon < text.find(']')) {
    colon = std::string_view::npos;
  }
  HostPort result;
  if (colon == std::string_view::npos) {
    if (port_required) return std::nullopt;
    result.host = std::string(text);
  } else {
    auto port = ParsePort(text.substr(colon + 1));
    if (!port) return std::nullopt;
    result.host = std::string(text.substr(0, colon));
    result.port = *port;
  }
  if (!ValidHostName(result.host)) return std::nullopt;
  return result;
}

// The URL with the password between "user:" and "@" replaced by "***".
std::string RedactPassword(std::string_view text) {
  std::size_t start = text.find("://");
  if (start == std::string_view::npos) return std::string(text);
  start += 3;
  std::size_t at = text.find('@', start);
  if (at == std::string_view::npos) return std::string(text);
  std::size_t colon = text.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(text);
  return std::string(text.substr(0, colon + 1)) + "***" + std::string(text.substr(at));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  return absl::FormatDuration(absl::FromChrono(duration));
}

std::string JoinChoices(std::initializer_list<std::string_view> choices,
                        std::string_view separator) {
  std::string joined;
  for (auto choice : choices) {
    if (!joined.empty()) joined += separator;
    joined += choice;
  }
  return joined;
}

}  // namespace

Environment Environment::FromProcess() {
  std::map<std::string, std::string, std::less<>> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    variables.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return Environment(std::move(variables));
}

std::optional<std::string> Environment::Get(std::string_view name) const {
  auto found = variables_.find(name);
  if (found == variables_.end() || found->second.empty()) return std::nullopt;
  return found->second;
}

std::string HostPort::ToString() const { return host + ":" + std::to_string(port); }

std::string Url::Redacted() const { return RedactPassword(text); }

std::optional<HostPort> ParseHostPort(std::string_view text) {
  return SplitHostPort(text, /*port_required=*/true);
}

std::optional<Url> ParseUrl(std::string_view text) {
  Url url;
  url.text = std::string(text);
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  url.scheme = Lower(text.substr(0, scheme_end));
  if (!std::all_of(url.scheme.begin(), url.scheme.end(),
                   [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-'; })) {
    return std::nullopt;
  }
  auto rest = text.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos) url.path = std::string(rest.substr(authority_end));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto user_info = authority.substr(0, at);
    auto colon = user_info.find(':');
    url.user = std::string(user_info.substr(0, colon));
    if (colon != std::string_view::npos) url.password = std::string(user_info.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  auto host_port = SplitHostPort(authority, /*port_required=*/false);
  if (!host_port || (authority.back() == ':')) return std::nullopt;
  url.host = host_port->host;
  url.port = host_port->port;
  return url;
}

std::optional<std::string> Reader::Lookup(std::string_view name, std::string type,
                                          std::string default_value, std::string_view description) {
  auto known = std::find_if(settings_.begin(), settings_.end(),
                            [&](const SettingInfo& setting) { return setting.name == name; });
  if (known == settings_.end()) {
    settings_.push_back({std::string(name), std::move(type), default_value,
                         std::string(description), default_value, false});
  } else {
    // Read twice (by two components): keep one entry, last in reading order.
    std::rotate(known, known + 1, settings_.end());
  }
  auto raw = environment_.Get(name);
  if (raw) {
    settings_.back().value = *raw;
    settings_.back().from_environment = true;
  }
  return raw;
}

void Reader::RecordValue(std::string value) { settings_.back().value = std::move(value); }

void Reader::Reject(std::string_view name, std::string_view value, std::string problem) {
  AddError(name, "'" + std::string(value) + "' " + problem);
}

void Reader::AddError(std::string_view name, std::string problem) {
  problems_.emplace_back(std::string(name), std::move(problem));
}

std::string Reader::String(std::string_view name, std::string_view default_value,
                           std::string_view description) {
  return Lookup(name, "string", std::string(default_value), description)
      .value_or(std::string(default_value));
}

std::string Reader::Secret(std::string_view name, std::string_view description) {
  auto raw = Lookup(name, "secret", "", description);
  if (raw) RecordValue("***");
  return raw.value_or("");
}

std::string Reader::Choice(std::string_view name, std::string_view default_value,
                           std::initializer_list<std::string_view> choices,
                           std::string_view description) {
  auto raw =
      Lookup(name, "one of " + JoinChoices(choices, "|"), std::string(default_value), description);
  if (!raw) return std::string(default_value);
  if (std::find(choices.begin(), choices.end(), *raw) == choices.end()) {
    Reject(name, *raw, "is not one of " + JoinChoices(choices, ", "));
    return std::string(default_value);
  }
  return *raw;
}

std::int64_t Reader::Int(std::string_view name, std::int64_t default_value, std::int64_t min,
                         std::int64_t max, std::string_view description) {
  auto range = std::to_string(min) + ".." + std::to_string(max);
  auto raw = Lookup(name, "integer " + range, std::to_string(default_value), description);
  if (!raw) return default_value;
  auto value = ParseInt(*raw);
  if (!value) {
    Reject(name, *raw, "is not a whole number");
    return default_value;
  }
  if (*value < min || *value > max) {
    Reject(name, *raw, "is out of range: must be " + range);
    return default_value;
  }
  return *value;
}

std::chrono::milliseconds Reader::Duration(std::string_view name,
                                           std::chrono::milliseconds default_value,
                                           std::chrono::milliseconds min,
                                           std::chrono::milliseconds max,
                                           std::string_view description) {
  auto range = FormatDuration(min) + ".." + FormatDuration(max);
  auto raw = Lookup(name, "duration " + range, FormatDuration(default_value), description);
  if (!raw) return default_value;
  absl::Duration parsed;
  if (auto number = ParseInt(*raw); number && *number != 0) {
    Reject(name, *raw, "has no unit (write it like 500ms, 10s, 2m or 1h30m)");
    return default_value;
  }
  if (!absl::ParseDuration(*raw, &parsed) || parsed == absl::InfiniteDuration() ||
      parsed == -absl::InfiniteDuration()) {
    Reject(name, *raw, "is not a duration (write it like 500ms, 10s, 2m or 1h30m)");
    return default_value;
  }
  auto value = absl::ToChronoMilliseconds(parsed);
  if (value < min || value > max) {
    Reject(name, *raw, "is out of range: must be " + range);
    return default_value;
  }
  return value;
}

bool Reader::Bool(std::string_view name, bool default_value, std::string_view description) {
  auto raw = Lookup(name, "boolean", default_value ? "true" : "false", description);
  if (!raw) return default_value;
  auto lower = Lower(*raw);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  Reject(name, *raw, "is not a boolean (true/false, 1/0, yes/no, on/off)");
  return default_value;
}

HostPort Reader::Address(std::string_view name, std::string_view default_value,
                         std::string_view description) {
  auto fallback = ParseHostPort(default_value).value_or(HostPort{});
  auto raw = Lookup(name, "host:port", std::string(default_value), description);
  if (!raw) return fallback;
  auto value = ParseHostPort(*raw);
  if (!value) {
    Reject(name, *raw, "is not host:port (e.g. 127.0.0.1:7101 or [::1]:7101)");
    return fallback;
  }
  return *value;
}

Url Reader::Url(std::string_view name, std::string_view default_value,
                std::initializer_list<std::string_view> schemes, std::string_view description) {
  auto fallback = ParseUrl(default_value).value_or(config::Url{});
  auto raw =
      Lookup(name, JoinChoices(schemes, "|") + " URL", RedactPassword(default_value), description);
  if (!raw) return fallback;
  RecordValue(RedactPassword(*raw));
  auto value = ParseUrl(*raw);
  if (!value) {
    Reject(name, RedactPassword(*raw),
           "is not a URL (scheme://[user:password@]host[:port][/path])");
    return fallback;
  }
  if (std::find(schemes.begin(), schemes.end(), value->scheme) == schemes.end()) {
    Reject(name, RedactPassword(*raw),
           "has scheme '" + value->scheme + "'; expected " + JoinChoices(schemes, " or "));
    return fallback;
  }
  return *value;
}

absl::Status Reader::Finish() const {
  std::vector<errors::FieldViolation> violations;
  for (const auto& [name, problem] : problems_) violations.push_back({name, problem});
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(std::move(violations), "invalid settings");
}

std::vector<std::string> Reader::UnreadVariables(std::string_view prefix) const {
  std::vector<std::string> unread;
  for (const auto& [name, value] : environment_.variables()) {
    if (!name.starts_with(prefix)) continue;
    bool read = std::any_of(settings_.begin(), settings_.end(),
                            [&](const SettingInfo& setting) { return setting.name == name; });
    if (!read) unread.push_back(name);
  }
  return unread;
}

std::string FormatHelp(const std::vector<SettingInfo>& settings) {
  std::string text;
  for (const auto& setting : settings) {
    text += "  " + setting.name + "  (" + setting.type + ")";
    text += setting.default_value.empty() ? "  no default" : "  default " + setting.default_value;
    text += "\n      " + setting.description + "\n";
  }
  return text;
}

}  // namespace ipraktik::config
