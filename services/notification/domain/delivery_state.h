#pragma once

// The life of one message record, decided here and nowhere else: the repository reads the
// record, asks Decide what an event does to it, and applies the decided change with a
// compare-and-set on the record's version, so that a change made meanwhile (another sender, a
// resend) is detected and the event decided again on the new state. Pure: time and owners are
// passed in.
//
//   (none) --claim--> sending --hand over--> handed_over --finish--> sent | failed | unconfirmed
//   pending, retrying, or sending/handed_over whose lease ran out: --claim--> sending
//     (an expired handed_over becomes unconfirmed instead: the server may have the message)
//   sending/handed_over --renew (its holder, alive)--> the same, lease_until = now + lease
//   sending/handed_over --finish(retrying)--> retrying
//   any state but a live sending/handed_over --resend--> pending (resends + 1)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ipraktik::notification {

enum class DeliveryState {
  kPending,
  kSending,
  kHandedOver,
  kRetrying,
  kSent,
  kFailed,
  kUnconfirmed
};

// The states as stored (and as DeliveryRecord::state holds them).
inline constexpr char kStatePending[] = "pending";
inline constexpr char kStateSending[] = "sending";
inline constexpr char kStateHandedOver[] = "handed_over";
inline constexpr char kStateRetrying[] = "retrying";
inline constexpr char kStateSent[] = "sent";
inline constexpr char kStateFailed[] = "failed";
inline constexpr char kStateUnconfirmed[] = "unconfirmed";

std::string_view DeliveryStateName(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(std::string_view name);
// Sent, failed or unconfirmed: nothing more is sent by itself.
bool IsFinal(DeliveryState state);
// Failed or unconfirmed: listed among the failures.
bool IsFailure(DeliveryState state);

// A round's deliveries counted by how they stand: sent, failed (failed or unconfirmed), and not
// settled yet (every other state).
struct DeliveryTally {
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t pending = 0;
  // state as stored (DeliveryRecord::state).
  void Add(std::string_view state);
};

// The part of a stored record the rules read.
struct DeliveryStatus {
  DeliveryState state = DeliveryState::kPending;
  std::string lease_owner{};  // "" : nobody holds it
  absl::Time lease_until = absl::InfinitePast();
  int attempts = 0;
  int resends = 0;
};

// A sender takes the message for `lease` (owner is unique per claim). recipient_erased: the
// participant's data was erased, so nothing is sent and no record made.
struct ClaimEvent {
  std::string owner;
  absl::Time now;
  absl::Duration lease;
  bool recipient_erased = false;
};
// The whole body went to the SMTP server; the lease is renewed for the server's answer.
struct HandOverEvent {
  std::string owner;
  absl::Time now;
  absl::Duration lease;
};
// The sender that holds the message is still at it (the lease is short and renewed while the
// holder lives, so a dead holder's messages are taken over soon).
struct RenewEvent {
  std::string owner;
  absl::Time now;
  absl::Duration lease;
};
// The send ended: outcome is sent, retrying, failed or unconfirmed.
struct FinishEvent {
  std::string owner;
  DeliveryState outcome;
};
// A coordinator asks for the message again.
struct ResendEvent {
  absl::Time now;
};
using DeliveryEvent = std::variant<ClaimEvent, HandOverEvent, RenewEvent, FinishEvent, ResendEvent>;

// What an applied transition writes.
struct DeliveryChange {
  DeliveryStatus next;
  bool create = false;  // a new record (the message's fields are written with it)
  // Set for a record that becomes unconfirmed without its sender (why, for the record).
  std::string failure_reason{};
  std::string last_error{};
  bool clear_failure = false;  // a resend forgets the last failure
};

struct DeliveryDecision {
  enum class Outcome {
    kApply,      // write `change`
    kUnchanged,  // nothing to write; `state` is what the record is (or nullopt: none, erased)
    kBusy,       // another sender holds a live lease
    kRefused,    // `refusal` says why
  };
  Outcome outcome = Outcome::kUnchanged;
  DeliveryChange change{};
  std::optional<DeliveryState> state{};
  absl::Status refusal{};
  // A claim that may send (applied, or one the same owner already holds), and the resend number
  // it sends (0: the first sending).
  bool may_send = false;
  int resend = 0;
  // kBusy: when the holder's lease runs out unless it renews it.
  absl::Time busy_until = absl::InfinitePast();
};

// current: the record, nullopt when there is none.
DeliveryDecision Decide(const std::optional<DeliveryStatus>& current, const DeliveryEvent& event);

}  // namespace ipraktik::notification
