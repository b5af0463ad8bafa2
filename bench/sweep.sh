#!/usr/bin/env bash
# Parameter sweep: the engine (bench/dl.ts, i.e. download() with explicit tuning) from nginx over
# loopback, for part sizes x concurrencies x chunk sizes, then commit sizes/intervals at the
# defaults. Prints a table per runtime (best first) and saves JSON in bench/results/.
# Options (flag or environment):
#   --size MIB          BENCH_SIZE_MIB       object size (default 1024)
#   --rounds N          BENCH_ROUNDS         runs per setting, median kept (default 1)
#   --runtimes "A B"    SWEEP_RUNTIMES       deno and/or bun (default "deno bun")
#   --parts "4M 8M"     SWEEP_PARTS          part sizes (default "4M 8M 16M")
#   --concurrency "4 8" SWEEP_CONCURRENCY    (default "4 8 16")
#   --chunks "256K 1M"  SWEEP_CHUNKS         (default "256K 1M")
#   --commits "8M:1000" SWEEP_COMMITS        commitBytes:commitIntervalMs pairs
#                                            (default "2M:1000 8M:1000 32M:1000 8M:250")
#   --writes "worker:16K" SWEEP_WRITES       block writer (worker|inline):maxWriteBytes pairs at the
#                                            defaults (default "worker:16K worker:64K worker:1M
#                                            inline:1M"); inline ignores maxWriteBytes
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"

SIZE_MIB=${BENCH_SIZE_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-1}
RUNTIMES=${SWEEP_RUNTIMES:-"deno bun"}
PARTS=${SWEEP_PARTS:-"4M 8M 16M"}
CONCURRENCY=${SWEEP_CONCURRENCY:-"4 8 16"}
CHUNKS=${SWEEP_CHUNKS:-"256K 1M"}
COMMITS=${SWEEP_COMMITS:-"2M:1000 8M:1000 32M:1000 8M:250"}
WRITES=${SWEEP_WRITES:-"worker:16K worker:64K worker:1M inline:1M"}
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE_MIB=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --runtimes) RUNTIMES=$2; shift 2 ;;
    --parts) PARTS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --chunks) CHUNKS=$2; shift 2 ;;
    --commits) COMMITS=$2; shift 2 ;;
    --writes) WRITES=$2; shift 2 ;;
    --keep-tmp) export BENCH_KEEP_TMP=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
SIZE_BYTES=$((SIZE_MIB * 1024 * 1024))

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_ensure_packages || exit 1
bench_make_tmp
RAW="$BENCH_TMP/raw"
OUT="$BENCH_TMP/out"
mkdir -p "$RAW"
if bench_can_drop_caches; then DROP=1; else DROP=0; fi
bench_machine_json >"$RAW/machine.json"
log "generating a ${SIZE_MIB} MiB object"
bench_make_object "$SIZE_MIB" || exit 1
bench_start_nginx || exit 1

sweep_one() { # runtime part concurrency chunk commitBytes commitIntervalMs round [writer maxWrite]
  local rt=$1 part=$2 conc=$3 chunk=$4 cb=$5 ci=$6 round=$7 dest="$OUT/sweep.bin"
  local writer=${8:-worker} maxw=${9:-16K}
  local run=("$DENO" run -A)
  [ "$rt" = bun ] && run=("$BUN")
  rm -f "$OUT"/*
  bench_drop_caches
  [ $DROP -eq 1 ] && cat "$OBJECT" >/dev/null
  local tf="$BENCH_TMP/logs/time" so="$BENCH_TMP/logs/sweep.out" t0 t1 rc
  t0=$(date +%s.%N)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "${run[@]}" bench/dl.ts "$NGINX_URL" "$dest" \
    --part-size "$part" --concurrency "$conc" --chunk-size "$chunk" --commit-bytes "$cb" \
    --commit-interval-ms "$ci" --write-in-worker "$([ "$writer" = worker ] && echo true || echo false)" \
    --max-write-bytes "$maxw" >"$so" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  local user sys rss
  read -r _ user sys rss < <(tail -1 "$tf" 2>/dev/null) || { user=0; sys=0; rss=0; }
  [[ $user =~ ^[0-9.]+$ ]] || { user=0; sys=0; rss=0; }
  local ok=false
  [ $rc -eq 0 ] && grep -q '"verified":true' "$so" && ok=true
  printf '{"runtime":"%s","partSize":"%s","concurrency":%s,"chunkSize":"%s","commitBytes":"%s","commitIntervalMs":%s,"writer":"%s","maxWriteBytes":"%s","round":%s,"ok":%s,"bytes":%s,"wallS":%s,"userS":%s,"sysS":%s,"maxRssKiB":%s}\n' \
    "$rt" "$part" "$conc" "$chunk" "$cb" "$ci" "$writer" "$maxw" "$round" "$ok" "$SIZE_BYTES" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$user" "$sys" "$rss" >>"$RAW/sweep.jsonl"
  log "$rt part=$part conc=$conc chunk=$chunk commit=$cb/${ci}ms writes=$writer/$maxw: $(awk -v m="$SIZE_MIB" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", m / (b - a) }') MiB/s $([ $ok = true ] && echo ok || echo FAILED)"
  rm -f "$OUT"/*
}

for ((r = 1; r <= ROUNDS; r++)); do
  for rt in $RUNTIMES; do
    for part in $PARTS; do
      for conc in $CONCURRENCY; do
        for chunk in $CHUNKS; do
          sweep_one "$rt" "$part" "$conc" "$chunk" 8M 1000 "$r"
        done
      done
    done
    for pair in $COMMITS; do
      sweep_one "$rt" 8M 8 1M "${pair%%:*}" "${pair##*:}" "$r"
    done
    for pair in $WRITES; do
      sweep_one "$rt" 8M 8 1M 8M 1000 "$r" "${pair%%:*}" "${pair##*:}"
    done
  done
done

printf '{"sizeBytes":%s,"rounds":%s,"dropCaches":%s}\n' "$SIZE_BYTES" "$ROUNDS" "$DROP" >"$RAW/config.json"
mkdir -p bench/results
"$DENO" run -A bench/sweep_report.ts "$RAW" bench/results
