#!/usr/bin/env bash
# `deno task bench`: ossdl against curl and aria2c on one machine, over loopback from nginx.
# See bench/README.md. Options (flag or environment):
#   --size MIB        BENCH_SIZE_MIB    object size in MiB (default 1024)
#   --rounds N        BENCH_ROUNDS      rounds; each runs every tool once, order rotated (default 3)
#   --tools "A B"     BENCH_TOOLS       subset of: curl aria2c ossdl-deno ossdl-bun ossdl-emulator
#                                       ossdl-deno-nocrc ossdl-bun-nocrc (CRC-64 swapped for a no-op)
#                                       ossdl-deno-nofsync ossdl-bun-nofsync (--no-fsync)
#   --no-extras       BENCH_EXTRAS=0    skip CRC speed, engine cost and kill/resume
#   --verify MODE     BENCH_VERIFY      cmp every download with the object: first (round 1), all, none
#   --keep-tmp        BENCH_KEEP_TMP=1  keep the temp dir (for debugging)
# Results: one table on stdout, raw JSON in bench/results/ (gitignored).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"

SIZE_MIB=${BENCH_SIZE_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
TOOLS=${BENCH_TOOLS:-"curl aria2c ossdl-deno ossdl-bun ossdl-emulator ossdl-deno-nocrc ossdl-bun-nocrc"}
EXTRAS=${BENCH_EXTRAS:-1}
VERIFY=${BENCH_VERIFY:-first}
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE_MIB=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --no-extras) EXTRAS=0; shift ;;
    --verify) VERIFY=$2; shift 2 ;;
    --keep-tmp) export BENCH_KEEP_TMP=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
SIZE_BYTES=$((SIZE_MIB * 1024 * 1024))

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$DENO" ] || [ ! -x "$BUN" ] || [ ! -d node_modules/hash-wasm ]; then
  npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null || exit 1
fi
bench_ensure_packages || exit 1
bench_make_tmp
RAW="$BENCH_TMP/raw"
mkdir -p "$RAW"
OUT="$BENCH_TMP/out"
if bench_can_drop_caches; then DROP=1; else DROP=0; fi
bench_machine_json >"$RAW/machine.json"

log "generating a ${SIZE_MIB} MiB object in $BENCH_TMP"
bench_make_object "$SIZE_MIB" || exit 1
log "object CRC-64 $OBJECT_CRC"
bench_start_nginx || exit 1
log "nginx at $NGINX_URL"

# The CLI, or the engine through bench/dl.ts when the CLI is missing or broken.
CLI_OK=0
GET=()
OUTPUT_FLAG=()
if [ -f cli.ts ] && help=$("$DENO" run -A cli.ts --help 2>&1); then
  CLI_OK=1
  if echo "$help" | grep -qE '(^|[[:space:]])get([[:space:]]|$)'; then GET=(get); fi
  if echo "$help" | grep -q -- '--json'; then OUTPUT_FLAG=(--json)
  elif echo "$help" | grep -q -- '--quiet'; then OUTPUT_FLAG=(--quiet); fi
  "$BUN" cli.ts --help >/dev/null 2>&1 || log "warning: bun cli.ts --help failed"
else
  log "cli.ts --help does not work: using bench/dl.ts (download() directly) for the ossdl rows"
fi
# Verification off: the engine has no switch, so src/crc64/crc64.ts is replaced by bench/_no_crc64.ts
# (an import map on Deno, a preload plugin on Bun); the final check then fails on purpose (exit 6).
NO_CRC_MAP="$BENCH_TMP/no_crc_import_map.json"
"$DENO" eval "const c = JSON.parse(Deno.readTextFileSync('$BENCH_ROOT/deno.json'));
const imports = { ...(c.imports ?? {}) };
imports[new URL('file://$BENCH_ROOT/src/crc64/crc64.ts').href] = new URL('file://$BENCH_ROOT/bench/_no_crc64.ts').href;
Deno.writeTextFileSync('$NO_CRC_MAP', JSON.stringify({ imports }));" || exit 1
ossdl_cmd() { # runtime url dest [nocrc] [extra flags...]
  local rt=$1 url=$2 dest=$3 nocrc=${4:-}
  local extra=("${@:5}")
  local run=("$DENO" run -A)
  [ "$rt" = bun ] && run=("$BUN")
  if [ -n "$nocrc" ]; then
    run=("$DENO" run -A --import-map="$NO_CRC_MAP")
    [ "$rt" = bun ] && run=("$BUN" --preload ./bench/_no_crc64_bun.ts)
  fi
  if [ $CLI_OK -eq 1 ]; then
    CMD=("${run[@]}" cli.ts "${GET[@]}" "$url" "$dest" "${OUTPUT_FLAG[@]}" "${extra[@]}")
  else
    CMD=("${run[@]}" bench/dl.ts "$url" "$dest" "${extra[@]}")
  fi
}

