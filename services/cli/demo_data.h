#pragma once

// The demo that `make run` loads into an empty tenant (`ipraktik demo load`): the national
// programme (Center for Offentlig Innovation's style: 1-5 days in one common week, public hosts
// of every sector and private ones) and three municipal programmes (Holstebro's 1-2 day
// lynpraktik, Silkeborg's copycat internships, and Gladsaxe's, whose sign-ups need the manager's
// approval). Every person, e-mail address and company is made up (addresses in .example
// domains); the public workplaces are real kinds of units. Made from a seed, so the same seed
// and day give the same demo; pure (no gRPC): demo_command.cc sends it.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::cli::demo {

// A host offer: its workplace (an index into Demo::workplaces), the offer (without ids) and its
// contact person (registered before the offer).
struct Offer {
  int workplace = 0;
  v1::HostOffer offer;
  v1::Participant contact;
};

// A ranked wish: a host offer of the same round (index into Round::offers), or criteria.
struct Wish {
  int offer = -1;
  v1::CriteriaWish criteria;
};

// One intern's sign-up as a partner's form imports it; the wishes are filled in once the
// offers have their ids.
struct SignUp {
  v1::ImportRow row;
  std::vector<Wish> wishes;
};

struct Round {
  v1::Round round;
  // Where the loader leaves it: ROUND_STATE_CLOSED (ready to match) or ROUND_STATE_OPEN.
  v1::RoundState final_state = v1::ROUND_STATE_CLOSED;
  std::vector<Offer> offers;
  std::vector<SignUp> sign_ups;
};

struct Programme {
  v1::Programme programme;
  std::vector<Round> rounds;
};

struct Demo {
  // The host workplaces (the interns' own workplaces are found or created by the import).
  std::vector<v1::Workplace> workplaces;
  std::vector<Programme> programmes;
};

// Whether the week of monday is one no round is planned in: Christmas to New Year, the school
// holidays (weeks 7-8, 28-31, 42), or a public holiday on a weekday (Easter, Ascension Day, Whit
// Monday, Constitution Day).
bool IsHolidayWeek(std::chrono::sys_days monday);
// The Monday of the first week on or after day that is no holiday week.
std::chrono::sys_days WorkingWeekFrom(std::chrono::sys_days day);

// The demo for the day `today` (the rounds lie ahead of it): the same seed and day give the
// same demo.
Demo MakeDemo(std::uint64_t seed, const v1::Date& today);

}  // namespace ipraktik::cli::demo
