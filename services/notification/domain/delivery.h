#pragma once

// The rules of delivery that do not depend on how mail is sent: what an SMTP attempt's outcome
// means for the message, the send rate limit, and when a reminder is due. Time is always passed
// in, so tests choose it.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/model.h"

namespace ipraktik::notification {

// Where the service reads the time (tests choose it).
using Clock = std::function<absl::Time()>;

// Where an SMTP transaction stopped.
enum class SmtpStage {
  kSession,    // connecting, greeting, EHLO, STARTTLS, AUTH
  kSender,     // MAIL FROM
  kRecipient,  // RCPT TO
  kData,       // DATA and the message body
};

// What happened in one SMTP transaction, as the transport saw it.
struct SmtpAttempt {
  SmtpStage stage = SmtpStage::kSession;
  // The server answered 250 to the end of the message body.
  bool accepted = false;
  // The last reply code the server sent (0: none, e.g. it could not be reached).
  int reply_code = 0;
  // The whole body, with its terminating dot, went to the server: from here on the server may
  // have the message even when its answer never arrives.
  bool handed_over = false;
  // In words, for the delivery record.
  std::string error{};
};

enum class Verdict {
  kSent,         // accepted
  kRetry,        // transient: try again later (4xx, unreachable, broken before the body ended)
  kPermanent,    // 5xx: the server refused; trying again will not help
  kUnconfirmed,  // handed over, no answer: the server may have it; do not send again by itself
};

struct Judgement {
  Verdict verdict = Verdict::kRetry;
  // The recorded reason: "", "transient", "server_setup", "rejected", "no_answer".
  std::string reason{};
};

// A 5xx refusal of this recipient or this message is permanent. A 5xx before that (AUTH,
// STARTTLS, the sender address) is about our setup, not the message: it is retried (until the
// attempts run out) so that fixing the setup delivers everything.
Judgement JudgeSmtpAttempt(const SmtpAttempt& attempt);

// A token bucket: `rate` sends per second on average, bursts of up to `burst`. Not thread-safe
// (the service guards it).
class SendRateLimiter {
 public:
  // rate <= 0 means unlimited.
  SendRateLimiter(double rate_per_second, int burst);
  // Takes one token; returns how long the caller must wait before sending (zero when it may
  // send now). Tokens taken ahead are owed: later callers wait longer.
  absl::Duration Reserve(absl::Time now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  absl::Time last_ = absl::InfinitePast();
};

// When the reminder for an internship goes out: days_before days before the first day, at
// send_at (time of day) in time_zone. nullopt when there are no days, or when that moment is not
// after `scheduled_at` (the placement itself was announced later than the reminder would have
// gone: its own message is reminder enough).
std::optional<absl::Time> ReminderTime(const std::vector<Date>& days, int days_before,
                                       absl::Duration send_at, const absl::TimeZone& time_zone,
                                       absl::Time scheduled_at);

// Whole days from `now` to the first day (in time_zone), for "in 3 days" in the reminder.
int DaysUntil(const std::vector<Date>& days, absl::Time now, const absl::TimeZone& time_zone);

}  // namespace ipraktik::notification
