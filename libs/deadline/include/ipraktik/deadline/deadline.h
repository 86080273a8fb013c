#pragma once

// The deadline of the work this thread is doing now, so that the caller's deadline reaches every
// Redis command and broker publish without each repository method taking it as an argument (the
// way userver's drivers read a task's inherited deadline). The call shell (libs/server) opens a
// Scope around a call's domain work; libs/store and libs/bus bound their waits with Bound() and
// refuse to start what Check() says is too late. Without a Scope there is no deadline and both
// work to their own timeouts, as background work (relays, consumers) always did.
//
//   deadline::Scope scope(call.deadline);               // on the thread running the call
//   if (auto late = deadline::Check("redis"); !late.ok()) return late;   // nothing sent
//   redisSetTimeout(context, absl::ToTimeval(deadline::Bound(command_timeout)));

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ipraktik::deadline {

// The innermost Scope's deadline on this thread, or nullopt outside every Scope.
std::optional<absl::Time> Current();

// Sets this thread's deadline for its lifetime (an inner Scope never extends an outer one: the
// earlier deadline holds), restoring the previous one at its end. Not movable: it lives on the
// stack of the thread it applies to.
class Scope {
 public:
  explicit Scope(absl::Time deadline);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::optional<absl::Time> previous_;
};

// OK while the current deadline (if any) has not passed; otherwise DEADLINE_EXCEEDED saying
// that `what` was not started.
absl::Status Check(std::string_view what);

// limit, or the time left before the current deadline when that is shorter (at least 1 ms, so
// that it can serve as a socket timeout, where 0 would mean none).
absl::Duration Bound(absl::Duration limit);

// Whether Bound(limit) is shorter than limit: a wait that times out then ran into the caller's
// deadline, not into the limit.
bool Shortens(absl::Duration limit);

}  // namespace ipraktik::deadline
