#!/usr/bin/env bash
# Many objects: `get -r` (ossdl on Deno and Bun) against aria2c (-i LIST) and rclone (http backend
# over nginx autoindex), plus a rerun with nothing to do and the memory of listing 1,000,000 keys.
# See bench/README.md, "Many objects (get -r)". Options (flag or environment):
#   --workloads "A B"  BENCH_WORKLOADS  A = 2,000 x 256 KiB + 4 x 256 MiB, B = 20,000 x 16 KiB
#   --scale F          BENCH_SCALE      divide every object count by F (default 1: full size)
#   --rounds N         BENCH_ROUNDS     rounds; each runs every tool once, order rotated (default 3)
#   --tools "A B"      BENCH_TOOLS      subset of: ossdl-deno ossdl-bun aria2c rclone
#                                       ossdl-<deno|bun>[-jN][-nofsync][-emulator]: --jobs N,
#                                       --no-fsync, everything from cli.ts serve (e.g. ossdl-bun-j32)
#                                       ossdl-deno-emulator (no nginx: everything from cli.ts serve)
#   --verify MODE      BENCH_VERIFY     diff -r every output with the source: all (default), first, none
#   --list-keys N      BENCH_LIST_KEYS  keys of the listing-memory test (default 1000000; 0 skips it)
#   --no-extras        BENCH_EXTRAS=0   skip the rerun and the listing-memory test
#   --keep-tmp         BENCH_KEEP_TMP=1 keep the temp dir (for debugging)
# Results: Markdown tables on stdout, raw data in bench/results/many-<time>.json (gitignored).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"

WORKLOADS=${BENCH_WORKLOADS:-"A B"}
SCALE=${BENCH_SCALE:-1}
ROUNDS=${BENCH_ROUNDS:-3}
TOOLS=${BENCH_TOOLS:-"ossdl-deno ossdl-bun aria2c rclone ossdl-deno-emulator"}
VERIFY=${BENCH_VERIFY:-all}
LIST_KEYS=${BENCH_LIST_KEYS:-1000000}
EXTRAS=${BENCH_EXTRAS:-1}
while [ $# -gt 0 ]; do
  case $1 in
    --workloads) WORKLOADS=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --verify) VERIFY=$2; shift 2 ;;
    --list-keys) LIST_KEYS=$2; shift 2 ;;
    --no-extras) EXTRAS=0; shift ;;
    --keep-tmp) export BENCH_KEEP_TMP=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
# Anonymous requests: no credentials from this shell reach the tools.
unset OSS_ACCESS_KEY_ID OSS_ACCESS_KEY_SECRET OSS_SESSION_TOKEN \
  ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN

if [ ! -x "$DENO" ] || [ ! -x "$BUN" ] || [ ! -d node_modules/hash-wasm ]; then
  npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null || exit 1
fi
bench_ensure_packages rclone:rclone || exit 1
bench_make_tmp
ROOT="$BENCH_TMP/root"
RAW="$BENCH_TMP/raw"
OUT="$BENCH_TMP/out"
mkdir -p "$RAW" "$ROOT/bkt"
if bench_can_drop_caches; then DROP=1; else DROP=0; fi
bench_machine_json >"$RAW/machine.json"
CLK_TCK=$(getconf CLK_TCK)
# The code measured: the commit, and a digest of uncommitted changes under src/ (taken now).
CODE="$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src 2>/dev/null ||
  echo "+src-diff-$(git diff HEAD -- src | sha1sum | cut -c1-8)")"

scaled() { # count -> count / SCALE, rounded up, at least 1
  awk -v n="$1" -v s="$SCALE" 'BEGIN { c = n / s; r = int(c); if (r < c) r++; if (r < 1) r = 1; print r }'
}
spec_of() {
  case $1 in
    A) echo "$(scaled 2000)x256K,$(scaled 4)x256M" ;;
    B) echo "$(scaled 20000)x16K" ;;
    *) return 1 ;;
  esac
}
prefix_of() { echo "$1" | tr 'A-Z' 'a-z'; } # workload A lives in bkt/a/, B in bkt/b/

