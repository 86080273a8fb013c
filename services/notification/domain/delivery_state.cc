#include "domain/delivery_state.h"

#include <array>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ipraktik::notification {
namespace {

constexpr std::array<std::pair<DeliveryState, std::string_view>, 7> kNames = {{
    {DeliveryState::kPending, kStatePending},
    {DeliveryState::kSending, kStateSending},
    {DeliveryState::kHandedOver, kStateHandedOver},
    {DeliveryState::kRetrying, kStateRetrying},
    {DeliveryState::kSent, kStateSent},
    {DeliveryState::kFailed, kStateFailed},
    {DeliveryState::kUnconfirmed, kStateUnconfirmed},
}};

bool BeingSent(DeliveryState state) {
  return state == DeliveryState::kSending || state == DeliveryState::kHandedOver;
}

DeliveryDecision Unchanged(std::optional<DeliveryState> state) {
  return {.outcome = DeliveryDecision::Outcome::kUnchanged, .state = state};
}

DeliveryDecision Refused(absl::Status why) {
  return {.outcome = DeliveryDecision::Outcome::kRefused, .refusal = std::move(why)};
}

DeliveryDecision Apply(DeliveryChange change) {
  const DeliveryState state = change.next.state;
  return {
      .outcome = DeliveryDecision::Outcome::kApply, .change = std::move(change), .state = state};
}

DeliveryDecision OnClaim(const std::optional<DeliveryStatus>& current, const ClaimEvent& claim) {
  if (claim.recipient_erased) return Unchanged(std::nullopt);
  const DeliveryStatus taken{.state = DeliveryState::kSending,
                             .lease_owner = claim.owner,
                             .lease_until = claim.now + claim.lease,
                             .attempts = current ? current->attempts + 1 : 1,
                             .resends = current ? current->resends : 0};
  if (!current) {
    DeliveryDecision decision = Apply({.next = taken, .create = true});
    decision.may_send = true;
    return decision;
  }
  if (IsFinal(current->state)) return Unchanged(current->state);
  if (current->state == DeliveryState::kSending && current->lease_owner == claim.owner) {
    // This very claim, made again after its reply was lost.
    DeliveryDecision decision = Unchanged(current->state);
    decision.may_send = true;
    decision.resend = current->resends;
    return decision;
  }
  if (BeingSent(current->state)) {
    if (current->lease_until > claim.now) {
      return {.outcome = DeliveryDecision::Outcome::kBusy,
              .state = current->state,
              .busy_until = current->lease_until};
    }
    if (current->state == DeliveryState::kHandedOver) {
      // Its sender stopped after handing the whole message to the server: the server may have
      // it, and sending it again could be a duplicate.
      DeliveryStatus next = *current;
      next.state = DeliveryState::kUnconfirmed;
      next.lease_owner.clear();
      next.lease_until = absl::InfinitePast();
      return Apply({.next = next,
                    .failure_reason = "no_answer",
                    .last_error = "the sender stopped after handing the message to the server"});
    }
  }
  DeliveryDecision decision = Apply({.next = taken});
  decision.may_send = true;
  decision.resend = taken.resends;
  return decision;
}

DeliveryDecision OnHandOver(const std::optional<DeliveryStatus>& current,
                            const HandOverEvent& hand_over) {
  const bool held = current && current->lease_owner == hand_over.owner;
  if (held && current->state == DeliveryState::kHandedOver) return Unchanged(current->state);
  if (!held || current->state != DeliveryState::kSending) {
    return Refused(absl::FailedPreconditionError("the claim on this message was lost"));
  }
  DeliveryStatus next = *current;
  next.state = DeliveryState::kHandedOver;
  next.lease_until = hand_over.now + hand_over.lease;
  return Apply({.next = next});
}

DeliveryDecision OnRenew(const std::optional<DeliveryStatus>& current, const RenewEvent& renew) {
  if (!current || current->lease_owner != renew.owner || !BeingSent(current->state)) {
    return Refused(absl::FailedPreconditionError("the claim on this message was lost"));
  }
  DeliveryStatus next = *current;
  next.lease_until = renew.now + renew.lease;
  return Apply({.next = next});
}

DeliveryDecision OnFinish(const std::optional<DeliveryStatus>& current, const FinishEvent& finish) {
  if (finish.outcome != DeliveryState::kRetrying && !IsFinal(finish.outcome)) {
    return Refused(absl::InvalidArgumentError(
        absl::StrCat("a send cannot end as ", std::string(DeliveryStateName(finish.outcome)))));
  }
  if (!current || current->lease_owner != finish.owner || !BeingSent(current->state)) {
    return Refused(absl::FailedPreconditionError("the claim on this message was lost"));
  }
  DeliveryStatus next = *current;
  next.state = finish.outcome;
  next.lease_owner.clear();
  next.lease_until = absl::InfinitePast();
  return Apply({.next = next});
}

DeliveryDecision OnResend(const std::optional<DeliveryStatus>& current, const ResendEvent& resend) {
  if (!current) return Refused(absl::NotFoundError("no such message"));
  if (BeingSent(current->state) && current->lease_until > resend.now) {
    return Refused(absl::FailedPreconditionError("the message is being sent right now"));
  }
  DeliveryStatus next = *current;
  next.state = DeliveryState::kPending;
  next.lease_owner.clear();
  next.lease_until = absl::InfinitePast();
  next.resends = current->resends + 1;
  return Apply({.next = next, .clear_failure = true});
}

}  // namespace

std::string_view DeliveryStateName(DeliveryState state) {
  for (const auto& [value, name] : kNames) {
    if (value == state) return name;
  }
  return kStatePending;
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

bool IsFinal(DeliveryState state) { return state == DeliveryState::kSent || IsFailure(state); }

bool IsFailure(DeliveryState state) {
  return state == DeliveryState::kFailed || state == DeliveryState::kUnconfirmed;
}

void DeliveryTally::Add(std::string_view state) {
  const std::optional<DeliveryState> parsed = ParseDeliveryState(state);
  if (parsed == DeliveryState::kSent) {
    ++sent;
  } else if (parsed && IsFailure(*parsed)) {
    ++failed;
  } else {
    ++pending;
  }
}

DeliveryDecision Decide(const std::optional<DeliveryStatus>& current, const DeliveryEvent& event) {
  return std::visit(
      [&current](const auto& happened) -> DeliveryDecision {
        using Event = std::decay_t<decltype(happened)>;
        if constexpr (std::is_same_v<Event, ClaimEvent>) return OnClaim(current, happened);
        if constexpr (std::is_same_v<Event, HandOverEvent>) return OnHandOver(current, happened);
        if constexpr (std::is_same_v<Event, RenewEvent>) return OnRenew(current, happened);
        if constexpr (std::is_same_v<Event, FinishEvent>) return OnFinish(current, happened);
        if constexpr (std::is_same_v<Event, ResendEvent>) return OnResend(current, happened);
      },
      event);
}

}  // namespace ipraktik::notification
