#!/usr/bin/env bash
# The matching engine (ipraktik-match) beside LEMON's NetworkSimplex on the same generated rounds.
#   run.sh BUILD_DIR        sizes from MATCH_SIZES (default "10000 100000 1000000" interns),
#                           hosts = interns / 5, 10 wishes each; rounds are kept in
#                           BUILD_DIR/bench-data/matching and reused.
# Per size: parse, solve and write times and peak memory of each program, the ratios ours/LEMON,
# the whole-command time of ipraktik-match, whether all three objective values are equal, and
# the time of ipraktik-match --verify on the result.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
data=$build/bench-data/matching
mkdir -p "$data"
sizes=${MATCH_SIZES:-10000 100000 1000000}

field() {  # field NAME JSON_LINE
  sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p" <<<"$2"
}
now_ms() { date +%s%3N; }

echo "matching: ipraktik-match vs LEMON NetworkSimplex (Preflow for the count, then min cost)"
printf '%-9s %-8s %9s %9s %9s %9s %9s %s\n' interns program parse_ms solve_ms write_ms total_ms peak_mb objective
for n in $sizes; do
  round=$data/round-$n.json
  if [[ ! -s $round ]]; then
    "$bin/matching_generate_round" --interns "$n" --seed 1 --output "$round"
  fi
  result=$data/result-$n.json

  start=$(now_ms)
  ours=$("$bin/ipraktik-match" --input "$round" --output "$result" --stats 2>&1 >/dev/null | tail -1)
  ours_total=$(( $(now_ms) - start ))
  lemon=$("$bin/matching_lemon_reference" "$round")

  start=$(now_ms)
  if "$bin/ipraktik-match" --verify "$round" "$result" >/dev/null; then verified=yes; else verified=NO; fi
  verify_ms=$(( $(now_ms) - start ))

  objective() { echo "$(field matched "$1")/$(field total_rank "$1")/$(field cross_sector "$1")"; }
  ours_objective=$(objective "$ours")
  lemon_objective=$(objective "$lemon")
  if [[ $ours_objective == "$lemon_objective" ]]; then equal="equal"; else equal="DIFFERENT"; fi
  solve_ratio=$(awk -v a="$(field solve_ms "$ours")" -v b="$(field solve_ms "$lemon")" 'BEGIN { printf "%.3f", a / b }')
  peak_ratio=$(awk -v a="$(field peak_rss_mb "$ours")" -v b="$(field peak_rss_mb "$lemon")" 'BEGIN { printf "%.2f", a / b }')

  printf '%-9s %-8s %9s %9s %9s %9s %9s %s\n' "$n" ours "$(field parse_ms "$ours")" \
    "$(field solve_ms "$ours")" "$(field write_ms "$ours")" "$ours_total" \
    "$(field peak_rss_mb "$ours")" "$ours_objective"
  printf '%-9s %-8s %9s %9s %9s %9s %9s %s\n' "" LEMON "$(field parse_ms "$lemon")" \
    "$(field solve_ms "$lemon")" "-" "-" "$(field peak_rss_mb "$lemon")" "$lemon_objective"
  echo "          solve ours/LEMON $solve_ratio, peak memory ours/LEMON $peak_ratio," \
    "objectives (placed/total rank/cross-sector) $equal, --verify $verified in ${verify_ms} ms"
done
