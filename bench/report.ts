/**
 * Turn the raw files of one bench/run.sh run into one table (stdout, Markdown) and one JSON file in
 * the results folder (`bench-<time>.json` and `latest.json`).
 *
 * Usage: `deno run -A bench/report.ts RAW_DIR RESULTS_DIR`
 *
 * @module
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { DEFAULTS } from "../mod.ts";
import { ARGS } from "./_util.ts";

type Json = Record<string, unknown>;

interface Run {
  round: number;
  tool: string;
  ok: boolean;
  identical: boolean | null;
  bytes: number;
  wallS: number;
  syncS: number;
  userS: number;
  sysS: number;
  maxRssKiB: number;
  leftoverFiles: number;
  load1?: number;
  command: string;
  result: Json | null;
}

const [rawDir, resultsDir] = ARGS;
const MiB = 1048576;

async function readJson(name: string): Promise<Json | null> {
  try {
    const text = (await readFile(`${rawDir}/${name}`, "utf8")).trim();
    return text ? JSON.parse(text.split("\n").pop()!) : null;
  } catch {
    return null;
  }
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (x: number, digits = 0): string => Number.isFinite(x) ? x.toFixed(digits) : "n/a";
const ratio = (x: number, base: number): string =>
  Number.isFinite(x) && Number.isFinite(base) && base > 0 ? `${(x / base).toFixed(2)}×` : "n/a";
const mib = (bytes: number | null | undefined): string =>
  typeof bytes === "number" && Number.isFinite(bytes) ? `${(bytes / MiB).toFixed(1)} MiB` : "n/a";

const machine = await readJson("machine.json") ?? {};
const config = await readJson("config.json") ?? {};
const runsText = await readFile(`${rawDir}/runs.jsonl`, "utf8").catch(() => "");
const runs: Run[] = runsText.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

const tools = [...new Set(runs.map((r) => r.tool))];
interface ToolSummary {
  tool: string;
  runs: number;
  failures: number;
  mibPerSec: number;
  mibPerSecWithSync: number;
  cpuSecondsPerGiB: number;
  peakRssMiB: number;
  wallS: number[];
  identical: boolean | null;
  leftoverFiles: number;
}
const summaries: ToolSummary[] = tools.map((tool) => {
  const all = runs.filter((r) => r.tool === tool);
  const good = all.filter((r) => r.ok);
  const gib = (r: Run) => r.bytes / (1024 * MiB);
  return {
    tool,
    runs: all.length,
    failures: all.length - good.length,
    mibPerSec: median(good.map((r) => r.bytes / MiB / r.wallS)),
    mibPerSecWithSync: median(good.map((r) => r.bytes / MiB / (r.wallS + r.syncS))),
    cpuSecondsPerGiB: median(good.map((r) => (r.userS + r.sysS) / gib(r))),
    peakRssMiB: Math.max(...good.map((r) => r.maxRssKiB / 1024)),
    wallS: all.map((r) => r.wallS),
    identical: all.some((r) => r.identical === false)
      ? false
      : all.some((r) => r.identical === true)
      ? true
      : null,
    leftoverFiles: Math.max(0, ...all.map((r) => r.leftoverFiles)),
  };
});
const base = summaries.find((s) => s.tool === "aria2c");
const curl = summaries.find((s) => s.tool === "curl");

const lines: string[] = [];
const sizeMiB = Number(config.sizeBytes) / MiB;
lines.push(
  `ossdl bench: ${fmt(sizeMiB)} MiB object over loopback from nginx ${machine.nginx}, ` +
    `${config.rounds} round(s), page cache dropped between runs: ${
      config.dropCaches ? "yes" : "no"
    }, ossdl via ${config.cli ? `cli.ts ${config.cliArgs}`.trim() : "bench/dl.ts (no CLI)"}`,
);
lines.push(
  `machine: ${machine.nproc} CPUs (${machine.cpu}), ${
    fmt(Number(machine.memTotalKiB) / 1048576, 1)
  } GiB RAM, kernel ${machine.kernel}, disk ${machine.disk}; deno ${machine.deno}, bun ${machine.bun}, ` +
    `curl ${machine.curl}, aria2 ${machine.aria2}`,
);
lines.push(
  `load average (1 min) before each run: median ${
    fmt(median(runs.map((r) => r.load1 ?? NaN).filter(Number.isFinite)), 2)
  }, max ${fmt(Math.max(...runs.map((r) => r.load1 ?? 0)), 2)} (other work on the machine)`,
);
lines.push("");
lines.push(
  "| tool | ok runs | MiB/s (median) | × aria2c | MiB/s incl. sync | × aria2c | CPU s/GiB | × aria2c | peak RSS MiB | × aria2c |",
);
lines.push("|---|---|---|---|---|---|---|---|---|---|");
for (const s of summaries) {
  lines.push(
    `| ${s.tool} | ${s.runs - s.failures}/${s.runs}${s.identical === false ? " (DIFFERS)" : ""} | ${
      fmt(s.mibPerSec)
    } | ${ratio(s.mibPerSec, base?.mibPerSec ?? NaN)} | ${fmt(s.mibPerSecWithSync)} | ${
      ratio(s.mibPerSecWithSync, base?.mibPerSecWithSync ?? NaN)
    } | ${fmt(s.cpuSecondsPerGiB, 2)} | ${
      ratio(s.cpuSecondsPerGiB, base?.cpuSecondsPerGiB ?? NaN)
    } | ${fmt(s.peakRssMiB)} | ${ratio(s.peakRssMiB, base?.peakRssMiB ?? NaN)} |`,
  );
}

// Verification cost measured end to end: the same download with CRC-64 replaced by a no-op.
const verifyCost: Json[] = [];
for (const rt of ["deno", "bun"]) {
  const on = summaries.find((s) => s.tool === `ossdl-${rt}`);
  const off = summaries.find((s) => s.tool === `ossdl-${rt}-nocrc`);
  if (!on || !off) continue;
  verifyCost.push({
    runtime: rt,
    mibPerSecOn: on.mibPerSec,
    mibPerSecOff: off.mibPerSec,
    cost: 1 - on.mibPerSec / off.mibPerSec,
    cpuSecondsPerGiBOn: on.cpuSecondsPerGiB,
    cpuSecondsPerGiBOff: off.cpuSecondsPerGiB,
  });
}
if (verifyCost.length) {
  lines.push("");
  lines.push(
    "verification cost, measured (same rounds, CRC-64 swapped for a no-op; cost = 1 - on/off):",
  );
  for (const v of verifyCost) {
    lines.push(
      `- ${v.runtime}: ${fmt(Number(v.mibPerSecOn))} MiB/s with CRC vs ${
        fmt(Number(v.mibPerSecOff))
      } MiB/s without -> ${fmt(100 * Number(v.cost), 1)}% slower; CPU ${
        fmt(Number(v.cpuSecondsPerGiBOn), 2)
      } vs ${fmt(Number(v.cpuSecondsPerGiBOff), 2)} s/GiB`,
    );
  }
}

const crc = { deno: await readJson("crc_deno.json"), bun: await readJson("crc_bun.json") };
const cost = {
  deno: await readJson("engine_cost_deno.json"),
  bun: await readJson("engine_cost_bun.json"),
};
const files = await readdir(rawDir).catch(() => [] as string[]);
const kills: Record<string, Json | null> = {};
for (const f of files.filter((f) => f.startsWith("kill_")).sort()) {
  kills[f.replace(/^kill_|\.json$/g, "")] = await readJson(f);
}

if (crc.deno || crc.bun) {
  lines.push("");
  lines.push(
    `CRC-64 hashing path alone (1 MiB updates): deno ${fmt(Number(crc.deno?.mibPerSec))} MiB/s, ` +
      `bun ${fmt(Number(crc.bun?.mibPerSec))} MiB/s`,
  );
}
if (cost.deno || cost.bun) {
  lines.push("");
  lines.push(
    "| engine fed from memory | hash only MiB/s | engine, null fs MiB/s | engine, disk MiB/s | plain write MiB/s | hashing share (null fs) | hashing share (disk) |",
  );
  lines.push("|---|---|---|---|---|---|---|");
  for (const [rt, c] of Object.entries(cost)) {
    if (!c) continue;
    const r = c.mibPerSec as Record<string, number>;
    lines.push(
      `| ${rt} (${fmt(Number(c.bytes) / MiB)} MiB) | ${fmt(r.hash)} | ${fmt(r.engineNullFs)} | ${
        fmt(r.engineDisk)
      } | ${fmt(r.writeOnly)} | ${fmt(100 * Number(c.verifyShareNullFs), 1)}% | ${
        fmt(100 * Number(c.verifyShareDisk), 1)
      }% |`,
    );
  }
}
const bound = DEFAULTS.concurrency * DEFAULTS.commitBytes;
if (Object.keys(kills).length) {
  lines.push("");
  lines.push(
    `| kill -9 at 40% | killed by | received at kill | nginx sent | resumed (durable) | re-fetched (low..high) | bound ${DEFAULTS.concurrency} × ${
      DEFAULTS.commitBytes / MiB
    } MiB | over-fetch in rerun | rerun verified |`,
  );
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const [name, k] of Object.entries(kills)) {
    if (!k) continue;
    const first = k.firstRun as Json;
    const second = k.secondRun as Json;
    lines.push(
      `| ${name} | ${first?.killed ? k.killedBy : "not killed (finished first)"} | ${
        mib(k.receivedAtKill as number)
      } | ${mib(k.sentAtKill as number)} | ${mib(k.resumedBytes as number)} | ${
        mib(k.refetched as number)
      } .. ${mib(k.refetchedUpperBound as number)} | ${mib(bound)} | ${
        mib(k.overFetch as number)
      } | ${second?.verified} |`,
    );
  }
}

// Targets.
interface Target {
  target: string;
  kind: "ratio" | "percent" | "mib" | "bytes";
  value: number;
  upperBound?: number | null;
  met: boolean;
}
const targets: Target[] = [];
for (const rt of ["ossdl-deno", "ossdl-bun"]) { // verification and journal on
  const s = summaries.find((x) => x.tool === rt);
  if (!s || !base) continue;
  targets.push({
    target: `${rt} throughput >= 1.0x aria2c`,
    kind: "ratio",
    value: s.mibPerSec / base.mibPerSec,
    met: s.mibPerSec >= base.mibPerSec,
  });
}
for (const v of verifyCost) {
  targets.push({
    target: `verification costs < 10% (${v.runtime}, measured with CRC-64 on vs off)`,
    kind: "percent",
    value: Number(v.cost),
    met: Number(v.cost) < 0.1,
  });
}
if (verifyCost.length === 0) {
  for (const [rt, c] of Object.entries(cost)) {
    if (!c) continue;
    targets.push({
      target: `verification costs < 10% (${rt}, hashing share of engine time to disk)`,
      kind: "percent",
      value: Number(c.verifyShareDisk),
      met: Number(c.verifyShareDisk) < 0.1,
    });
  }
}
// Issue 14 (lean): durable throughput against curl and aria2c, --no-fsync plain wall time against
// curl, peak RSS <= 64 MiB, CPU <= aria2c's plus the standalone CRC-64 cost of the same bytes.
const crcSecondsPerGiB = (rt: string): number | null => {
  const c = crc[rt as "deno" | "bun"] as { mibPerSec?: number } | null | undefined;
  return c?.mibPerSec ? 1024 / c.mibPerSec : null;
};
for (const rt of ["deno", "bun"]) {
  const s = summaries.find((x) => x.tool === `ossdl-${rt}`);
  if (s && curl) {
    targets.push({
      target: `ossdl-${rt} durable (incl. sync) >= 1.1x curl`,
      kind: "ratio",
      value: s.mibPerSecWithSync / curl.mibPerSecWithSync,
      met: s.mibPerSecWithSync >= 1.1 * curl.mibPerSecWithSync,
    });
  }
  if (s && base) {
    targets.push({
      target: `ossdl-${rt} durable (incl. sync) >= 1.0x aria2c`,
      kind: "ratio",
      value: s.mibPerSecWithSync / base.mibPerSecWithSync,
      met: s.mibPerSecWithSync >= base.mibPerSecWithSync,
    });
  }
  const n = summaries.find((x) => x.tool === `ossdl-${rt}-nofsync`);
  if (n && curl) {
    targets.push({
      target: `ossdl-${rt}-nofsync plain wall time >= 1.0x curl`,
      kind: "ratio",
      value: n.mibPerSec / curl.mibPerSec,
      met: n.mibPerSec >= curl.mibPerSec,
    });
  }
  for (const t of [s, n]) {
    if (!t) continue;
    targets.push({
      target: `${t.tool} peak RSS <= 64 MiB`,
      kind: "mib",
      value: t.peakRssMiB,
      met: t.peakRssMiB <= 64,
    });
  }
  const hash = crcSecondsPerGiB(rt);
  if (s && base && hash !== null) {
    targets.push({
      target: `ossdl-${rt} CPU s/GiB <= aria2c + CRC-64 alone (${fmt(base.cpuSecondsPerGiB, 2)} + ${
        fmt(hash, 2)
      })`,
      kind: "ratio",
      value: s.cpuSecondsPerGiB / (base.cpuSecondsPerGiB + hash),
      met: s.cpuSecondsPerGiB <= base.cpuSecondsPerGiB + hash,
    });
  }
}
const ossdlRss = summaries.filter((s) => s.tool.startsWith("ossdl") && !s.tool.endsWith("-nocrc"))
  .map((s) => s.peakRssMiB);
if (ossdlRss.length) {
  const peak = Math.max(...ossdlRss);
  targets.push({ target: "peak RSS < 256 MiB", kind: "mib", value: peak, met: peak < 256 });
}
for (const [name, k] of Object.entries(kills)) {
  if (!k || typeof k.refetched !== "number") continue;
  targets.push({
    target: `re-fetched after kill < concurrency × commitBytes (${name})`,
    kind: "bytes",
    value: k.refetched,
    upperBound: k.refetchedUpperBound as number | null,
    met: k.refetched < bound,
  });
}
if (targets.length) {
  lines.push("");
  lines.push("targets:");
  for (const t of targets) {
    const v = t.value;
    const shown = t.kind === "mib"
      ? `${fmt(v)} MiB`
      : t.kind === "bytes"
      ? `${mib(v)} (upper bound ${mib(t.upperBound)})`
      : t.kind === "percent"
      ? `${fmt(100 * v, 1)}%`
      : `${v.toFixed(2)}×`;
    lines.push(`- ${t.target}: ${shown} -> ${t.met ? "met" : "NOT met"}`);
  }
}
console.log(lines.join("\n"));

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const out = {
  date: new Date().toISOString(),
  machine,
  config,
  summary: summaries,
  runs,
  crc,
  engineCost: cost,
  verifyCost,
  killResume: kills,
  defaults: DEFAULTS,
  targets,
  table: lines.join("\n"),
};
await writeFile(`${resultsDir}/bench-${stamp}.json`, JSON.stringify(out, null, 2) + "\n");
await writeFile(`${resultsDir}/latest.json`, JSON.stringify(out, null, 2) + "\n");
console.log(`\nraw results: ${resultsDir}/bench-${stamp}.json`);
