#include "ipraktik/deadline/deadline.h"

#include <algorithm>
#include <string>

#include "absl/time/clock.h"

namespace ipraktik::deadline {
namespace {

// Per thread, and only ever set by a Scope on that thread's stack.
thread_local std::optional<absl::Time> current;

}  // namespace

std::optional<absl::Time> Current() { return current; }

Scope::Scope(absl::Time deadline) : previous_(current) {
  current = previous_ ? std::min(*previous_, deadline) : deadline;
}

Scope::~Scope() { current = previous_; }

absl::Status Check(std::string_view what) {
  if (!current || absl::Now() < *current) return absl::OkStatus();
  return absl::DeadlineExceededError("the call's deadline passed before " + std::string(what) +
                                     " was started");
}

absl::Duration Bound(absl::Duration limit) {
  if (!current) return limit;
  return std::max(absl::Milliseconds(1), std::min(*current - absl::Now(), limit));
}

bool Shortens(absl::Duration limit) { return current && *current - absl::Now() < limit; }

}  // namespace ipraktik::deadline
