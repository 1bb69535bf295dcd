#!/bin/sh
# Template mining throughput on one core: builds bench/template_mining/
# template_miner_bench with -O2 (only src/analyze's miner sources, no CMake
# tree needed) and feeds it HDFS lines: whole raw lines with their headers, or
# with a Loghub *_structured*.csv the Content column (the messages, as Drain
# parses them).
# Usage: bench/template_mining.sh [FILE.log|FILE.csv] [REPEAT]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$root/../shared/data/loghub/loghub-2k/HDFS/HDFS_2k.log}
repeat=${2:-500}
out=${TMPDIR:-/tmp}/kelola_template_miner_bench.$$
trap 'rm -f "$out" "$out.txt"' EXIT
case "$file" in
*.csv)
  python3 -c 'import csv,sys; sys.stdout.writelines(r["Content"] + "\n" for r in csv.DictReader(open(sys.argv[1])))' \
    "$file" > "$out.txt"
  file_arg="$out.txt" ;;
*) file_arg="$file" ;;
esac
${CXX:-c++} -O2 -DNDEBUG -std=c++20 -I"$root/src" \
  "$root/src/analyze/token_masker.cc" "$root/src/analyze/token_table.cc" "$root/src/analyze/template_miner.cc" \
  "$root/bench/template_mining/template_miner_bench.cc" -o "$out"
echo "file=$file repeat=$repeat cpu=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 0 "$out" "$file_arg" "$repeat" 2>/dev/null || "$out" "$file_arg" "$repeat"
