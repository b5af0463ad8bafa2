#!/usr/bin/env bash
# The one gate: formatting, lint, type check, publish dry-run, then every test on Deno and on Bun,
# and the ali-oss interop tests on Node. Ends with one line "N passed, N failed" summing all three.
# Exit status non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/bun ] || [ ! -d node_modules/hash-wasm ]; then
  npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund || exit 1
fi
DENO=node_modules/.bin/deno
BUN=node_modules/.bin/bun
export NO_COLOR=1
passed=0
failed=0
step() { # name, command...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
step "deno fmt --check" $DENO fmt --check
step "deno lint" $DENO lint
step "deno check" $DENO check mod.ts cli.ts emulator.ts src/ tests/ bench/
step "deno doc --lint (public API documented)" $DENO doc --lint mod.ts emulator.ts
step "core uses no runtime globals" bash scripts/check_core.sh
step "deno publish --dry-run" $DENO publish --dry-run --allow-dirty
mkdir -p .tmp
# The single binary: build it with Bun and run a real download with it (the demo serves an object
# from the emulator on 127.0.0.1 and downloads, verifies and reads it back), and check that the
# binary found its block-writer worker (an extra entry point of the build, as is the CRC-64 worker
# of stdout mode).
build_and_run_binary() {
  $BUN build --compile cli.ts src/fs/block_writer_worker.ts src/stream/crc_worker.ts \
    --outfile .tmp/ossdl-bun >/dev/null &&
    .tmp/ossdl-bun demo --size 80MiB --json >.tmp/binary-demo.json &&
    grep -q '"writesOffThread":true' .tmp/binary-demo.json &&
    tail -1 .tmp/binary-demo.json && rm -f .tmp/ossdl-bun
}
step "bun build --compile binary downloads from the emulator" build_and_run_binary
$DENO test -A --no-check tests/ 2>&1 | tee .tmp/deno-test.log
deno_status=${PIPESTATUS[0]}
$BUN test --timeout 60000 tests/ 2>&1 | tee .tmp/bun-test.log
bun_status=${PIPESTATUS[0]}
# Node: the interop tests with the official SDK (ali-oss), under `node --test`. Node before 22.6
# cannot import .ts files, so Bun bundles them first (ali-oss and hash-wasm stay external).
node_interop_tests() {
  rm -rf .tmp/node-tests &&
    $BUN build tests/ali_oss_interop_test.ts --target=node --format=esm --outdir .tmp/node-tests \
      --external ali-oss --external hash-wasm >/dev/null &&
    node --test .tmp/node-tests/
}
node_interop_tests 2>&1 | tee .tmp/node-test.log
node_status=${PIPESTATUS[0]}
dp=$(grep -Eo '[0-9]+ passed' .tmp/deno-test.log | tail -1 | grep -Eo '[0-9]+')
df=$(grep -Eo '[0-9]+ failed' .tmp/deno-test.log | tail -1 | grep -Eo '[0-9]+')
bp=$(grep -E '^ *[0-9]+ pass$' .tmp/bun-test.log | tail -1 | grep -Eo '[0-9]+')
bf=$(grep -E '^ *[0-9]+ fail$' .tmp/bun-test.log | tail -1 | grep -Eo '[0-9]+')
np=$(grep -E '^# pass [0-9]+$' .tmp/node-test.log | tail -1 | grep -Eo '[0-9]+')
nf=$(grep -E '^# fail [0-9]+$' .tmp/node-test.log | tail -1 | grep -Eo '[0-9]+')
dp=${dp:-0}; df=${df:-0}; bp=${bp:-0}; bf=${bf:-0}; np=${np:-0}; nf=${nf:-0}
if [ "$deno_status" -ne 0 ] && [ "$df" -eq 0 ]; then df=1; fi
if [ "$bun_status" -ne 0 ] && [ "$bf" -eq 0 ]; then bf=1; fi
if [ "$node_status" -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; fi
echo "deno: $dp passed, $df failed; bun: $bp passed, $bf failed; node: $np passed, $nf failed; gate steps: $passed passed, $failed failed"
total_passed=$((dp + bp + np + passed))
total_failed=$((df + bf + nf + failed))
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
