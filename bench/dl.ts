/**
 * The engine without the CLI: call `download()` with explicit tuning and print JSON lines, for the
 * parameter sweep and as a stand-in when the CLI is missing. With `--progress`, every progress
 * report is printed as `{"type":"progress",...}`; the end is `{"type":"result",...}` or
 * `{"type":"error",...}` (exit status 1).
 *
 * Usage: `deno run -A bench/dl.ts URL DEST [--part-size 8M] [--concurrency 8] [--chunk-size 1M]
 * [--commit-bytes 8M] [--commit-interval-ms 1000] [--write-in-worker true|false]
 * [--max-write-bytes 16K] [--no-fsync] [--progress] [--progress-interval-ms 200]`
 *
 * @module
 */
import process from "node:process";
import { download, type DownloadOptions } from "../mod.ts";
import { parseArgs } from "node:util";
import { parseSize } from "../src/cli/parse_size.ts";
import { ARGS, runtimeName } from "./_util.ts";

const { positionals: positional, values: flags } = parseArgs({
  args: [...ARGS],
  allowPositionals: true,
  options: {
    "part-size": { type: "string" },
    concurrency: { type: "string" },
    "chunk-size": { type: "string" },
    "commit-bytes": { type: "string" },
    "commit-interval-ms": { type: "string" },
    "write-in-worker": { type: "string" },
    "max-write-bytes": { type: "string" },
    progress: { type: "boolean" },
    "no-fsync": { type: "boolean" },
    "progress-interval-ms": { type: "string" },
  },
});
const [source, destination] = positional;
if (!source || !destination) {
  console.error("usage: dl.ts URL DEST [--part-size 8M] [--concurrency 8] [--chunk-size 1M] ...");
  process.exit(2);
}
const size = (
  name: Exclude<keyof typeof flags, "progress" | "write-in-worker" | "no-fsync">,
): number | undefined => {
  const text = flags[name];
  return text === undefined ? undefined : parseSize(text, `--${name}`);
};
const options: DownloadOptions = {
  source,
  destination,
  partSize: size("part-size"),
  concurrency: size("concurrency"),
  chunkSize: size("chunk-size"),
  commitBytes: size("commit-bytes"),
  commitIntervalMs: size("commit-interval-ms"),
  progressIntervalMs: size("progress-interval-ms"),
  maxWriteBytes: size("max-write-bytes"),
  writeInWorker: flags["write-in-worker"] === undefined
    ? undefined
    : flags["write-in-worker"] === "true",
  durability: flags["no-fsync"] ? "none" : "full",
};
if (flags.progress) {
  options.onProgress = (p) => console.log(JSON.stringify({ type: "progress", ...p }));
}
try {
  const result = await download(options);
  console.log(JSON.stringify({ type: "result", runtime: runtimeName(), ...result }));
} catch (error) {
  const e = error as { code?: string; message?: string };
  console.log(JSON.stringify({ type: "error", code: e.code ?? null, message: e.message }));
  process.exit(1);
}
