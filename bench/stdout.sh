#!/usr/bin/env bash
# Stdout mode: `ossdl get URL - > /dev/null` against `curl URL > /dev/null`, over loopback from
# nginx (same object, same nginx config as bench/run.sh). See bench/README.md, "Stdout mode".
# Options (flag or environment):
#   --size MIB        BENCH_SIZE_MIB    object size in MiB (default 1024)
#   --rounds N        BENCH_ROUNDS      rounds; each runs every tool once, order rotated (default 3)
#   --tools "A B"     BENCH_TOOLS       subset of: curl ossdl-deno ossdl-bun
# Prints one Markdown table (median of the rounds; ratios to curl from the same rounds).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"

SIZE_MIB=${BENCH_SIZE_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
TOOLS=${BENCH_TOOLS:-"curl ossdl-deno ossdl-bun"}
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE_MIB=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_ensure_packages || exit 1
bench_make_tmp
log "generating a ${SIZE_MIB} MiB object in $BENCH_TMP"
bench_make_object "$SIZE_MIB" || exit 1
bench_start_nginx || exit 1
log "nginx at $NGINX_URL"

tool_cmd() { # tool -> CMD
  case $1 in
    curl) CMD=(curl -sS --fail "$NGINX_URL") ;;
    ossdl-deno) CMD=("$DENO" run -A cli.ts get "$NGINX_URL" - -q) ;;
    ossdl-bun) CMD=("$BUN" cli.ts get "$NGINX_URL" - -q) ;;
    *) return 1 ;;
  esac
}

# Round 1 checks the bytes: every tool's stdout must equal the object.
read -r -a TOOL_LIST <<<"$TOOLS"
for tool in "${TOOL_LIST[@]}"; do
  tool_cmd "$tool" || { log "unknown tool $tool"; exit 2; }
  if ! "${CMD[@]}" | cmp -s - "$OBJECT"; then log "$tool: stdout differs from the object"; exit 1; fi
done
log "every tool's stdout equals the object"

RUNS="$BENCH_TMP/runs.tsv"
n=${#TOOL_LIST[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do
    tool=${TOOL_LIST[$(((i + r - 1) % n))]}
    tool_cmd "$tool"
    cat "$OBJECT" >/dev/null # in page cache, as for every tool
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S %M' -o "$BENCH_TMP/logs/time" "${CMD[@]}" >/dev/null 2>"$BENCH_TMP/logs/err"
    rc=$?
    read -r wall user sys rss < <(tail -1 "$BENCH_TMP/logs/time")
    [ $rc -eq 0 ] || { log "$tool round $r failed (exit $rc): $(tail -c 300 "$BENCH_TMP/logs/err")"; continue; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$tool" "$wall" "$user" "$sys" "$rss" "$load" >>"$RUNS"
    log "$tool round $r: $(awk -v m="$SIZE_MIB" -v w="$wall" 'BEGIN { printf "%.0f", m / w }') MiB/s, peak RSS $((rss / 1024)) MiB, load $load"
  done
done

echo
echo "Stdout mode, ${SIZE_MIB} MiB from nginx over loopback, median of $ROUNDS rounds ($(nproc) cores)"
echo
echo "| tool | command | MiB/s | x curl | CPU s/GiB | peak RSS MiB |"
echo "| ---- | ------- | ----: | -----: | --------: | -----------: |"
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
curl_wall=$(awk -F'\t' '$2 == "curl" { print $3 }' "$RUNS" | median)
for tool in "${TOOL_LIST[@]}"; do
  tool_cmd "$tool"
  wall=$(awk -F'\t' -v t="$tool" '$2 == t { print $3 }' "$RUNS" | median)
  cpu=$(awk -F'\t' -v t="$tool" '$2 == t { print $4 + $5 }' "$RUNS" | median)
  rss=$(awk -F'\t' -v t="$tool" '$2 == t { print $6 }' "$RUNS" | median)
  shown=$(echo "${CMD[*]} > /dev/null" | sed "s|$NGINX_URL|URL|; s|$BENCH_ROOT/||g; s|node_modules/.bin/||g")
  awk -v t="$tool" -v c="$shown" -v m="$SIZE_MIB" -v w="$wall" -v cw="$curl_wall" -v cpu="$cpu" -v rss="$rss" \
    'BEGIN { printf "| %s | `%s` | %.0f | %s | %.2f | %.0f |\n", t, c, m / w, (cw > 0 ? sprintf("%.2f", cw / w) : "-"), cpu * 1024 / m, rss / 1024 }'
done
echo
echo "Per round (round, tool, wall s, user s, sys s, peak RSS KiB, load1):"
cat "$RUNS"
