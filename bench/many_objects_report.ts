/**
 * Turn the raw records of `bench/many_objects.sh` into Markdown tables (stdout) and one JSON file.
 *
 * Usage: `deno run -A bench/many_objects_report.ts RAW_DIR OUT_JSON [COMMIT] [SCALE]`
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { ARGS } from "./_util.ts";

interface Run {
  label: string;
  workload: string;
  round: number;
  rc: number;
  wall: number;
  process: number;
  sync: number;
  user: number;
  sys: number;
  rssKiB: number;
  nginxCpu: number;
  emulatorCpu: number;
  machineBusy: number;
  machineIowait: number;
  requests: number;
  files: number;
  bytes: number;
  identical: boolean | null;
  load: number;
  result: Record<string, unknown> | null;
}
interface Workload {
  workload: string;
  spec: string;
  objects: number;
  bytes: number;
}

const [rawDir, outJson, commit = "", scale = "1"] = ARGS;
const lines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) =>
      JSON.parse(l)
    )
    : [];
const runs: Run[] = lines(`${rawDir}/runs.jsonl`);
const workloads: Workload[] = lines(`${rawDir}/workloads.jsonl`);
const machine = existsSync(`${rawDir}/machine.json`)
  ? JSON.parse(readFileSync(`${rawDir}/machine.json`, "utf8"))
  : {};
const manyServer = lines(`${rawDir}/many_keys_server.json`)[0] ?? null;

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x: number, d = 2) => Number.isFinite(x) ? x.toFixed(d) : "-";
const MiB = 1024 * 1024;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A run counts when the tool succeeded and (when checked) its files equal the source's. */
const ok = (r: Run, w: Workload) =>
  r.rc === 0 && r.identical !== false && r.files === w.objects && r.bytes === w.bytes;

interface Summary {
  label: string;
  ok: number;
  runs: number;
  wall: number;
  wallMin: number;
  wallMax: number;
  sync: number;
  cpu: number;
  nginx: number;
  emulator: number;
  machine: number;
  iowait: number;
  rssMiB: number;
  requests: number;
  verified: string;
}
const summaries: Record<string, Summary[]> = {};
const out: string[] = [];
out.push(
  `Machine: ${machine.nproc} vCPUs, kernel ${machine.kernel}, Deno ${machine.deno}, Bun ${machine.bun}, ` +
    `nginx ${machine.nginx}, aria2 ${machine.aria2}; commit ${commit}; scale 1/${scale}.`,
);
for (const w of workloads) {
  const mine = runs.filter((r) => r.workload === w.workload && !r.label.endsWith("-rerun"));
  const labels = [...new Set(mine.map((r) => r.label))];
  const rows: Summary[] = labels.map((label) => {
    const all = mine.filter((r) => r.label === label);
    const good = all.filter((r) => ok(r, w));
    const use = good.length > 0 ? good : all;
    const checked = all.filter((r) => r.identical !== null);
    return {
      label,
      ok: good.length,
      runs: all.length,
      wall: median(use.map((r) => r.wall)),
      wallMin: Math.min(...use.map((r) => r.wall)),
      wallMax: Math.max(...use.map((r) => r.wall)),
      sync: median(use.map((r) => r.sync)),
      cpu: median(use.map((r) => r.user + r.sys)),
      nginx: median(use.map((r) => r.nginxCpu)),
      emulator: median(use.map((r) => r.emulatorCpu)),
      machine: median(use.map((r) => r.machineBusy)),
      iowait: median(use.map((r) => r.machineIowait)),
      rssMiB: Math.max(...use.map((r) => r.rssKiB)) / 1024,
      requests: median(use.map((r) => r.requests)),
      verified: checked.length === 0
        ? "not checked"
        : `${checked.filter((r) => r.identical).length}/${checked.length} identical`,
    };
  });
  summaries[w.workload] = rows;
  const peer = (name: string) => rows.find((r) => r.label === name)?.wall ?? NaN;
  const aria = peer("aria2c"), rclone = peer("rclone");
  out.push("");
  out.push(
    `Workload ${w.workload}: ${w.spec} (${w.objects} objects, ${f(w.bytes / MiB, 0)} MiB); ` +
      `medians over rounds; "× peer" = the peer's wall time / this one's (> 1: faster than the peer).`,
  );
  out.push("");
  out.push(table(
    [
      "tool",
      "ok runs",
      "wall s incl. sync (min-max)",
      "of which sync",
      "MiB/s",
      "objects/s",
      "× aria2c",
      "× rclone",
      "client CPU s",
      "nginx CPU s",
      "emulator CPU s",
      "machine busy CPU s",
      "peak RSS MiB",
      "requests",
      "output = source",
    ],
    rows.map((r) => [
      r.label,
      `${r.ok}/${r.runs}`,
      `${f(r.wall)} (${f(r.wallMin)}-${f(r.wallMax)})`,
      f(r.sync),
      f(w.bytes / MiB / r.wall, 0),
      f(w.objects / r.wall, 0),
      `${f(aria / r.wall)}×`,
      `${f(rclone / r.wall)}×`,
      f(r.cpu),
      f(r.nginx),
      f(r.emulator),
      `${f(r.machine)} of ${f(2 * r.wall, 1)}`,
      f(r.rssMiB, 0),
      f(r.requests, 0),
      r.verified,
    ]),
  ));
}

