/**
 * Throughput of the hashing path alone: CRC-64/XZ (`src/crc64/crc64.ts`, the project's
 * slicing-by-16 kernel; `--kernel hash-wasm` for hash-wasm's, the one used before) over a 64 MiB
 * buffer of pseudo-random bytes, fed in `--chunk` sized updates (the engine feeds one `chunkSize`
 * buffer at a time) until `--mib` MiB are hashed. Prints one JSON object.
 *
 * Usage: `deno run -A bench/crc_speed.ts [--mib 2048] [--chunk 1M] [--kernel ossdl|hash-wasm]` or
 * `bun bench/crc_speed.ts ...`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Crc64Hasher, createCrc64 } from "../src/crc64/crc64.ts";
import { parseSize } from "../src/cli/parse_size.ts";
import { ARGS, fillRandom, runtimeName, seedState } from "./_util.ts";

const { values: flags } = parseArgs({
  args: [...ARGS],
  options: { mib: { type: "string" }, chunk: { type: "string" }, kernel: { type: "string" } },
});
const kernel = flags.kernel ?? "ossdl";
if (kernel !== "ossdl" && kernel !== "hash-wasm") throw new Error(`unknown --kernel ${kernel}`);
const total = Number(flags.mib ?? 2048) * 1024 * 1024;
const chunk = parseSize(flags.chunk ?? "1M", "--chunk");
const buffer = new Uint8Array(64 << 20);
fillRandom(buffer, seedState(7));
const hasher: Crc64Hasher = kernel === "ossdl" ? await createCrc64() : await hashWasmCrc64();
// Warm up the WebAssembly code.
hasher.update(buffer.subarray(0, 8 << 20));
hasher.reset();
const started = performance.now();
let hashed = 0;
while (hashed < total) {
  for (let off = 0; off < buffer.length && hashed < total; off += chunk) {
    const view = buffer.subarray(off, Math.min(off + chunk, buffer.length));
    hasher.update(view);
    hashed += view.length;
  }
}
const digest = hasher.digest();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  runtime: runtimeName(),
  kernel,
  chunkBytes: chunk,
  bytes: hashed,
  seconds,
  mibPerSec: hashed / 1048576 / seconds,
  digest: digest.toString(),
}));

/** hash-wasm's CRC-64 behind the project's interface. */
async function hashWasmCrc64(): Promise<Crc64Hasher> {
  const { createCRC64 } = await import("hash-wasm");
  const h = await createCRC64();
  h.init();
  return {
    update: (data) => void h.update(data),
    digest: () => {
      const state = h.save();
      const hex = h.digest("hex");
      h.load(state);
      return BigInt("0x" + hex);
    },
    reset: () => void h.init(),
  };
}
