/**
 * Write `SIZE_MIB` MiB of seeded pseudo-random bytes to `PATH` and print its CRC-64/XZ (computed
 * with the project's `src/crc64/crc64.ts`) as JSON: `{"path", "bytes", "crc64"}`.
 *
 * Usage: `deno run -A bench/make_object.ts PATH SIZE_MIB [--seed N]`
 *
 * @module
 */
import { createCrc64 } from "../src/crc64/crc64.ts";
import { parseArgs } from "node:util";
import { ARGS, seedState, writeSeededFile } from "./_util.ts";

const { positionals: positional, values: flags } = parseArgs({
  args: [...ARGS],
  allowPositionals: true,
  options: { seed: { type: "string" } },
});
const [path, sizeText] = positional;
if (!path || !sizeText) {
  console.error("usage: make_object.ts PATH SIZE_MIB [--seed N]");
  throw new Error("missing arguments");
}
const bytes = Math.round(Number(sizeText) * 1024 * 1024);
const state = seedState(Number(flags.seed ?? 20240601));
const block = new Uint8Array(4 << 20);
const hasher = await createCrc64();
await writeSeededFile(path, bytes, state, hasher, block);
console.log(JSON.stringify({ path, bytes, crc64: hasher.digest().toString() }));
