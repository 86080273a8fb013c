#!/usr/bin/env bash
# The matching engine (ipraktik-match) beside LEMON on the same generated rounds. The reference is
# the strongest formulation we know for LEMON: ONE min-cost flow whose optimum is the lexicographic
# optimum (a bypass arc per intern, cost rank * (interns + 1) - cross; tests/matching/oracle.h),
# solved by each of LEMON's min-cost flow algorithms; the fastest that solves is the reference.
#   run.sh BUILD_DIR        sizes from MATCH_SIZES (default "10000 100000 1000000" interns);
#                           hosts = interns / 5, 10 wishes each; rounds are kept in
#                           BUILD_DIR/bench-data/matching and reused.
# Algorithms: MATCH_REFERENCES (default "NetworkSimplex CostScaling CapacityScaling") up to
# MATCH_ALL_UP_TO interns (default 10000); above that only MATCH_LARGE_REFERENCES (default
# "NetworkSimplex"): cost scaling took 4.6 times its CPU time at 100k, capacity scaling 15-17 times
# at 10k (docs/benchmarks.md); at 1M cost scaling's arithmetic overflows 64 bits.
# The reference's solve time is LEMON's part alone (its graph, the flow, reading it off); the
# rules before it are plain oracle code and not counted, while the engine's solve time includes
# its rules and its reports: the ratios err in LEMON's favour.
# Per size: parse, solve and write times (wall), solve CPU time, peak memory of each program, the
# ratios ours/reference, the whole-command wall and CPU time of ipraktik-match, whether every
# objective is equal (if not, the run fails), and the time of ipraktik-match --verify on the
# result. CPU times are given because the machine may be shared: wall times then include waiting
# for a core.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
data=$build/bench-data/matching
mkdir -p "$data"
sizes=${MATCH_SIZES:-10000 100000 1000000}
all_references=${MATCH_REFERENCES:-NetworkSimplex CostScaling CapacityScaling}
all_up_to=${MATCH_ALL_UP_TO:-10000}
large_references=${MATCH_LARGE_REFERENCES:-NetworkSimplex}

field() {  # field NAME JSON_LINE
  sed -n "s/.*\"$1\":\(\"[A-Za-z]*\"\|[-0-9.a-z]*\).*/\1/p" <<<"$2" | tr -d '"'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
now_ms() { date +%s%3N; }
objective() { echo "$(field matched "$1")/$(field total_rank "$1")/$(field cross_sector "$1")"; }

echo "matching: ipraktik-match vs LEMON, one min-cost flow with a bypass arc per intern"
echo "algorithms: $all_references up to $all_up_to interns, $large_references above"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
row='%-9s %-15s %9s %9s %10s %9s %9s %10s %8s  %s\n'
printf "$row" interns who parse_ms solve_ms solve_cpu write_ms total_ms total_cpu peak_mb objective
different=0
for n in $sizes; do
  round=$data/round-$n.json
  if [[ ! -s $round ]]; then
    "$bin/matching_generate_round" --interns "$n" --seed 1 --output "$round"
  fi
  result=$data/result-$n.json

  start=$(now_ms)
  ours=$("$bin/ipraktik-match" --input "$round" --output "$result" --stats 2>&1 >/dev/null | tail -1)
  ours_total=$(($(now_ms) - start))
  printf "$row" "$n" ours "$(field parse_ms "$ours")" "$(field solve_ms "$ours")" \
    "$(field solve_cpu_ms "$ours")" "$(field write_ms "$ours")" "$ours_total" \
    "$(field cpu_ms "$ours")" "$(field peak_rss_mb "$ours")" "$(objective "$ours")"

  references=$all_references
  ((n <= all_up_to)) || references=$large_references
  equal=equal best="" best_ms="" ratios=""
  for algorithm in $references; do
    lemon=$("$bin/matching_lemon_reference" "$round" "$algorithm")
    if [[ $(field solved "$lemon") != true ]]; then
      printf "$row" "" "$algorithm" - "(costs overflow its 64-bit arithmetic at this size)" - - - - - -
      continue
    fi
    printf "$row" "" "$algorithm" "$(field parse_ms "$lemon")" "$(field solve_ms "$lemon")" \
      "$(field solve_cpu_ms "$lemon")" - - - "$(field peak_rss_mb "$lemon")" \
      "$(objective "$lemon") (its rules before: $(field rules_ms "$lemon") ms, not counted)"
    [[ $(objective "$lemon") == "$(objective "$ours")" ]] || equal=DIFFERENT
    ms=$(field solve_ms "$lemon")
    ratios+=" $algorithm $(ratio "$(field solve_ms "$ours")" "$ms")"
    if [[ -z $best ]] || awk -v a="$ms" -v b="$best_ms" 'BEGIN { exit !(a < b) }'; then
      best=$algorithm best_ms=$ms best_line=$lemon
    fi
  done
  [[ $equal == equal ]] || different=1

  start=$(now_ms)
  if "$bin/ipraktik-match" --verify "$round" "$result" >/dev/null; then verified=yes; else verified=NO; fi
  verify_ms=$(($(now_ms) - start))

  echo "          ours/reference ($best, the fastest): solve $(ratio "$(field solve_ms "$ours")" "$best_ms")" \
    "(CPU $(ratio "$(field solve_cpu_ms "$ours")" "$(field solve_cpu_ms "$best_line")")), peak memory" \
    "$(ratio "$(field peak_rss_mb "$ours")" "$(field peak_rss_mb "$best_line")"); solve ratio per algorithm:$ratios"
  echo "          objectives (placed/total rank/cross-sector) $equal; --verify $verified in ${verify_ms} ms"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if ((different)); then
  echo "FAILED: an objective differs from the engine's" >&2
  exit 1
fi
