/**
 * Write a tree of seeded pseudo-random files for `bench/many_objects.sh` and print one line per
 * file, `<relative path>\t<size>\t<CRC-64/XZ decimal>` (computed with `src/crc64/crc64.ts`), so the
 * script can give nginx the per-file `x-oss-hash-crc64ecma` and aria2c its URL list. Each file has
 * its own seed (the run's seed + its index), so no two files are equal.
 *
 * `--spec` is a comma-separated list of `COUNTxSIZE` groups (SIZE as for the CLI: 256K, 16KiB,
 * 256M); group `g` goes to `DIR/g<g>/` in sub-directories of `--per-dir` files each
 * (`DIR/g0/d000/f000000.bin`), one group with one file per folder is flat.
 *
 * Usage: `deno run -A bench/make_tree.ts DIR --spec 2000x256K,4x256M [--per-dir 100] [--seed N]`
 *
 * @module
 */
import { mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createCrc64 } from "../src/crc64/crc64.ts";
import { parseSize } from "../src/cli/parse_size.ts";
import { ARGS, seedState, writeSeededFile } from "./_util.ts";

const { positionals, values: flags } = parseArgs({
  args: [...ARGS],
  allowPositionals: true,
  options: {
    spec: { type: "string" },
    "per-dir": { type: "string" },
    seed: { type: "string" },
  },
});
const [dir] = positionals;
if (!dir || !flags.spec) {
  console.error(
    "usage: make_tree.ts DIR --spec COUNTxSIZE[,COUNTxSIZE...] [--per-dir N] [--seed N]",
  );
  throw new Error("missing arguments");
}
const perDir = Number(flags["per-dir"] ?? 100);
const seed = Number(flags.seed ?? 20240601);
const groups = flags.spec.split(",").map((g) => {
  const m = /^(\d+)x(.+)$/.exec(g.trim());
  if (!m) throw new Error(`bad group ${g}: want COUNTxSIZE`);
  return { count: Number(m[1]), size: parseSize(m[2]) };
});

const block = new Uint8Array(4 << 20);
const hasher = await createCrc64();
const lines: string[] = [];
let index = 0;
for (let g = 0; g < groups.length; g++) {
  const { count, size } = groups[g];
  const digits = String(Math.max(0, count - 1)).length;
  const dirDigits = String(Math.max(0, Math.ceil(count / perDir) - 1)).length;
  for (let i = 0; i < count; i++, index++) {
    const sub = count > perDir
      ? `/d${String(Math.floor(i / perDir)).padStart(dirDigits, "0")}`
      : "";
    const rel = `g${g}${sub}/f${String(i).padStart(digits, "0")}.bin`;
    await mkdir(`${dir}/g${g}${sub}`, { recursive: true });
    const state = seedState(seed + index);
    hasher.reset();
    await writeSeededFile(`${dir}/${rel}`, size, state, hasher, block);
    lines.push(`${rel}\t${size}\t${hasher.digest().toString()}`);
  }
}
console.log(lines.join("\n"));
