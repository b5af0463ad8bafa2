# Shared helpers of bench/run.sh and bench/sweep.sh (sourced, not run).
# Every server started here is recorded and stopped by bench_cleanup, which the callers trap on EXIT.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DENO="$BENCH_ROOT/node_modules/.bin/deno"
BUN="$BENCH_ROOT/node_modules/.bin/bun"
BENCH_PIDS=()
BENCH_TMP=""
BENCH_POLICY_RC=""

log() { echo "bench: $*" >&2; }

# Install what is missing from Debian's packages; apt-get update only when something is missing.
# Extra arguments are more commands to have, as COMMAND:PACKAGE (e.g. rclone:rclone).
bench_ensure_packages() {
  local missing=() extra
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v aria2c >/dev/null 2>&1 || missing+=(aria2)
  [ -x /usr/bin/time ] || missing+=(time)
  for extra in "$@"; do
    command -v "${extra%%:*}" >/dev/null 2>&1 || missing+=("${extra#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]} and not root: install them and run again"
    return 1
  fi
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's own nginx service from starting: a policy-rc.d that denies every start.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    BENCH_POLICY_RC=/usr/sbin/policy-rc.d
  fi
  apt-get update -qq >/dev/null || log "apt-get update failed"
  local pkgs=() p
  for p in "${missing[@]}"; do
    if [ "$p" = nginx ]; then
      if apt-cache show nginx-light >/dev/null 2>&1; then pkgs+=(nginx-light); else pkgs+=(nginx); fi
    else
      pkgs+=("$p")
    fi
  done
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  local status=$?
  if [ -n "$BENCH_POLICY_RC" ]; then rm -f "$BENCH_POLICY_RC"; BENCH_POLICY_RC=""; fi
  # A package that started its service anyway (no policy-rc.d support): stop it.
  if command -v service >/dev/null 2>&1 && [ -e /run/nginx.pid ]; then
    service nginx stop >/dev/null 2>&1 || true
  fi
  return $status
}

bench_nginx_bin() {
  command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

# A free TCP port on 127.0.0.1.
bench_free_port() {
  "$DENO" eval 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(l.addr.port); l.close();'
}

# Wait until http://127.0.0.1:$1/ answers anything (max ~60 s).
bench_wait_port() {
  local port=$1 i
  for i in $(seq 1 600); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

bench_make_tmp() {
  local base=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
  BENCH_TMP=$(mktemp -d "$base/ossdl-bench.XXXXXX")
  mkdir -p "$BENCH_TMP/root/bench" "$BENCH_TMP/out" "$BENCH_TMP/nginx" "$BENCH_TMP/logs"
  chmod 755 "$BENCH_TMP" "$BENCH_TMP/root" "$BENCH_TMP/root/bench"
}

# Generate the object: bench_make_object SIZE_MIB -> sets OBJECT, OBJECT_CRC.
bench_make_object() {
  OBJECT="$BENCH_TMP/root/bench/object.bin"
  local info
  info=$("$DENO" run -A "$BENCH_ROOT/bench/make_object.ts" "$OBJECT" "$1") || return 1
  OBJECT_CRC=$(echo "$info" | sed -n 's/.*"crc64":"\([0-9]*\)".*/\1/p')
  [ -n "$OBJECT_CRC" ] || { log "make_object printed no crc64: $info"; return 1; }
}

# Start nginx serving $BENCH_TMP/root with the CRC header -> sets NGINX_PORT, NGINX_URL.
bench_start_nginx() {
  NGINX_PORT=$(bench_free_port)
  local d="$BENCH_TMP/nginx"
  cat >"$d/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 512; }
http {
  default_type application/octet-stream;
  log_format bytes '\$msec \$status \$body_bytes_sent \$http_range';
  access_log $d/access.log bytes;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $BENCH_TMP/root;
    etag on;
    location / {
      add_header x-oss-hash-crc64ecma $OBJECT_CRC always;
    }
  }
}
EOF
  "$(bench_nginx_bin)" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" >"$d/stdout.log" 2>&1 &
  BENCH_PIDS+=($!)
  bench_wait_port "$NGINX_PORT" || { log "nginx did not start:"; cat "$d/error.log" "$d/stdout.log" >&2; return 1; }
  NGINX_URL="http://127.0.0.1:$NGINX_PORT/bench/object.bin"
}

# Try to empty the page cache (root, writable /proc); silently do nothing when not allowed.
bench_drop_caches() {
  sync
  { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null || true
}

bench_can_drop_caches() {
  sync
  { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
  if [ -n "$BENCH_POLICY_RC" ]; then rm -f "$BENCH_POLICY_RC"; fi
  if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ] && [ -z "${BENCH_KEEP_TMP:-}" ]; then
    rm -rf "$BENCH_TMP"
  fi
}

# Machine facts as JSON.
bench_machine_json() {
  local df_line
  df_line=$(df -hT "$BENCH_TMP" | tail -1 | awk '{print $1" "$2" size "$3" avail "$5}')
  printf '{"nproc":%s,"memTotalKiB":%s,"kernel":"%s","cpu":"%s","disk":"%s","deno":"%s","bun":"%s","nginx":"%s","curl":"%s","aria2":"%s"}' \
    "$(nproc)" \
    "$(awk '/MemTotal/{print $2}' /proc/meminfo)" \
    "$(uname -r)" \
    "$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo | tr -d '"')" \
    "$df_line" \
    "$("$DENO" --version | head -1 | awk '{print $2}')" \
    "$("$BUN" --version)" \
    "$("$(bench_nginx_bin)" -v 2>&1 | sed 's|.*nginx/||')" \
    "$(curl --version | head -1 | awk '{print $2}')" \
    "$(aria2c --version | head -1 | awk '{print $3}')"
}