# The project's emulator serving the same directory.
EMU_URL=""
if [[ " $TOOLS " == *" ossdl-emulator "* ]]; then
  EMU_PORT=$(bench_free_port)
  if [ $CLI_OK -eq 1 ]; then
    "$DENO" run -A cli.ts serve --root "$BENCH_TMP/root" --port "$EMU_PORT" >"$BENCH_TMP/logs/emulator.log" 2>&1 &
  else
    "$DENO" run -A bench/serve_emulator.ts "$BENCH_TMP/root" "$EMU_PORT" >"$BENCH_TMP/logs/emulator.log" 2>&1 &
  fi
  BENCH_PIDS+=($!)
  if bench_wait_port "$EMU_PORT"; then
    EMU_URL="http://127.0.0.1:$EMU_PORT/bench/object.bin"
    # The directory store hashes the file on first use: do it before timing.
    curl -s -o /dev/null -I --max-time 600 "$EMU_URL" || true
    log "emulator at $EMU_URL"
  else
    log "emulator did not start: $(tail -3 "$BENCH_TMP/logs/emulator.log")"
  fi
fi

tool_cmd() { # tool dest -> CMD
  local tool=$1 dest=$2
  case $tool in
    curl) CMD=(curl -sS --fail -o "$dest" "$NGINX_URL") ;;
    aria2c) CMD=(aria2c -x8 -s8 -k8M --file-allocation=none --allow-overwrite=true
      --auto-file-renaming=false --console-log-level=warn --summary-interval=0 -q
      -d "$(dirname "$dest")" -o "$(basename "$dest")" "$NGINX_URL") ;;
    ossdl-deno) ossdl_cmd deno "$NGINX_URL" "$dest" ;;
    ossdl-bun) ossdl_cmd bun "$NGINX_URL" "$dest" ;;
    ossdl-deno-nocrc) ossdl_cmd deno "$NGINX_URL" "$dest" nocrc ;;
    ossdl-bun-nocrc) ossdl_cmd bun "$NGINX_URL" "$dest" nocrc ;;
    ossdl-deno-nofsync) ossdl_cmd deno "$NGINX_URL" "$dest" "" --no-fsync ;;
    ossdl-bun-nofsync) ossdl_cmd bun "$NGINX_URL" "$dest" "" --no-fsync ;;
    ossdl-emulator) [ -n "$EMU_URL" ] || return 1; ossdl_cmd deno "$EMU_URL" "$dest" ;;
    *) return 1 ;;
  esac
}

now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