# The trees, with each file's CRC-64 for nginx's x-oss-hash-crc64ecma.
for w in $WORKLOADS; do
  spec=$(spec_of "$w") || { log "unknown workload $w"; exit 2; }
  p=$(prefix_of "$w")
  log "workload $w: generating $spec under bkt/$p/"
  "$DENO" run -A bench/make_tree.ts "$ROOT/bkt/$p" --spec "$spec" --per-dir 200 >"$RAW/files-$w.tsv" || exit 1
  printf '{"workload":"%s","spec":"%s","objects":%s,"bytes":%s}\n' "$w" "$spec" \
    "$(wc -l <"$RAW/files-$w.tsv")" "$(awk -F'\t' '{s += $2} END {printf "%d", s}' "$RAW/files-$w.tsv")" \
    >>"$RAW/workloads.jsonl"
done
chmod -R a+rX "$ROOT"

# The emulator answers the listings (and, for ossdl-deno-emulator, everything).
EMU_PORT=$(bench_free_port)
"$DENO" run -A cli.ts serve --root "$ROOT" --port "$EMU_PORT" >"$BENCH_TMP/logs/emulator.log" 2>&1 &
EMU_PID=$!
BENCH_PIDS+=($EMU_PID)
bench_wait_port "$EMU_PORT" || { log "emulator did not start: $(tail -3 "$BENCH_TMP/logs/emulator.log")"; exit 1; }
# nginx's listings come from another emulator over the same tree whose pages carry nginx's ETags
# ("mtime-size"), so that the listed ETag is the one nginx's GETs answer and honour in If-Match,
# as on OSS (bench/serve_listing.ts).
LIST_PORT=$(bench_free_port)
"$DENO" run -A bench/serve_listing.ts "$ROOT" "$LIST_PORT" >"$BENCH_TMP/logs/listing.log" 2>&1 &
LIST_PID=$!
BENCH_PIDS+=($LIST_PID)
bench_wait_port "$LIST_PORT" || { log "listing server did not start: $(tail -3 "$BENCH_TMP/logs/listing.log")"; exit 1; }

# nginx serves the object bytes with a per-file CRC-64 header, an autoindex for rclone, and passes
# bucket-level requests (ListObjectsV2: GET /bkt/?list-type=2...) to the emulator.
NGINX_PORT=$(bench_free_port)
NG="$BENCH_TMP/nginx"
{
  echo 'map $uri $crc64 {'
  echo '  default "";'
  for w in $WORKLOADS; do
    awk -F'\t' -v p="$(prefix_of "$w")" '{ printf "  /bkt/%s/%s %s;\n", p, $1, $3 }' "$RAW/files-$w.tsv"
  done
  echo '}'
} >"$NG/crc64.map"
cat >"$NG/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 65536;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
  default_type application/octet-stream;
  log_format req '\$msec \$request_method \$status \$body_bytes_sent "\$http_range"';
  access_log $NG/access.log req;
  client_body_temp_path $NG/body;
  proxy_temp_path $NG/proxy;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  map_hash_max_size 262144;
  map_hash_bucket_size 128;
  include $NG/crc64.map;
  upstream emulator { server 127.0.0.1:$LIST_PORT; keepalive 16; }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    root $ROOT;
    etag on;
    location ~ ^/[^/]+/?\$ {
      proxy_pass http://emulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
    }
    location / {
      autoindex on;
      add_header x-oss-hash-crc64ecma \$crc64 always;
    }
  }
}
EOF
"$(bench_nginx_bin)" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" >"$NG/stdout.log" 2>&1 &
NGINX_PID=$!
BENCH_PIDS+=($NGINX_PID)
bench_wait_port "$NGINX_PORT" || { log "nginx did not start:"; cat "$NG/error.log" "$NG/stdout.log" >&2; exit 1; }
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
EMU_URL="http://127.0.0.1:$EMU_PORT"
log "nginx at $NGINX_URL, emulator at $EMU_URL"
touch "$BENCH_TMP/rclone.conf"

