/**
 * Summarise a bench/sweep.sh run: one Markdown table per runtime (best first), the setting that
 * is closest to each runtime's best on all runtimes at once, and a JSON file in the results folder
 * (`sweep-<time>.json` and `sweep-latest.json`).
 *
 * Usage: `deno run -A bench/sweep_report.ts RAW_DIR RESULTS_DIR`
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { ARGS } from "./_util.ts";

interface Row {
  runtime: string;
  partSize: string;
  concurrency: number;
  chunkSize: string;
  commitBytes: string;
  writer?: string;
  maxWriteBytes?: string;
  commitIntervalMs: number;
  ok: boolean;
  bytes: number;
  wallS: number;
  userS: number;
  sysS: number;
  maxRssKiB: number;
}

interface Setting {
  key: string;
  runtime: string;
  partSize: string;
  concurrency: number;
  chunkSize: string;
  commitBytes: string;
  commitIntervalMs: number;
  runs: number;
  failures: number;
  mibPerSec: number;
  cpuSecondsPerGiB: number;
  peakRssMiB: number;
}

const [rawDir, resultsDir] = ARGS;
const MiB = 1048576;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const text = await readFile(`${rawDir}/sweep.jsonl`, "utf8");
const rows: Row[] = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const machine = JSON.parse(await readFile(`${rawDir}/machine.json`, "utf8").catch(() => "{}"));
const config = JSON.parse(await readFile(`${rawDir}/config.json`, "utf8").catch(() => "{}"));

const keyOf = (r: Row) =>
  `part=${r.partSize} conc=${r.concurrency} chunk=${r.chunkSize} commit=${r.commitBytes}/${r.commitIntervalMs}ms` +
  ` writes=${r.writer ?? "worker"}/${r.maxWriteBytes ?? "16K"}`;
const groups = new Map<string, Row[]>();
for (const r of rows) {
  const k = `${r.runtime}|${keyOf(r)}`;
  groups.set(k, [...(groups.get(k) ?? []), r]);
}
const settings: Setting[] = [...groups.values()].map((rs) => {
  const good = rs.filter((r) => r.ok);
  const r0 = rs[0];
  return {
    key: keyOf(r0),
    runtime: r0.runtime,
    partSize: r0.partSize,
    concurrency: r0.concurrency,
    chunkSize: r0.chunkSize,
    commitBytes: r0.commitBytes,
    commitIntervalMs: r0.commitIntervalMs,
    runs: rs.length,
    failures: rs.length - good.length,
    mibPerSec: median(good.map((r) => r.bytes / MiB / r.wallS)),
    cpuSecondsPerGiB: median(good.map((r) => (r.userS + r.sysS) / (r.bytes / (1024 * MiB)))),
    peakRssMiB: Math.max(0, ...good.map((r) => r.maxRssKiB / 1024)),
  };
});

const lines: string[] = [];
lines.push(
  `sweep: ${
    config.sizeBytes / MiB
  } MiB object from nginx over loopback, ${config.rounds} run(s) per setting; ` +
    `${machine.nproc} CPUs, kernel ${machine.kernel}, disk ${machine.disk}`,
);
const runtimes = [...new Set(settings.map((s) => s.runtime))];
for (const rt of runtimes) {
  const mine = settings.filter((s) => s.runtime === rt).sort((a, b) => b.mibPerSec - a.mibPerSec);
  lines.push("");
  lines.push(`${rt}:`);
  lines.push("| setting | MiB/s | CPU s/GiB | peak RSS MiB | ok |");
  lines.push("|---|---|---|---|---|");
  for (const s of mine) {
    lines.push(
      `| ${s.key} | ${s.mibPerSec.toFixed(0)} | ${s.cpuSecondsPerGiB.toFixed(2)} | ${
        s.peakRssMiB.toFixed(0)
      } | ${s.runs - s.failures}/${s.runs} |`,
    );
  }
}

// The grid setting (default commit) whose worst share of each runtime's best is highest.
const best = new Map(runtimes.map((rt) => [
  rt,
  Math.max(...settings.filter((s) => s.runtime === rt).map((s) => s.mibPerSec || 0)),
]));
const byKey = new Map<string, Setting[]>();
for (const s of settings) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
const scored = [...byKey.entries()]
  .filter(([, ss]) => ss.length === runtimes.length && ss.every((s) => s.failures === 0))
  .map(([key, ss]) => ({
    key,
    worstShare: Math.min(...ss.map((s) => s.mibPerSec / best.get(s.runtime)!)),
    perRuntime: Object.fromEntries(ss.map((s) => [s.runtime, Math.round(s.mibPerSec)])),
  }))
  .sort((a, b) => b.worstShare - a.worstShare);
lines.push("");
lines.push("settings closest to each runtime's best on all runtimes (worst share of the best):");
for (const s of scored.slice(0, 5)) {
  lines.push(
    `- ${s.key}: ${(100 * s.worstShare).toFixed(0)}% (${
      Object.entries(s.perRuntime).map(([rt, v]) => `${rt} ${v} MiB/s`).join(", ")
    })`,
  );
}
console.log(lines.join("\n"));

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = { date: new Date().toISOString(), machine, config, settings, ranking: scored, rows };
await writeFile(`${resultsDir}/sweep-${stamp}.json`, JSON.stringify(out, null, 2) + "\n");
await writeFile(`${resultsDir}/sweep-latest.json`, JSON.stringify(out, null, 2) + "\n");
console.log(`\nraw results: ${resultsDir}/sweep-${stamp}.json`);
