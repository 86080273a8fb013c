#pragma once

// What the engine answers for one round: the assignment, why each unplaced intern is unplaced, the
// wishes it could not use, where demand exceeds places, counts, and a certificate of optimality
// that anyone can check without trusting the solver (verify.h).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipraktik::matching {

struct Assignment {
  std::string intern;
  std::string host;
  std::uint32_t rank = 0;
  bool cross_sector = false;  // the intern's sector differs from the host's
  bool pinned = false;        // placed by a coordinator's pin, not by the optimisation
};

// Each reason has a stable code for programs and a short English text for people.
enum class UnmatchedReason {
  kNoValidWish,         // "no_valid_wish": nothing left of the wishes after the drops
  kNoCapacity,          // "no_capacity": every wished host has capacity 0 (or all taken by pins)
  kAllWishedHostsFull,  // "all_wished_hosts_full": every wished host is full
};
std::string_view ReasonCode(UnmatchedReason reason);
std::string_view ReasonText(UnmatchedReason reason);

// A host an unplaced intern wished for, with the competition for it.
struct WishedHostLoad {
  std::string host;
  std::int64_t capacity = 0;
  std::int64_t wished_by = 0;  // interns with a valid wish for it
};

struct UnmatchedIntern {
  std::string intern;
  UnmatchedReason reason = UnmatchedReason::kNoValidWish;
  std::vector<WishedHostLoad> hosts;  // the valid wished hosts, best rank first
};

enum class DropReason {
  kUnknownHost,      // "unknown_host"
  kDuplicateWish,    // "duplicate_wish": the host was wished for at a better or equal rank before
  kOwnOrganization,  // "own_organization"
  kForbidden,        // "forbidden": a coordinator forbade the pair
};
std::string_view ReasonCode(DropReason reason);
std::string_view ReasonText(DropReason reason);

struct DroppedWish {
  std::string intern;
  std::string host;
  std::uint32_t rank = 0;
  DropReason reason = DropReason::kUnknownHost;
};

enum class PinRefusal {
  kUnknownIntern,    // "unknown_intern"
  kUnknownHost,      // "unknown_host"
  kPinnedTwice,      // "pinned_twice": the intern already has a pin
  kNotWished,        // "not_wished": the host is not among the intern's valid wishes
  kOwnOrganization,  // "own_organization"
  kForbidden,        // "forbidden"
  kHostFull,         // "host_full": earlier pins already fill the host
};
std::string_view ReasonCode(PinRefusal reason);
std::string_view ReasonText(PinRefusal reason);

struct RefusedPin {
  std::string intern;
  std::string host;
  PinRefusal reason = PinRefusal::kUnknownIntern;
};

// A host wished for by more interns than it has places.
struct HostDemand {
  std::string host;
  std::int64_t wished_by = 0;
  std::int64_t capacity = 0;
};

struct Summary {
  std::int64_t interns = 0;
  std::int64_t hosts = 0;
  std::int64_t matched = 0;
  std::int64_t pinned = 0;
  std::int64_t total_rank = 0;
  std::int64_t cross_sector = 0;
  std::vector<std::int64_t> by_rank;  // by_rank[i]: placed at rank i+1; one entry per wish position
  double solve_ms = 0;
};

// Dual prices of the flow problem with the lexicographic cost rank * scale - cross_sector
// (docs/matching.md). For an assignment x of the interns that are not pinned:
//  - every placed intern's host minimises cost + price over its valid wishes, and that minimum is
//    at most `threshold`; every unplaced intern's minimum is at least `threshold`;
//  - a host with a positive price is full, a host with a negative price is empty;
//  - the hosts marked `cover`, weighted by their free places, plus the interns with a valid wish
//    outside them add up to the number placed (a vertex cover: no larger matching exists).
// Together these prove that no assignment places more interns, or as many with a smaller total
// rank, or as many with the same total rank and more cross-sector placements.
struct HostPrice {
  std::string host;
  std::int64_t price = 0;
  bool cover = false;
};

struct Certificate {
  std::int64_t scale = 0;
  std::int64_t threshold = 0;
  std::vector<HostPrice> hosts;  // hosts with free places after the pins, ordered by host id
};

struct Result {
  std::string round;
  std::vector<Assignment> assignments;      // ordered by intern id
  std::vector<UnmatchedIntern> unmatched;   // ordered by intern id
  std::vector<DroppedWish> dropped_wishes;  // ordered by intern id, then host id, then rank
  std::vector<RefusedPin> refused_pins;     // in the order of the pins
  std::vector<HostDemand> demand;           // most over-wished first, then by host id
  Summary summary;
  Certificate certificate;
};

}  // namespace ipraktik::matching
