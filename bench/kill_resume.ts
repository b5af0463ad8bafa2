/**
 * Bytes fetched again after a crash: run a download command that prints JSON lines (the CLI with
 * `--json`, or `bench/dl.ts --progress`), SIGKILL it once its progress passes `--kill-at` of the
 * object (or, as a fallback when its progress never shows it, after `(1 + kill-at) / 2` ×
 * `--expected-seconds`), run the same
 * command again to completion and compare.
 *
 * - `receivedAtKill`: the last progress `bytesDone` seen before the kill (a lower bound of what the
 *   killed run had received; a report is at most one progress interval old);
 * - `sentAtKill`: what nginx logged as sent to the killed run (`--access-log`), an upper bound
 *   (bytes in socket buffers were sent but never received);
 * - `resumedBytes`: `bytesResumed` of the second run: what the journal proved durable;
 * - `refetched`: `receivedAtKill - resumedBytes` (and the upper bound from `sentAtKill`);
 * - `overFetch`: `bytesFetched + bytesResumed - size` of the second run (overlap inside it).
 *
 * Usage: `deno run -A bench/kill_resume.ts --size BYTES [--kill-at 0.4] [--expected-seconds S]
 * [--access-log FILE] -- COMMAND ARGS...`. Prints one JSON object.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import process from "node:process";
import { parseArgs } from "node:util";

const sep = process.argv.indexOf("--", 2);
if (sep < 0) {
  console.error("usage: kill_resume.ts --size BYTES [--kill-at 0.4] -- COMMAND ARGS...");
  process.exit(2);
}
const { values: flags } = parseArgs({
  args: process.argv.slice(2, sep),
  options: {
    size: { type: "string" },
    "kill-at": { type: "string" },
    "expected-seconds": { type: "string" },
    "access-log": { type: "string" },
  },
});
const command = process.argv.slice(sep + 1);
const size = Number(flags.size);
const killAt = Number(flags["kill-at"] ?? 0.4);
const expectedSeconds = flags["expected-seconds"] ? Number(flags["expected-seconds"]) : null;
const accessLog = flags["access-log"] ?? null;

type Json = Record<string, unknown>;

function find(obj: Json, pred: (o: Json) => boolean): Json | null {
  if (pred(obj)) return obj;
  for (const v of Object.values(obj)) {
    if (v && typeof v === "object" && !Array.isArray(v) && pred(v as Json)) return v as Json;
  }
  return null;
}
const isProgress = (o: Json) => typeof o.bytesDone === "number" && typeof o.bytesTotal === "number";
const isResult = (o: Json) => typeof o.bytesFetched === "number";

interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  lastProgress: Json | null;
  result: Json | null;
  killed: boolean;
  killedBy: "progress" | "timer" | null;
  seconds: number;
  lines: number;
}

function run(kill: boolean): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    const out: RunOutcome = {
      exitCode: null,
      signal: null,
      lastProgress: null,
      result: null,
      killed: false,
      killedBy: null,
      seconds: 0,
      lines: 0,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const doKill = (by: "progress" | "timer") => {
      if (out.killed) return;
      out.killed = true;
      out.killedBy = by;
      child.kill("SIGKILL");
    };
    if (kill && expectedSeconds !== null) {
      timer = setTimeout(() => doKill("timer"), expectedSeconds * (1 + killAt) / 2 * 1000);
    }
    createInterface({ input: child.stdout! }).on("line", (line) => {
      out.lines++;
      let obj: Json;
      try {
        obj = JSON.parse(line);
      } catch {
        return;
      }
      if (!obj || typeof obj !== "object") return;
      const r = find(obj, isResult);
      if (r) out.result = r;
      const p = find(obj, isProgress);
      if (p && !out.killed) {
        out.lastProgress = p;
        if (kill && (p.bytesDone as number) >= killAt * (p.bytesTotal as number)) {
          doKill("progress");
        }
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      out.exitCode = code;
      out.signal = signal;
      out.seconds = (performance.now() - started) / 1000;
      resolve(out);
    });
  });
}

async function accessLogLines(): Promise<string[]> {
  if (!accessLog) return [];
  try {
    return (await readFile(accessLog, "utf8")).split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

const before = (await accessLogLines()).length;
const first = await run(true);
await new Promise((r) => setTimeout(r, 500)); // let nginx log the aborted requests
const logged = (await accessLogLines()).slice(before);
const sentAtKill = accessLog
  ? logged.reduce((sum, line) => sum + (Number(line.split(" ")[2]) || 0), 0)
  : null;
const second = await run(false);

const result = second.result ?? {};
const resumedBytes = Number(result.bytesResumed ?? NaN);
const bytesFetched = Number(result.bytesFetched ?? NaN);
const receivedAtKill = first.lastProgress ? Number(first.lastProgress.bytesDone) : null;
console.log(JSON.stringify({
  command: command.join(" "),
  size,
  killAt,
  killedBy: first.killedBy,
  firstRun: {
    killed: first.killed,
    signal: first.signal,
    exitCode: first.exitCode,
    seconds: first.seconds,
    jsonLines: first.lines,
  },
  receivedAtKill,
  sentAtKill,
  resumedBytes,
  secondRun: {
    exitCode: second.exitCode,
    seconds: second.seconds,
    bytesFetched,
    verified: result.verified ?? null,
  },
  // Only meaningful when the kill followed a progress report (a timer kill leaves it stale).
  refetched: receivedAtKill === null || first.killedBy !== "progress"
    ? null
    : Math.max(0, receivedAtKill - resumedBytes),
  refetchedUpperBound: sentAtKill === null ? null : sentAtKill - resumedBytes,
  overFetch: bytesFetched + resumedBytes - size,
}));
