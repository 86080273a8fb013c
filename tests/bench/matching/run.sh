#!/usr/bin/env bash
# The matching engine (ipraktik-match) beside LEMON's NetworkSimplex on the same generated rounds.
#   run.sh BUILD_DIR        sizes from MATCH_SIZES (default "10000 100000 1000000" interns),
#                           hosts = interns / 5, 10 wishes each; rounds are kept in
#                           BUILD_DIR/bench-data/matching and reused.
# Per size: parse, solve and write times (wall), solve CPU time, peak memory of each program, the
# ratios ours/LEMON, the whole-command wall and CPU time of ipraktik-match, whether all three objective
# values are equal, and the time of ipraktik-match --verify on the result. CPU times are given
# because the machine may be shared: wall times then include waiting for a core.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
data=$build/bench-data/matching
mkdir -p "$data"
sizes=${MATCH_SIZES:-10000 100000 1000000}

field() {  # field NAME JSON_LINE
  sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p" <<<"$2"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
now_ms() { date +%s%3N; }

echo "matching: ipraktik-match vs LEMON (Preflow for the number placed, then NetworkSimplex)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
row='%-9s %-6s %9s %9s %10s %9s %9s %10s %8s  %s\n'
printf "$row" interns who parse_ms solve_ms solve_cpu write_ms total_ms total_cpu peak_mb objective
for n in $sizes; do
  round=$data/round-$n.json
  if [[ ! -s $round ]]; then
    "$bin/matching_generate_round" --interns "$n" --seed 1 --output "$round"
  fi
  result=$data/result-$n.json

  start=$(now_ms)
  ours=$("$bin/ipraktik-match" --input "$round" --output "$result" --stats 2>&1 >/dev/null | tail -1)
  ours_total=$(($(now_ms) - start))
  lemon=$("$bin/matching_lemon_reference" "$round")

  start=$(now_ms)
  if "$bin/ipraktik-match" --verify "$round" "$result" >/dev/null; then verified=yes; else verified=NO; fi
  verify_ms=$(($(now_ms) - start))

  objective() { echo "$(field matched "$1")/$(field total_rank "$1")/$(field cross_sector "$1")"; }
  if [[ $(objective "$ours") == "$(objective "$lemon")" ]]; then equal=equal; else equal=DIFFERENT; fi

  printf "$row" "$n" ours "$(field parse_ms "$ours")" "$(field solve_ms "$ours")" \
    "$(field solve_cpu_ms "$ours")" "$(field write_ms "$ours")" "$ours_total" \
    "$(field cpu_ms "$ours")" "$(field peak_rss_mb "$ours")" "$(objective "$ours")"
  printf "$row" "" LEMON "$(field parse_ms "$lemon")" "$(field solve_ms "$lemon")" \
    "$(field solve_cpu_ms "$lemon")" - - - "$(field peak_rss_mb "$lemon")" "$(objective "$lemon")"
  echo "          ours/LEMON: solve $(ratio "$(field solve_ms "$ours")" "$(field solve_ms "$lemon")")" \
    "(CPU $(ratio "$(field solve_cpu_ms "$ours")" "$(field solve_cpu_ms "$lemon")")), peak memory" \
    "$(ratio "$(field peak_rss_mb "$ours")" "$(field peak_rss_mb "$lemon")");" \
    "objectives (placed/total rank/cross-sector) $equal; --verify $verified in ${verify_ms} ms"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
