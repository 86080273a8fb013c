#pragma once

// Structured logs: one JSON object per line, with the service, level, tenant and correlation id,
// so that log shippers can index them and one request can be followed across services.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ipraktik::logging {

enum class Level { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<Level> ParseLevel(std::string_view text);
std::string_view LevelName(Level level);

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;

  // Lets callers write {"port", 5672} or {"queue", name} without naming the variant.
  template <typename T>
  Field(std::string_view field_key, const T& field_value)
      : key(field_key), value(ToValue(field_value)) {}

  std::string_view key;
  Value value;

 private:
  template <typename T>
  static Value ToValue(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v;
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<std::int64_t>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<double>(v);
    } else {
      return std::string_view(v);
    }
  }
};

// Copies are cheap and share one output; WithTenant/WithCorrelationId return a logger that adds
// those fields to every line. Thread-safe: lines from different threads never interleave.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;

  // Writes to standard error.
  explicit Logger(std::string service, Level min_level = Level::kInfo);
  // Writes each line (without the newline) to sink; for tests and embedding.
  Logger(std::string service, Level min_level, Sink sink);

  Logger WithTenant(std::string tenant) const;
  Logger WithCorrelationId(std::string correlation_id) const;

  bool Enabled(Level level) const;
  void Log(Level level, std::string_view message, std::initializer_list<Field> fields = {}) const;
  void Debug(std::string_view message, std::initializer_list<Field> fields = {}) const {
    Log(Level::kDebug, message, fields);
  }
  void Info(std::string_view message, std::initializer_list<Field> fields = {}) const {
    Log(Level::kInfo, message, fields);
  }
  void Warning(std::string_view message, std::initializer_list<Field> fields = {}) const {
    Log(Level::kWarning, message, fields);
  }
  void Error(std::string_view message, std::initializer_list<Field> fields = {}) const {
    Log(Level::kError, message, fields);
  }

 private:
  struct Output;
  std::shared_ptr<Output> output_;
  std::string tenant_;
  std::string correlation_id_;
};

// Appends text to out as a JSON string literal (with quotes), escaping as RFC 8259 requires.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace ipraktik::logging
