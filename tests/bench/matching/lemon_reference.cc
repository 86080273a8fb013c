// The benchmark's reference: the same round read by the same reader, solved by one LEMON min-cost
// flow whose optimum is the lexicographic optimum (tests/matching/oracle.h: a bypass arc per
// intern, cost rank * (interns + 1) - cross on the wishes), with the algorithm named. Prints one
// JSON line like `ipraktik-match --stats`, where solve_ms and solve_cpu_ms are LEMON's part alone
// (its graph, the flow, reading it off): the rules and the arrays before it (rules_ms) are plain
// code and not counted, while the engine's solve_ms includes its rules and its reports. So the
// ratio errs in LEMON's favour. "solved":false when the algorithm's arithmetic cannot hold the
// costs of this round.
//
//   lemon_reference INPUT [NetworkSimplex|CostScaling|CapacityScaling]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string_view>

#include "ipraktik/matching/json.h"
#include "oracle.h"

using ipraktik::matching::testing::MinCostFlow;

int main(int argc, char** argv) {
  MinCostFlow algorithm = MinCostFlow::kNetworkSimplex;
  bool known = argc == 2;
  if (argc == 3) {
    for (MinCostFlow candidate :
         {MinCostFlow::kNetworkSimplex, MinCostFlow::kCostScaling, MinCostFlow::kCapacityScaling}) {
      if (Name(candidate) == std::string_view(argv[2])) {
        algorithm = candidate;
        known = true;
      }
    }
  }
  if (!known) {
    std::fprintf(stderr,
                 "usage: lemon_reference INPUT [NetworkSimplex|CostScaling|CapacityScaling]\n");
    return 64;
  }
  const auto start = std::chrono::steady_clock::now();
  auto instance = ipraktik::matching::ReadInstanceFile(argv[1]);
  if (!instance.ok()) {
    std::fprintf(stderr, "lemon_reference: %s\n", std::string(instance.status().message()).c_str());
    return 2;
  }
  const double parse_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const auto run = ipraktik::matching::testing::SolveWithLemon(*instance, algorithm);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "{\"algorithm\":\"%s\",\"solved\":%s,\"parse_ms\":%.1f,\"rules_ms\":%.1f,\"solve_ms\":%.1f,"
      "\"solve_cpu_ms\":%.1f,\"peak_rss_mb\":%.1f,\"matched\":%lld,\"total_rank\":%lld,"
      "\"cross_sector\":%lld}\n",
      std::string(Name(algorithm)).c_str(), run.solved ? "true" : "false", parse_ms, run.rules_ms,
      run.lemon_ms, run.lemon_cpu_ms, static_cast<double>(usage.ru_maxrss) / 1024.0,
      static_cast<long long>(run.objective.matched),
      static_cast<long long>(run.objective.total_rank),
      static_cast<long long>(run.objective.cross_sector));
  return 0;
}
