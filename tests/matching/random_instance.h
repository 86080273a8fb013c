#pragma once

// Small random rounds that exercise every rule: shared organizations (own-organization drops),
// unknown and repeated hosts, equal-rank groups, capacity 0, forbidden pairs and pins.

#include <random>
#include <string>

#include "ipraktik/matching/instance.h"

namespace ipraktik::matching::testing {

struct RandomShape {
  int max_interns = 8;
  int max_hosts = 5;
  int max_wishes = 4;
  int max_capacity = 3;
  int organizations = 4;
  bool pins_and_forbids = true;
};

inline Instance RandomInstance(std::mt19937& rng, const RandomShape& shape) {
  auto below = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto chance = [&](int percent) { return below(100) < percent; };
  constexpr Sector kSectors[] = {Sector::kMunicipal, Sector::kRegional, Sector::kState,
                                 Sector::kPrivate};
  Instance instance;
  instance.round = "r-" + std::to_string(rng() % 1000);
  const int hosts = 1 + below(shape.max_hosts);
  const int interns = below(shape.max_interns + 1);
  for (int h = 0; h < hosts; ++h) {
    instance.hosts.push_back({"h-" + std::to_string(h),
                              "o" + std::to_string(below(shape.organizations)), kSectors[below(4)],
                              "R", chance(10) ? 0 : below(shape.max_capacity + 1)});
  }
  for (int i = 0; i < interns; ++i) {
    Intern intern{"p-" + std::to_string(i),
                  "o" + std::to_string(below(shape.organizations)),
                  kSectors[below(4)],
                  "R",
                  {}};
    const int entries = below(shape.max_wishes + 1);
    for (int r = 1; r <= entries; ++r) {
      const int members = chance(20) ? 2 + below(2) : 1;
      for (int m = 0; m < members; ++m) {
        std::string host =
            chance(5) ? "x-" + std::to_string(below(3)) : "h-" + std::to_string(below(hosts));
        intern.wishes.push_back({host, static_cast<std::uint32_t>(r)});
      }
    }
    instance.interns.push_back(intern);
  }
  if (shape.pins_and_forbids && interns > 0) {
    for (int f = below(3); f > 0; --f) {
      instance.forbidden.push_back(
          {"p-" + std::to_string(below(interns)), "h-" + std::to_string(below(hosts))});
    }
    for (int p = chance(40) ? 1 + below(2) : 0; p > 0; --p) {
      instance.pinned.push_back(
          {"p-" + std::to_string(below(interns)), "h-" + std::to_string(below(hosts))});
    }
  }
  return instance;
}

}  // namespace ipraktik::matching::testing