for w in $WORKLOADS; do
  p=$(prefix_of "$w")
  awk -F'\t' -v u="$NGINX_URL/bkt/$p/" '{ printf "%s%s\n  out=%s\n", u, $1, $1 }' "$RAW/files-$w.tsv" >"$BENCH_TMP/aria2-$w.list"
  # The emulator hashes (MD5 and CRC-64) every file once, at its first listing: do it before timing.
  log "warming the emulator's listing of bkt/$p/"
  "$DENO" run -A cli.ts get -r "oss://bkt/$p/" "$BENCH_TMP/warm" --endpoint "$NGINX_URL" --exclude '*' -q ||
    { log "listing through nginx failed"; exit 1; }
  if [[ " $TOOLS " == *-emulator* ]]; then
    "$DENO" run -A cli.ts get -r "oss://bkt/$p/" "$BENCH_TMP/warm" --endpoint "$EMU_URL" --exclude '*' -q ||
      { log "listing from the emulator failed"; exit 1; }
  fi
  rm -rf "$BENCH_TMP/warm"
done

# CPU seconds (user + sys) of a process and its live children (nginx: master and worker).
proc_ticks() {
  local pid=$1 total=0 t c
  t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) && total=$((total + t))
  for c in $(pgrep -P "$pid" 2>/dev/null); do
    t=$(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null) && total=$((total + t))
  done
  echo "$total"
}
machine_ticks() { # busy iowait (all CPUs)
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $6 }' /proc/stat
}
ticks_s() { awk -v a="$1" -v b="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }'; }
now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

tool_cmd() { # tool workload dest -> CMD
  local tool=$1 p dest=$3 runtime extra=() endpoint=$NGINX_URL rest
  p=$(prefix_of "$2")
  case $tool in
    ossdl-*) # ossdl-<deno|bun>[-jN][-nofsync][-emulator]
      rest=${tool#ossdl-}
      runtime=${rest%%-*}
      rest=${rest#"$runtime"}
      while [ -n "$rest" ]; do
        rest=${rest#-}
        case ${rest%%-*} in
          j[0-9]*) extra+=(--jobs "${rest%%-*}"); extra[-1]=${extra[-1]#j} ;;
          nofsync) extra+=(--no-fsync) ;;
          emulator) endpoint=$EMU_URL ;;
          *) return 1 ;;
        esac
        case $rest in *-*) rest=-${rest#*-} ;; *) rest= ;; esac
      done
      case $runtime in
        deno) CMD=("$DENO" run -A cli.ts) ;;
        bun) CMD=("$BUN" cli.ts) ;;
        *) return 1 ;;
      esac
      CMD+=(get -r "oss://bkt/$p/" "$dest" --endpoint "$endpoint" --json "${extra[@]}")
      return 0 ;;
  esac
  case $tool in
    aria2c) CMD=(aria2c -i "$BENCH_TMP/aria2-$2.list" -d "$dest" -j 16 -x 8 -s 8 -k 8M
      --file-allocation=none --allow-overwrite=true --auto-file-renaming=false
      --console-log-level=warn --summary-interval=0 -q) ;;
    rclone) CMD=(rclone copy --config "$BENCH_TMP/rclone.conf" :http: "$dest" --http-url "$NGINX_URL/bkt/$p/"
      --transfers 16 --multi-thread-streams 8 -q) ;;
    *) return 1 ;;
  esac
}

