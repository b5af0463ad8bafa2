/**
 * What the read-back on resume costs. A resumed download reads every byte kept from the earlier
 * run back from the partial file and checks it against the journal's CRC-64 before trusting it
 * (src/download/verify_kept.ts). Measured here, in one run and on one disk:
 *
 * - `fullSeconds`: a whole download of the object (fed from memory, so the network is not the
 *   bottleneck: the most unfavourable comparison for the read-back) into `--dir`;
 * - `readBackSeconds`: the read-back alone over the bytes kept by a download aborted at
 *   `--kept` of the object (the partial file is in the page cache, as right after an interruption);
 * - `readBackColdSeconds`: the same after `sync` and dropping the page cache (as after a reboot;
 *   only when /proc/sys/vm/drop_caches is writable, i.e. as root);
 * - `resumeSeconds`: the resumed download itself (read-back + fetching the rest + finish).
 *
 * Usage: `deno run -A bench/read_back.ts --dir DIR [--mib 1024] [--kept 0.9] [--rounds 3]` (or
 * with bun). Prints one JSON object.
 *
 * @module
 */
import { rm, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { crc64, download } from "../mod.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import { replayJournal } from "../src/journal/journal.ts";
import { verifyKept } from "../src/download/verify_kept.ts";
import { memoryFetch } from "./_memory_fetch.ts";
import { ARGS, fillRandom, runtimeName, seedState } from "./_util.ts";

const { values: flags } = parseArgs({
  args: [...ARGS],
  options: {
    dir: { type: "string" },
    mib: { type: "string" },
    kept: { type: "string" },
    rounds: { type: "string" },
  },
});
const dir = flags.dir ?? ".tmp";
const bytes = Number(flags.mib ?? 1024) * 1024 * 1024;
const keptShare = Number(flags.kept ?? 0.9);
const rounds = Number(flags.rounds ?? 3);

const data = new Uint8Array(bytes);
fillRandom(data, seedState(7));
const crc = await crc64(data);
const url = "http://bench.invalid/bench/object.bin";
const dest = `${dir}/read-back.bin`;
const fs = await defaultFileSystem();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function clean(): Promise<void> {
  for (const suffix of ["", ".ossdl-part", ".ossdl-journal", ".ossdl-lock"]) {
    await rm(dest + suffix, { force: true });
  }
}

async function dropCaches(): Promise<boolean> {
  try {
    execFileSync("sync");
    // Needs root; elsewhere the cold figure is left out.
    await writeFile("/proc/sys/vm/drop_caches", "3\n");
    return true;
  } catch {
    return false;
  }
}

async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await run();
  return [(performance.now() - t) / 1000, value];
}

async function full(): Promise<number> {
  await clean();
  const [s, result] = await timed(() =>
    download({ source: url, destination: dest, fetch: memoryFetch(data, crc), resume: false })
  );
  if (!result.verified) throw new Error("not verified");
  await clean();
  return s;
}

/** Leave a partial download holding about `keptShare` of the object. */
async function interrupt(): Promise<void> {
  await clean();
  const controller = new AbortController();
  await download({
    source: url,
    destination: dest,
    fetch: memoryFetch(data, crc),
    signal: controller.signal,
    progressIntervalMs: 0,
    onProgress: (p) => {
      if (p.bytesDone >= bytes * keptShare) controller.abort();
    },
  }).then(() => {
    throw new Error("the download finished before it could be interrupted");
  }, () => {});
}

async function readBack(): Promise<[number, number]> {
  const replay = await replayJournal(await fs.readFile(dest + ".ossdl-journal"));
  const file = await fs.open(dest + ".ossdl-part", { readOnly: true });
  try {
    const [s, check] = await timed(() => verifyKept(file, replay.segments, 0));
    if (check.damaged.length > 0) throw new Error("damaged kept bytes in the benchmark");
    return [s, check.bytesRead];
  } finally {
    await file.close();
  }
}

const out: Record<string, number[]> = {
  fullSeconds: [],
  readBackSeconds: [],
  readBackColdSeconds: [],
  resumeSeconds: [],
  keptBytes: [],
};
for (let r = 0; r < rounds; r++) {
  out.fullSeconds.push(await full());
  await interrupt();
  const [warm, kept] = await readBack();
  out.readBackSeconds.push(warm);
  out.keptBytes.push(kept);
  if (await dropCaches()) out.readBackColdSeconds.push((await readBack())[0]);
  const [s, result] = await timed(() =>
    download({ source: url, destination: dest, fetch: memoryFetch(data, crc) })
  );
  if (!result.verified || result.bytesReadBack !== kept) throw new Error("resume not as expected");
  out.resumeSeconds.push(s);
  await clean();
}
const gib = (n: number) => n / 1024 ** 3;
const med = Object.fromEntries(
  Object.entries(out).map(([k, v]) => [k, v.length ? median(v) : null]),
);
const kept = med.keptBytes!;
console.log(JSON.stringify({
  runtime: runtimeName(),
  bytes,
  rounds,
  ...out,
  median: med,
  // Seconds the read-back adds per GiB kept, and the same as a share of downloading that GiB.
  readBackSecondsPerGiB: med.readBackSeconds! / gib(kept),
  readBackColdSecondsPerGiB: med.readBackColdSeconds === null
    ? null
    : med.readBackColdSeconds / gib(kept),
  downloadSecondsPerGiB: med.fullSeconds! / gib(bytes),
  readBackShareOfDownload: (med.readBackSeconds! / gib(kept)) / (med.fullSeconds! / gib(bytes)),
}));
