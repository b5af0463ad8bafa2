/**
 * Where the engine's time goes, with the network taken out: `download()` is fed from memory
 * (`memoryFetch`) and timed three ways, next to the hashing path alone and a plain file write:
 *
 * - `hash`: CRC-64 of the object in `chunkSize` updates (what verification costs on one thread);
 * - `engineNullFs`: `download()` into a file system that discards the data (engine CPU path:
 *   streams, copies, hashing, journal bookkeeping; no disk);
 * - `engineDisk`: `download()` into a real file in `--dir` (engine + page cache + fsyncs);
 * - `writeOnly`: the same bytes written to a file in `chunkSize` positional writes, one fdatasync
 *   at the end (what the disk path costs without the engine).
 *
 * The engine has no switch to turn verification off, so its cost is estimated as the hashing time
 * over the engine's time: JavaScript runs hashing on the one thread that also drives the streams,
 * so an engine without hashing would save at most that time.
 *
 * Usage: `deno run -A bench/engine_cost.ts --dir DIR [--mib 512] [--rounds 3]` (or with bun).
 * Prints one JSON object.
 *
 * @module
 */
import { open, rm } from "node:fs/promises";
import { crc64, download } from "../mod.ts";
import { createCrc64 } from "../src/crc64/crc64.ts";
import { memoryFetch, NullFileSystem } from "./_memory_fetch.ts";
import { parseArgs } from "node:util";
import { parseSize } from "../src/cli/parse_size.ts";
import { ARGS, fillRandom, runtimeName, seedState } from "./_util.ts";

const { values: flags } = parseArgs({
  args: [...ARGS],
  options: {
    dir: { type: "string" },
    mib: { type: "string" },
    rounds: { type: "string" },
    "chunk-size": { type: "string" },
    "part-size": { type: "string" },
    concurrency: { type: "string" },
  },
});
const dir = flags.dir ?? ".tmp";
const bytes = Number(flags.mib ?? 512) * 1024 * 1024;
const rounds = Number(flags.rounds ?? 3);
const chunkSize = parseSize(flags["chunk-size"] ?? "1M", "--chunk-size");
const partSize = flags["part-size"] ? parseSize(flags["part-size"], "--part-size") : undefined;
const concurrency = flags.concurrency ? Number(flags.concurrency) : undefined;

const data = new Uint8Array(bytes);
fillRandom(data, seedState(99));
const crc = await crc64(data);
const url = "http://bench.invalid/bench/object.bin";
const dest = `${dir}/engine-cost.bin`;

async function timeIt(run: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await run();
  return (performance.now() - t) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function hashOnly(): Promise<void> {
  const h = await createCrc64();
  for (let off = 0; off < data.length; off += chunkSize) {
    h.update(data.subarray(off, Math.min(off + chunkSize, data.length)));
  }
  if (h.digest() !== crc) throw new Error("hash mismatch");
}

async function engine(fs?: NullFileSystem): Promise<void> {
  const result = await download({
    source: url,
    destination: dest,
    fetch: memoryFetch(data, crc),
    fs,
    chunkSize,
    partSize,
    concurrency,
    resume: false,
  });
  if (!result.verified || result.bytes !== bytes) throw new Error("engine result not verified");
  if (!fs) await rm(dest, { force: true });
}

async function writeOnly(): Promise<void> {
  const file = await open(dest, "w");
  try {
    for (let off = 0; off < data.length; off += chunkSize) {
      const view = data.subarray(off, Math.min(off + chunkSize, data.length));
      let done = 0;
      while (done < view.length) {
        done += (await file.write(view, done, view.length - done, off + done)).bytesWritten;
      }
    }
    await file.datasync();
  } finally {
    await file.close();
  }
  await rm(dest, { force: true });
}

const cases: Record<string, () => Promise<void>> = {
  hash: hashOnly,
  engineNullFs: () => engine(new NullFileSystem()),
  engineDisk: () => engine(),
  writeOnly,
};
const seconds: Record<string, number[]> = {};
await hashOnly(); // warm up
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(cases)) {
    (seconds[name] ??= []).push(await timeIt(run));
  }
}
const mib = bytes / 1048576;
const med = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, median(v)]));
const rate = Object.fromEntries(Object.entries(med).map(([k, v]) => [k, mib / v]));
console.log(JSON.stringify({
  runtime: runtimeName(),
  bytes,
  chunkSize,
  rounds,
  seconds,
  medianSeconds: med,
  mibPerSec: rate,
  // Share of the engine's time spent hashing, and the engine's rate were hashing free.
  verifyShareNullFs: med.hash / med.engineNullFs,
  verifyShareDisk: med.hash / med.engineDisk,
  engineDiskWithoutHashMiBps: mib / Math.max(1e-9, med.engineDisk - med.hash),
}));
