#!/usr/bin/env bash
# The core (download, journal, oss, credentials, crc64, the emulator's handler) must use web standards only:
# Deno.*, Bun.*, process.* and node:* belong in the adapters.
cd "$(dirname "$0")/.."
bad=$(grep -nE '\bDeno\.|\bBun\.|\bprocess\.|"node:' \
  src/download/*.ts src/batch/*.ts src/stream/*.ts src/throttle/*.ts src/proxy/*.ts src/verify/*.ts src/journal/*.ts src/oss/*.ts src/credentials/*.ts src/crc64/*.ts src/emulator/*.ts src/path.ts src/errors.ts src/seeded_random.ts mod.ts 2>/dev/null \
  | grep -vE '^src/emulator/(serve_|directory_store_node)' | grep -vE ':\s*(//|\*)' | grep -v 'Symbol.for(')
if [ -n "$bad" ]; then
  echo "runtime globals in core files:"; echo "$bad"; exit 1
fi
