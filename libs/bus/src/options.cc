#include "ipraktik/bus/options.h"

#include <algorithm>
#include <cmath>

#include "text.h"

namespace ipraktik::bus {
namespace {

using internal::Cat;

Duration Scaled(Duration base, double multiplier, int steps, Duration cap) {
  double millis = static_cast<double>(base.count()) * std::pow(multiplier, steps);
  double capped = std::min(millis, static_cast<double>(cap.count()));
  return Duration(static_cast<Duration::rep>(capped));
}

}  // namespace

Duration Backoff::Delay(int failures, std::mt19937_64& random) const {
  Duration base = Scaled(initial, multiplier, std::max(failures, 1) - 1, max);
  double spread = std::clamp(jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - spread, 1.0 + spread);
  auto jittered = static_cast<Duration::rep>(static_cast<double>(base.count()) * factor(random));
  return std::min(Duration(jittered), max);
}

Duration RetryPolicy::DelayAfter(int attempt) const {
  return Scaled(initial_delay, multiplier, std::max(attempt, 1) - 1, max_delay);
}

absl::Status QueueSpec::Validate() const {
  auto invalid = [&](std::string_view field, std::string_view why) {
    return absl::InvalidArgumentError(Cat("queue \"", name, "\": ", field, " ", why));
  };
  if (name.empty()) return invalid("name", "is empty");
  if (name.size() > 200) return invalid("name", "is longer than 200 characters");
  if (name.starts_with("amq.")) return invalid("name", "may not start with \"amq.\"");
  if (exchange.empty()) return invalid("exchange", "is empty");
  if (retry.max_attempts < 1) return invalid("retry.max_attempts", "must be at least 1");
  if (retry.max_attempts > 100) return invalid("retry.max_attempts", "must be at most 100");
  if (retry.initial_delay.count() < 1) return invalid("retry.initial_delay", "must be positive");
  if (retry.multiplier < 1.0) return invalid("retry.multiplier", "must be at least 1");
  if (retry.max_delay < retry.initial_delay) {
    return invalid("retry.max_delay", "must not be below retry.initial_delay");
  }
  if (delivery_limit < 1) return invalid("delivery_limit", "must be at least 1");
  for (const auto& binding : bindings) {
    if (binding.empty()) return invalid("bindings", "contain an empty pattern");
  }
  return absl::OkStatus();
}

std::string DeadLetterQueueName(std::string_view queue) { return Cat(queue, ".dlq"); }

std::string FailedExchangeName(std::string_view queue) { return Cat(queue, ".failed"); }

std::string RetryQueueName(const QueueSpec& spec, int attempt) {
  return Cat(spec.name, ".retry.", spec.retry.DelayAfter(attempt).count(), "ms");
}

std::vector<std::string> RetryQueueNames(const QueueSpec& spec) {
  std::vector<std::string> names;
  for (int attempt = 1; attempt < spec.retry.max_attempts; ++attempt) {
    std::string name = RetryQueueName(spec, attempt);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace ipraktik::bus