const reruns = runs.filter((r) => r.label.endsWith("-rerun"));
if (reruns.length > 0) {
  out.push("");
  out.push("Rerun with nothing to do (workload A, right after a complete run, warm cache):");
  out.push("");
  const labels = [...new Set(reruns.map((r) => r.label))];
  out.push(table(
    ["tool", "runs", "wall s (median, max)", "client CPU s", "peak RSS MiB", "requests", "skipped"],
    labels.map((label) => {
      const rs = reruns.filter((r) => r.label === label);
      return [
        label,
        `${rs.filter((r) => r.rc === 0).length}/${rs.length}`,
        `${f(median(rs.map((r) => r.wall)))} (${f(Math.max(...rs.map((r) => r.wall)))})`,
        f(median(rs.map((r) => r.user + r.sys))),
        f(Math.max(...rs.map((r) => r.rssKiB)) / 1024, 0),
        f(median(rs.map((r) => r.requests)), 0),
        rs.map((r) => String(r.result?.skipped ?? "?")).join(", "),
      ];
    }),
  ));
}

const big = runs.filter((r) => r.workload === "M");
if (big.length > 0) {
  const a = workloads.find((w) => w.workload === "A");
  out.push("");
  out.push(
    `Big objects at once: the ${a ? a.spec.split(",")[1] : "big"} objects of workload A ` +
      "(`get -r oss://bkt/a/g1/ --jobs N`):",
  );
  out.push("");
  out.push(table(
    ["run", "rc", "wall s", "client CPU s", "peak RSS MiB"],
    big.map((r) => [r.label, String(r.rc), f(r.wall), f(r.user + r.sys), f(r.rssKiB / 1024, 0)]),
  ));
}

const listing = runs.filter((r) => r.workload === "L");
if (listing.length > 0) {
  out.push("");
  out.push(
    `Listing ${
      manyServer?.keys ?? "?"
    } keys (in-memory emulator, 1,000 keys a page; store filled in ` +
      `${f(manyServer?.putSeconds ?? NaN, 1)} s):`,
  );
  out.push("");
  out.push(table(
    [
      "run",
      "rc",
      "wall s",
      "client CPU s",
      "emulator CPU s",
      "peak RSS MiB",
      "keys/s listed",
      "objects downloaded",
    ],
    listing.map((r) => [
      r.label,
      String(r.rc),
      f(r.wall),
      f(r.user + r.sys),
      f(r.emulatorCpu),
      f(r.rssKiB / 1024, 0),
      f((manyServer?.keys ?? NaN) / r.wall, 0),
      String(r.result?.downloaded ?? "?"),
    ]),
  ));
}

interface Costs {
  runtime: string;
  noSync: boolean;
  jobs: number;
  objects: number;
  failed: number;
  wallMs: number;
  msPerObject: number;
  ops: Record<string, { callsPerObject: number; msSummed: number; msPerCall: number }>;
}
const costs: Costs[] = lines(`${rawDir}/costs.jsonl`);
if (costs.length > 0) {
  out.push("");
  out.push(
    `Per-object costs (bench/prefix_costs.ts: downloadPrefix() over ${
      costs[0].objects
    } objects of ` +
      `workload B, counting file system and fetch): calls per object × ms per call (ms summed over ` +
      `concurrent calls: divide by the jobs for a share of the wall time):`,
  );
  out.push("");
  const names = costs.map((c) =>
    `${c.runtime.split(" ")[0]}, ${c.jobs} jobs${c.noSync ? ", no fsync" : ""}`
  );
  const opNames = [...new Set(costs.flatMap((c) => Object.keys(c.ops)))]
    .map((n) => n.replace(" (skipped)", ""))
    .filter((n, i, a) => a.indexOf(n) === i);
  const opOf = (c: Costs, n: string) => c.ops[n] ?? c.ops[`${n} (skipped)`];
  opNames.sort((a, b) => (opOf(costs[0], b)?.msSummed ?? 0) - (opOf(costs[0], a)?.msSummed ?? 0));
  const rows = [
    ["wall s (failed)", ...costs.map((c) => `${f(c.wallMs / 1000)} (${c.failed})`)],
    ["wall ms per object", ...costs.map((c) => f(c.msPerObject))],
    ...opNames.map((n) => [
      n,
      ...costs.map((c) => {
        const o = opOf(c, n);
        if (!o) return "-";
        return c.ops[n]
          ? `${f(o.callsPerObject)} × ${f(o.msPerCall)}`
          : `${f(o.callsPerObject)} × skipped`;
      }),
    ]),
  ];
  out.push(table(["", ...names], rows));
}

console.log(out.join("\n"));
writeFileSync(
  outJson,
  JSON.stringify(
    { machine, commit, scale: Number(scale), workloads, summaries, manyServer, costs, runs },
    null,
    1,
  ),
);
