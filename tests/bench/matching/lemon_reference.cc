// The benchmark's reference: the same round read by the same reader, solved by LEMON (Preflow
// for the largest number placed, then NetworkSimplex for the cheapest flow of that size with cost
// rank * (interns + 1) - cross). Prints one JSON line like `ipraktik-match --stats`.
//
//   lemon_reference INPUT

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "ipraktik/matching/json.h"
#include "oracle.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lemon_reference INPUT\n");
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
  auto cpu_ms = [] {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
  };
  const double cpu_before_solve = cpu_ms();
  const auto run = ipraktik::matching::testing::SolveWithLemon(*instance);
  const double solve_cpu_ms = cpu_ms() - cpu_before_solve;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "{\"parse_ms\":%.1f,\"solve_ms\":%.1f,\"build_ms\":%.1f,\"solve_cpu_ms\":%.1f,"
      "\"peak_rss_mb\":%.1f,\"matched\":%lld,\"total_rank\":%lld,\"cross_sector\":%lld}\n",
      parse_ms, run.build_ms + run.solve_ms, run.build_ms, solve_cpu_ms,
      static_cast<double>(usage.ru_maxrss) / 1024.0, static_cast<long long>(run.objective.matched),
      static_cast<long long>(run.objective.total_rank),
      static_cast<long long>(run.objective.cross_sector));
  return 0;
}
