#include "domain/delivery.h"

#include <algorithm>
#include <chrono>

#include "absl/time/civil_time.h"

namespace ipraktik::notification {

Judgement JudgeSmtpAttempt(const SmtpAttempt& attempt) {
  if (attempt.accepted) return {Verdict::kSent, ""};
  if (attempt.reply_code >= 500 && attempt.reply_code < 600) {
    bool about_the_message =
        attempt.stage == SmtpStage::kRecipient || attempt.stage == SmtpStage::kData;
    if (about_the_message) return {Verdict::kPermanent, "rejected"};
    return {Verdict::kRetry, "server_setup"};
  }
  if (attempt.reply_code >= 400 && attempt.reply_code < 500) return {Verdict::kRetry, "transient"};
  // No refusal came: the connection broke, timed out, or never opened. After the whole body went
  // out the server may have stored the message, so sending it again could be a duplicate.
  if (attempt.handed_over) return {Verdict::kUnconfirmed, "no_answer"};
  return {Verdict::kRetry, "transient"};
}

SendRateLimiter::SendRateLimiter(double rate_per_second, int burst)
    : rate_(rate_per_second), burst_(std::max(1, burst)), tokens_(std::max(1, burst)) {}

absl::Duration SendRateLimiter::Reserve(absl::Time now) {
  if (rate_ <= 0) return absl::ZeroDuration();
  if (last_ != absl::InfinitePast()) {
    double elapsed = absl::ToDoubleSeconds(std::max(now - last_, absl::ZeroDuration()));
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  }
  last_ = std::max(last_, now);
  tokens_ -= 1;
  if (tokens_ >= 0) return absl::ZeroDuration();
  return absl::Seconds(-tokens_ / rate_);
}

std::optional<absl::Time> ReminderTime(const std::vector<Date>& days, int days_before,
                                       absl::Duration send_at, const absl::TimeZone& time_zone,
                                       absl::Time scheduled_at) {
  if (days.empty() || days_before <= 0) return std::nullopt;
  Date first = *std::min_element(days.begin(), days.end());
  Date day = Date{std::chrono::sys_days(first) - std::chrono::days(days_before)};
  // A local wall-clock time, also on the days daylight saving time begins or ends.
  auto minutes = absl::ToInt64Minutes(send_at);
  absl::CivilMinute civil(static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                          static_cast<unsigned>(day.day()), static_cast<int>(minutes / 60),
                          static_cast<int>(minutes % 60));
  absl::Time due = absl::FromCivil(civil, time_zone);
  if (due <= scheduled_at) return std::nullopt;
  return due;
}

int DaysUntil(const std::vector<Date>& days, absl::Time now, const absl::TimeZone& time_zone) {
  if (days.empty()) return 0;
  Date first = *std::min_element(days.begin(), days.end());
  absl::CivilDay today = absl::ToCivilDay(now, time_zone);
  absl::CivilDay start(static_cast<int>(first.year()), static_cast<unsigned>(first.month()),
                       static_cast<unsigned>(first.day()));
  return static_cast<int>(std::max<absl::civil_diff_t>(0, start - today));
}

}  // namespace ipraktik::notification
