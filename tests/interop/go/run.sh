#!/usr/bin/env bash
# Manual check (not part of CI): the Go SDK v1 against `ossdl serve`, in V1 and V4 mode.
# Needs Go >= 1.19. Online: the SDK comes from the Go module proxy. Offline: point SDK_DIR at a
# checkout of github.com/aliyun/aliyun-oss-go-sdk and XTIME_DIR at golang.org/x/time (<= v0.5.0
# for Go < 1.23); both are used through replace directives in a temporary go.mod (a go.mod is
# written into SDK_DIR when it has none: the SDK v1 predates modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
port=${PORT:-19000}
trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$here/go.mod" "$work/interop.mod"
if [ -n "${SDK_DIR:-}" ]; then
  [ -f "$SDK_DIR/go.mod" ] || printf 'module github.com/aliyun/aliyun-oss-go-sdk\n\ngo 1.19\n\nrequire golang.org/x/time v0.3.0\n' >"$SDK_DIR/go.mod"
  printf '\nreplace github.com/aliyun/aliyun-oss-go-sdk => %s\n' "$SDK_DIR" >>"$work/interop.mod"
  printf '\nreplace golang.org/x/time => %s\n' "${XTIME_DIR:?set XTIME_DIR too}" >>"$work/interop.mod"
  export GOPROXY=off
fi
(cd "$here" && GOFLAGS=-mod=mod go build -modfile="$work/interop.mod" -o "$work/interop" .)
mkdir -p "$work/root/my-bucket"
(cd "$repo" && node_modules/.bin/deno run -A cli.ts serve --root "$work/root" --port "$port" \
  --access-key-id test --access-key-secret test-secret --region cn-hangzhou) &
serve_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
for auth in v1 v4; do "$work/interop" -endpoint "http://127.0.0.1:$port" -auth "$auth"; done
