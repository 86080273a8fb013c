#include "ipraktik/logging/logger.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ipraktik::logging {

struct Logger::Output {
  std::string service;
  Level min_level;
  Sink sink;
  std::mutex mutex;
};

namespace {

void AppendTimestamp(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto seconds = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + length, sizeof buffer - length, ".%03dZ", static_cast<int>(millis));
  out += buffer;
}

void AppendValue(std::string& out, const Field::Value& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          AppendJsonString(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          char buffer[32];
          std::snprintf(buffer, sizeof buffer, "%.6g", v);
          out += buffer;
        } else {
          out += std::to_string(v);
        }
      },
      value);
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warning" || text == "warn") return Level::kWarning;
  if (text == "error") return Level::kError;
  return std::nullopt;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "unknown";
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

Logger::Logger(std::string service, Level min_level)
    : Logger(std::move(service), min_level, [](std::string_view line) {
        // One fwrite per line: stderr is unbuffered, so the line reaches the file whole.
        std::string with_newline(line);
        with_newline += '\n';
        std::fwrite(with_newline.data(), 1, with_newline.size(), stderr);
      }) {}

Logger::Logger(std::string service, Level min_level, Sink sink)
    : output_(std::make_shared<Output>()) {
  output_->service = std::move(service);
  output_->min_level = min_level;
  output_->sink = std::move(sink);
}

Logger Logger::WithTenant(std::string tenant) const {
  Logger copy = *this;
  copy.tenant_ = std::move(tenant);
  return copy;
}

Logger Logger::WithCorrelationId(std::string correlation_id) const {
  Logger copy = *this;
  copy.correlation_id_ = std::move(correlation_id);
  return copy;
}

bool Logger::Enabled(Level level) const { return level >= output_->min_level; }

void Logger::Log(Level level, std::string_view message, std::initializer_list<Field> fields) const {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(160);
  line += "{\"ts\":\"";
  AppendTimestamp(line);
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"service\":";
  AppendJsonString(line, output_->service);
  if (!tenant_.empty()) {
    line += ",\"tenant\":";
    AppendJsonString(line, tenant_);
  }
  if (!correlation_id_.empty()) {
    line += ",\"correlation_id\":";
    AppendJsonString(line, correlation_id_);
  }
  line += ",\"msg\":";
  AppendJsonString(line, message);
  for (const Field& field : fields) {
    line += ',';
    AppendJsonString(line, field.key);
    line += ':';
    AppendValue(line, field.value);
  }
  line += '}';
  std::lock_guard lock(output_->mutex);
  output_->sink(line);
}

}  // namespace ipraktik::logging