# Run CMD once, timed until its bytes are on disk (the process, then sync); append one JSON record.
# measure LABEL WORKLOAD ROUND DEST VERIFY(0|1)
measure() {
  local label=$1 w=$2 round=$3 dest=$4 check=$5 p
  p=$(prefix_of "$w")
  local tf="$BENCH_TMP/logs/time" so="$BENCH_TMP/logs/$label.$w.$round.out" se="$BENCH_TMP/logs/$label.$w.$round.err"
  local load0 n0 e0 m0 n1 e1 m1 t0 t1 t2 rc lines0 lines1
  load0=$(cut -d' ' -f1 /proc/loadavg)
  lines0=$(wc -l <"$NG/access.log")
  n0=$(proc_ticks "$NGINX_PID"); e0=$(( $(proc_ticks "$EMU_PID") + $(proc_ticks "$LIST_PID") )); m0=$(machine_ticks)
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "${CMD[@]}" >"$so" 2>"$se"
  rc=$?
  t1=$(now)
  sync
  t2=$(now)
  n1=$(proc_ticks "$NGINX_PID"); e1=$(( $(proc_ticks "$EMU_PID") + $(proc_ticks "$LIST_PID") )); m1=$(machine_ticks)
  lines1=$(wc -l <"$NG/access.log")
  local files=0 bytes=0 same=null
  if [ -d "$dest" ]; then
    files=$(find "$dest" -type f ! -name .ossdl-manifest | wc -l)
    bytes=$(find "$dest" -type f ! -name .ossdl-manifest -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
  fi
  if [ "$check" = 1 ]; then
    if diff -rq --exclude=.ossdl-manifest "$ROOT/bkt/$p" "$dest" >"$BENCH_TMP/logs/diff.$label.$w.$round" 2>&1; then
      same=true
    else
      same=false
      log "$label ($w, round $round): output differs from the source: $(head -3 "$BENCH_TMP/logs/diff.$label.$w.$round")"
    fi
  fi
  local summary=null
  if grep -q '"type":"result"' "$so" 2>/dev/null; then summary=$(grep '"type":"result"' "$so" | tail -1); fi
  read -r el us sy rss <"$tf" 2>/dev/null || { el=0; us=0; sy=0; rss=0; }
  [[ $el =~ ^[0-9.]+$ ]] || { el=0; us=0; sy=0; rss=0; }
  local mb0 mi0 mb1 mi1
  read -r mb0 mi0 <<<"$m0"; read -r mb1 mi1 <<<"$m1"
  printf '{"label":"%s","workload":"%s","round":%s,"rc":%s,"wall":%s,"process":%s,"sync":%s,"user":%s,"sys":%s,"rssKiB":%s,"nginxCpu":%s,"emulatorCpu":%s,"machineBusy":%s,"machineIowait":%s,"requests":%s,"files":%s,"bytes":%s,"identical":%s,"load":%s,"result":%s}\n' \
    "$label" "$w" "$round" "$rc" "$(diff_s "$t0" "$t2")" "$(diff_s "$t0" "$t1")" "$(diff_s "$t1" "$t2")" \
    "$us" "$sy" "$rss" "$(ticks_s "$n0" "$n1")" "$(ticks_s "$e0" "$e1")" "$(ticks_s "$mb0" "$mb1")" \
    "$(ticks_s "$mi0" "$mi1")" "$((lines1 - lines0))" "$files" "$bytes" "$same" "$load0" "$summary" >>"$RAW/runs.jsonl"
  log "$label $w round $round: rc $rc, $(diff_s "$t0" "$t2") s (sync $(diff_s "$t1" "$t2") s), user $us sys $sy, RSS $((rss / 1024)) MiB, nginx $(ticks_s "$n0" "$n1") s, emulator $(ticks_s "$e0" "$e1") s, machine $(ticks_s "$mb0" "$mb1") s, identical $same"
  [ "$rc" -eq 0 ] || { log "$label failed: $(tail -3 "$se")"; }
}

prepare() { # workload: empty the output, sync, drop the page cache, read the source back into it
  local p
  p=$(prefix_of "$1")
  rm -rf "$OUT"
  bench_drop_caches
  [ $DROP -eq 1 ] && find "$ROOT/bkt/$p" -type f -print0 | xargs -0 cat >/dev/null
  sync
}

read -r -a TOOL_LIST <<<"$TOOLS"
for round in $(seq 1 "$ROUNDS"); do
  n=${#TOOL_LIST[@]}
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${TOOL_LIST[$(((i + round - 1) % n))]}"); done
  for w in $WORKLOADS; do
    for tool in "${order[@]}"; do
      tool_cmd "$tool" "$w" "$OUT" || { log "unknown tool $tool"; continue; }
      check=0
      { [ "$VERIFY" = all ] || { [ "$VERIFY" = first ] && [ "$round" = 1 ]; }; } && check=1
      prepare "$w"
      measure "$tool" "$w" "$round" "$OUT" "$check"
      # The same command again, nothing to do (warm cache: right after the run).
      if [ "$EXTRAS" = 1 ] && [ "$w" = A ] && [[ $tool == ossdl-* ]]; then
        measure "$tool-rerun" "$w" "$round" "$OUT" 0
      fi
    done
  done
done
rm -rf "$OUT"

# Per-object costs: downloadPrefix() with a counting file system and fetch (bench/prefix_costs.ts)
# over 2,000 objects of workload B (its folders d00..d09 at full scale), with and without fsyncs.
if [ "$EXTRAS" = 1 ] && [[ " $WORKLOADS " == *" B "* ]]; then
  for variant in "deno" "deno --jobs 16" "deno --no-sync" "bun" "bun --no-sync"; do
    read -r rt flags <<<"$variant"
    run=("$DENO" run -A); [ "$rt" = bun ] && run=("$BUN")
    prepare B
    log "per-object costs: $variant"
    # shellcheck disable=SC2086
    "${run[@]}" bench/prefix_costs.ts oss://bkt/b/g0/d0 "$OUT" --endpoint "$NGINX_URL" $flags \
      >>"$RAW/costs.jsonl" 2>"$BENCH_TMP/logs/costs.err" || log "prefix_costs failed: $(tail -3 "$BENCH_TMP/logs/costs.err")"
  done
  rm -rf "$OUT"
fi

# Memory with big objects at once: the 4 big objects of workload A (g1/), 1 and 4 at a time.
if [ "$EXTRAS" = 1 ] && [[ " $WORKLOADS " == *" A "* ]]; then
  for rt in deno bun; do
    run=("$DENO" run -A); [ $rt = bun ] && run=("$BUN")
    for j in 1 4; do
      prepare A
      CMD=("${run[@]}" cli.ts get -r oss://bkt/a/g1/ "$OUT" --endpoint "$NGINX_URL" --jobs "$j" --json)
      measure "big-jobs$j-$rt" M 1 "$OUT" 0
    done
  done
  rm -rf "$OUT"
fi

# Listing memory: LIST_KEYS tiny keys in the emulator's memory store; get -r lists them all with a
# filter that selects nothing, then downloads one shard (1/100) of them while listing all.
if [ "$EXTRAS" = 1 ] && [ "$LIST_KEYS" -gt 0 ]; then
  kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null # its memory back before the big store
  MANY_PORT=$(bench_free_port)
  log "listing test: storing $LIST_KEYS keys in an in-memory emulator"
  "$DENO" run -A bench/serve_many_keys.ts "$LIST_KEYS" "$MANY_PORT" >"$BENCH_TMP/logs/many.log" 2>&1 &
  EMU_PID=$!
  BENCH_PIDS+=($EMU_PID)
  for i in $(seq 1 1200); do grep -q '"url"' "$BENCH_TMP/logs/many.log" 2>/dev/null && break; sleep 0.5; done
  if grep -q '"url"' "$BENCH_TMP/logs/many.log"; then
    cp "$BENCH_TMP/logs/many.log" "$RAW/many_keys_server.json"
    MANY_URL="http://127.0.0.1:$MANY_PORT"
    for rt in deno bun; do
      run=("$DENO" run -A); [ $rt = bun ] && run=("$BUN")
      rm -rf "$OUT"; sync
      CMD=("${run[@]}" cli.ts get -r oss://many/k/ "$OUT" --endpoint "$MANY_URL" --exclude '*' --json)
      measure "list-only-$rt" L 1 "$OUT" 0
      rm -rf "$OUT"; sync
      CMD=("${run[@]}" cli.ts get -r oss://many/k/ "$OUT" --endpoint "$MANY_URL" --shard 0/100 --json)
      measure "shard-1of100-$rt" L 1 "$OUT" 0
    done
    rm -rf "$OUT"
  else
    log "the many-keys emulator did not start: $(tail -3 "$BENCH_TMP/logs/many.log")"
  fi
fi

mkdir -p bench/results
STAMP=$(date +%Y%m%d-%H%M%S)
"$DENO" run -A bench/many_objects_report.ts "$RAW" "bench/results/many-$STAMP.json" "$CODE" "$SCALE"
cp "bench/results/many-$STAMP.json" bench/results/many-latest.json 2>/dev/null || true