run_one() { # round tool position
  local round=$1 tool=$2 pos=$3 dest="$OUT/download.bin"
  rm -f "$OUT"/*
  tool_cmd "$tool" "$dest" || { log "skip $tool"; return 0; }
  bench_drop_caches
  [ $DROP -eq 1 ] && cat "$OBJECT" >/dev/null # the source in page cache, as for every tool
  local tf="$BENCH_TMP/logs/time" so="$BENCH_TMP/logs/$tool.$round.out" se="$BENCH_TMP/logs/$tool.$round.err"
  local t0 t1 t2 rc load0
  load0=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "${CMD[@]}" >"$so" 2>"$se"
  rc=$?
  t1=$(now)
  sync
  t2=$(now)
  local size=0 ok=true same=null
  [ -f "$dest" ] && size=$(stat -c %s "$dest")
  if [[ $tool == *-nocrc ]]; then
    # Expected: every byte arrives, then the (fake) CRC does not match and nothing is kept.
    size=$SIZE_BYTES
    { [ $rc -eq 6 ] || grep -q INTEGRITY "$so" "$se"; } || ok=false
  else
    [ $rc -eq 0 ] && [ "$size" -eq "$SIZE_BYTES" ] || ok=false
  fi
  if [ "$ok" = true ] && [[ $tool != *-nocrc ]] && { [ "$VERIFY" = all ] || { [ "$VERIFY" = first ] && [ "$round" -eq 1 ]; }; }; then
    if cmp -s "$OBJECT" "$dest"; then same=true; else same=false; ok=false; fi
  fi
  local leftovers
  leftovers=$(find "$OUT" -mindepth 1 ! -name download.bin | wc -l)
  read -r _ user sys rss < <(tail -1 "$tf" 2>/dev/null) || { user=0; sys=0; rss=0; }
  [[ $user =~ ^[0-9.]+$ ]] || { user=0; sys=0; rss=0; }
  local result="null"
  result=$(grep -E '^\{.*"bytesFetched"' "$so" | tail -1)
  [ -n "$result" ] || result=null
  printf '{"round":%s,"position":%s,"tool":"%s","exitCode":%s,"ok":%s,"identical":%s,"bytes":%s,"wallS":%s,"syncS":%s,"userS":%s,"sysS":%s,"maxRssKiB":%s,"leftoverFiles":%s,"load1":%s,"command":"%s","result":%s}\n' \
    "$round" "$pos" "$tool" "$rc" "$ok" "$same" "$size" \
    "$(diff_s "$t0" "$t1")" "$(diff_s "$t1" "$t2")" "$user" "$sys" "$rss" "$leftovers" "$load0" \
    "$(echo "${CMD[*]}" | sed "s|$BENCH_TMP|\$TMP|g; s|$BENCH_ROOT/||g; s|\"|'|g")" "$result" >>"$RAW/runs.jsonl"
  if [ "$ok" != true ]; then
    log "$tool round $round FAILED (exit $rc, $size bytes): $(tail -c 400 "$se")"
  else
    log "$tool round $round: $(awk -v m="$SIZE_MIB" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", m / (b - a) }') MiB/s"
  fi
  rm -f "$OUT"/*
}

read -r -a TOOL_LIST <<<"$TOOLS"
n=${#TOOL_LIST[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do
    tool=${TOOL_LIST[$(((i + r - 1) % n))]}
    run_one "$r" "$tool" "$i"
  done
done

if [ "$EXTRAS" = 1 ]; then
  log "CRC-64 throughput (hashing path alone)"
  "$DENO" run -A bench/crc_speed.ts --mib 2048 >"$RAW/crc_deno.json"
  "$BUN" bench/crc_speed.ts --mib 2048 >"$RAW/crc_bun.json"
  cost_mib=$((SIZE_MIB < 1024 ? SIZE_MIB : 1024))
  log "engine cost from memory (${cost_mib} MiB)"
  "$DENO" run -A bench/engine_cost.ts --dir "$OUT" --mib "$cost_mib" --rounds "$ROUNDS" >"$RAW/engine_cost_deno.json"
  "$BUN" bench/engine_cost.ts --dir "$OUT" --mib "$cost_mib" --rounds "$ROUNDS" >"$RAW/engine_cost_bun.json"
  rm -f "$OUT"/*
  for rt in deno bun; do
    expected=$(grep "\"tool\":\"ossdl-$rt\"" "$RAW/runs.jsonl" | sed -n 's/.*"wallS":\([0-9.]*\).*/\1/p' | sort -n | head -1)
    log "kill -9 at 40% and resume ($rt)"
    ossdl_cmd "$rt" "$NGINX_URL" "$OUT/killed.bin"
    if [ $CLI_OK -eq 1 ]; then
      "$DENO" run -A bench/kill_resume.ts --size "$SIZE_BYTES" --kill-at 0.4 ${expected:+--expected-seconds "$expected"} \
        --access-log "$BENCH_TMP/nginx/access.log" -- "${CMD[@]}" >"$RAW/kill_cli_$rt.json"
      rm -f "$OUT"/*
    fi
    run=("$DENO" run -A)
    [ "$rt" = bun ] && run=("$BUN")
    "$DENO" run -A bench/kill_resume.ts --size "$SIZE_BYTES" --kill-at 0.4 \
      --access-log "$BENCH_TMP/nginx/access.log" -- "${run[@]}" bench/dl.ts "$NGINX_URL" "$OUT/killed.bin" --progress \
      >"$RAW/kill_engine_$rt.json"
    rm -f "$OUT"/*
  done
fi

printf '{"sizeBytes":%s,"rounds":%s,"tools":"%s","dropCaches":%s,"cli":%s,"cliArgs":"%s","verify":"%s","objectCrc64":"%s"}\n' \
  "$SIZE_BYTES" "$ROUNDS" "$TOOLS" "$DROP" "$CLI_OK" "${GET[*]} ${OUTPUT_FLAG[*]}" "$VERIFY" "$OBJECT_CRC" >"$RAW/config.json"
mkdir -p bench/results
"$DENO" run -A bench/report.ts "$RAW" bench/results
