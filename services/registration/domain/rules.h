#pragma once

// The rules of the programme: what makes a record valid, which round states allow what, how a
// round moves between states, and when a manager must approve.
//
// Normalize* puts a record into the form it is checked and stored in (trimmed text, e-mail
// addresses and fields in lower case, canonical region names, defaults filled in). Check* adds
// one violation per wrong field to `out`, each named by its path under `root` (e.g.
// "application.wishes[2]"), so a caller reports every problem of a request at once. Records a
// rule refers to are passed in; nullptr means the request named one that does not exist.
// Allows* and CheckTransition return FAILED_PRECONDITION with a PreconditionFailure whose type
// says which rule (ROUND_NOT_OPEN, SIGNUP_DEADLINE_PASSED, ROUND_FROZEN, ROUND_TRANSITION, ...).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "domain/model.h"
#include "domain/wishes.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::registration {

using errors::FieldPath;
using errors::Violations;

// Limits the API documents.
inline constexpr int kMaxNameLength = 200;
inline constexpr int kMaxDescriptionLength = 4000;
inline constexpr int kMinOfferDescriptionLength = 20;
inline constexpr int kMinPurposeLength = 20;
inline constexpr int kMaxPurposeLength = 2000;
inline constexpr int kMinRetentionDays = 30;
inline constexpr int kMaxRetentionDays = 3650;
inline constexpr int kDefaultRetentionDays = 365;
inline constexpr int kMaxWindowDays = 92;
// A round's window starts at most this many days before the day it is created (or its window is
// moved), so a mistyped year (2001) is refused, and at most this many days after it.
inline constexpr int kMaxRoundStartDaysAgo = 365;
inline constexpr int kMaxRoundStartDaysAhead = 3 * 365;
inline constexpr int kMaxWishesLimit = 20;
inline constexpr int kMaxCapacity = 100;
inline constexpr int kMaxFields = 10;
inline constexpr int kMaxFieldLength = 60;

void Normalize(Programme& programme);
void Normalize(Round& round);
void Normalize(Workplace& workplace);
void Normalize(Participant& participant);
// An e-mail address as participants are stored and looked up by: trimmed, in lower case.
std::string NormalizedEmail(std::string_view email);
// Fills municipality and region from the hosting workplace when the offer gives none.
void Normalize(HostOffer& offer, const Workplace* workplace);
void Normalize(Application& application);

void CheckProgramme(const Programme& programme, const FieldPath& root, Violations& out);
// window_start within kMaxRoundStartDaysAgo before and kMaxRoundStartDaysAhead after today (when
// window_start is a valid date: CheckRound names it otherwise).
void CheckRoundStart(const Round& round, Date today, const FieldPath& root, Violations& out);
void CheckRound(const Round& round, const Programme* programme, const FieldPath& root,
                Violations& out);
void CheckWorkplace(const Workplace& workplace, const FieldPath& root, Violations& out);
// workplace: the one participant.workplace_id names.
void CheckParticipant(const Participant& participant, const Workplace* workplace,
                      const FieldPath& root, Violations& out);
void CheckHostOffer(const HostOffer& offer, const Round* round, const Workplace* workplace,
                    const Participant* contact, const FieldPath& root, Violations& out);

// What an application is checked against.
struct ApplicationContext {
  const Programme& programme;
  const Round& round;
  // The intern: their e-mail address and workplace (wishes for its offers are refused).
  std::string_view intern_email;
  std::string_view intern_workplace_id;
  // The host offers the wishes name (nullptr: no such offer in the tenant).
  std::function<const HostOffer*(const std::string& host_offer_id)> find_offer;
  // The round's published offers, which a criteria wish must be able to match like a named
  // wish (some offer fits, not at the intern's workplace, on a common day); nullptr: not
  // checked.
  const std::vector<OfferFacts>* published_offers = nullptr;
};

void CheckApplication(const Application& application, const ApplicationContext& context,
                      const FieldPath& root, Violations& out);

// Sign-ups and changes of applications: the round is open and today is not past its deadline.
absl::Status AllowsSignUp(const Round& round, Date today);
// Manager approval: the round is open (also after the sign-up deadline).
absl::Status AllowsApproval(const Round& round);
// A manager's personal link works until the end of the round's sign-up deadline (a Danish day):
// FAILED_PRECONDITION LINK_EXPIRED after it.
absl::Status ApprovalLinkValid(const Round& round, Date today);
// The day a manager who has not decided is reminded: days_before the sign-up deadline (nullopt
// when days_before is not positive).
std::optional<Date> ApprovalReminderDay(const Round& round, int days_before);
// Host offers may be added and changed while the round is a draft or open.
absl::Status AllowsHostOfferChange(const Round& round);
// The round's schedule and rules (window, deadline, wishes, sectors) change only while the round
// is a draft or open; its name always.
absl::Status AllowsRoundChange(const Round& before, const Round& after);

// A round's window moves only where every offer of the round (withdrawn ones aside) keeps its
// days inside it: FAILED_PRECONDITION OFFERS_OUTSIDE_WINDOW naming the offers to move first.
absl::Status CheckOffersInWindow(const Round& round, const std::vector<HostOffer>& offers);

// draft -> open -> closed -> matched -> published -> completed, plus closed -> open (reopen
// sign-up) and matched -> closed (discard a matching). Anything else is FAILED_PRECONDITION.
bool IsAllowedTransition(RoundState from, RoundState to);
absl::Status CheckTransition(const Round& round, RoundState to);

// The approval an application gets when it is submitted: not required, or pending unless the
// previous submission's approval still stands (same manager, not refused). needs_new_link is
// true when the manager must get a new personal link.
struct ApprovalDecision {
  ApprovalState state = ApprovalState::kNotRequired;
  bool needs_new_link = false;
};
ApprovalDecision ApprovalOnSubmit(const Programme& programme, const Application* previous,
                                  const Application& next);

// GDPR retention: a round's personal data expires retention_days after the end of its window,
// once the round is completed.
bool RetentionExpired(const Round& round, const Programme& programme, Date today);

}  // namespace ipraktik::registration
