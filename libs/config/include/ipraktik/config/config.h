#pragma once

// Settings from environment variables (IPRAKTIK_*), each with a documented default.
//
// A program reads every setting through one Reader. A bad value does not stop the reading: the
// reader returns the default, remembers the problem, and Finish() reports every problem at once,
// each naming its variable. The same reading code documents the settings (settings() for
// --help), so the documentation cannot drift from what the program reads.
//
//   config::Reader reader(config::Environment::FromProcess());
//   auto address = reader.Address("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:7101", "Where gRPC listens");
//   auto grace = reader.Duration("IPRAKTIK_SHUTDOWN_GRACE", 5s, 0s, 60s, "Time for in-flight
//   calls"); if (auto status = reader.Finish(); !status.ok()) { ...report, exit 2... }
//
// An empty variable counts as unset. Durations are written like "500ms", "10s", "1m30s".

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace ipraktik::config {

// A snapshot of environment variables: the process's own, or any map (for tests).
class Environment {
 public:
  static Environment FromProcess();
  explicit Environment(std::map<std::string, std::string, std::less<>> variables)
      : variables_(std::move(variables)) {}

  // nullopt when unset or empty.
  std::optional<std::string> Get(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& variables() const { return variables_; }

 private:
  std::map<std::string, std::string, std::less<>> variables_;
};

// "host:port"; an IPv6 host is written in brackets ("[::1]:7101"). Port 0 asks for any free port.
struct HostPort {
  std::string host;
  int port = 0;
  std::string ToString() const;
};

// scheme://[user[:password]@]host[:port][/path]
struct Url {
  std::string text;  // as given; pass this on to client libraries
  std::string scheme;
  std::string user;
  std::string password;
  std::string host;
  int port = 0;  // 0 when the URL names none
  std::string path;
  // text with the password replaced by "***", for logs and --help.
  std::string Redacted() const;
};

// Parsers behind the typed reads, for values that do not come from the environment.
std::optional<HostPort> ParseHostPort(std::string_view text);
std::optional<Url> ParseUrl(std::string_view text);

// What one setting is and what it was set to, for --help and the start-up log.
struct SettingInfo {
  std::string name;
  std::string type;  // e.g. "duration 0s..1m", "host:port", "one of debug|info|warning|error"
  std::string default_value;
  std::string description;
  std::string value;  // the value in effect (secrets redacted)
  bool from_environment = false;
};

class Reader {
 public:
  explicit Reader(Environment environment) : environment_(std::move(environment)) {}

  std::string String(std::string_view name, std::string_view default_value,
                     std::string_view description);
  // A string whose value is never shown (passwords, API keys).
  std::string Secret(std::string_view name, std::string_view description);
  // One of the given words (compared exactly).
  std::string Choice(std::string_view name, std::string_view default_value,
                     std::initializer_list<std::string_view> choices, std::string_view description);
  std::int64_t Int(std::string_view name, std::int64_t default_value, std::int64_t min,
                   std::int64_t max, std::string_view description);
  std::chrono::milliseconds Duration(std::string_view name, std::chrono::milliseconds default_value,
                                     std::chrono::milliseconds min, std::chrono::milliseconds max,
                                     std::string_view description);
  // true/false, 1/0, yes/no, on/off (any case).
  bool Bool(std::string_view name, bool default_value, std::string_view description);
  HostPort Address(std::string_view name, std::string_view default_value,
                   std::string_view description);
  // A URL whose scheme is one of schemes and that names a host.
  config::Url Url(std::string_view name, std::string_view default_value,
                  std::initializer_list<std::string_view> schemes, std::string_view description);

  // Records a problem the caller found, e.g. two settings that contradict each other.
  void AddError(std::string_view name, std::string problem);

  // OK, or INVALID_ARGUMENT with one field violation (libs/errors) per problem: the field is the
  // variable's name, the description what is wrong with it.
  absl::Status Finish() const;

  // Every setting read so far, in reading order.
  const std::vector<SettingInfo>& settings() const { return settings_; }
  // IPRAKTIK_* variables that are set but were never read: probably misspelt.
  std::vector<std::string> UnreadVariables(std::string_view prefix = "IPRAKTIK_") const;

 private:
  // The raw value, recorded as read; nullopt when unset (the default applies).
  std::optional<std::string> Lookup(std::string_view name, std::string type,
                                    std::string default_value, std::string_view description);
  void Reject(std::string_view name, std::string_view value, std::string problem);
  void RecordValue(std::string value);

  Environment environment_;
  std::vector<SettingInfo> settings_;
  std::vector<std::pair<std::string, std::string>> problems_;
};

// The settings as a --help text: per setting its name, type, default and description.
std::string FormatHelp(const std::vector<SettingInfo>& settings);

}  // namespace ipraktik::config
