/**
 * Where the time of `get -r` goes, per object: runs `downloadPrefix()` (what `cli.ts get -r` runs)
 * with a file system and a `fetch` that count and time every call, and prints one JSON object (one line):
 * wall time, objects, and per operation (HTTP `HEAD`/`GET`/list, `open`, `datasync`, `syncDir`,
 * `rename`, `link`, ...) the calls per object and the summed milliseconds (summed over concurrent
 * calls, so a share of the wall time only when divided by the concurrency). `--no-sync` turns
 * `datasync` and `syncDir` into no-ops to show what durability costs (a measurement only: the
 * engine has no such switch).
 *
 * Usage: `deno run -A bench/prefix_costs.ts oss://BUCKET/PREFIX DIR --endpoint URL [--jobs N]
 * [--no-sync]` (or `bun bench/prefix_costs.ts ...`)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { downloadPrefix } from "../src/batch/download_prefix.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import type { FileSystem, PositionalFile } from "../src/fs/file_system.ts";
import { ARGS, runtimeName } from "./_util.ts";

const { positionals, values: flags } = parseArgs({
  args: [...ARGS],
  allowPositionals: true,
  options: {
    endpoint: { type: "string" },
    jobs: { type: "string" },
    "no-sync": { type: "boolean" },
  },
});
const [source, directory] = positionals;
if (!source || !directory || !flags.endpoint) {
  console.error(
    "usage: prefix_costs.ts oss://BUCKET/PREFIX DIR --endpoint URL [--jobs N] [--no-sync]",
  );
  throw new Error("missing arguments");
}
const noSync = flags["no-sync"] === true;

const ops = new Map<string, { calls: number; ms: number }>();
async function timed<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    const entry = ops.get(name) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += performance.now() - t0;
    ops.set(name, entry);
  }
}

function wrapFile(file: PositionalFile): PositionalFile {
  return {
    write: (data, offset) => timed("file.write", () => file.write(data, offset)),
    read: (buffer, offset) => timed("file.read", () => file.read(buffer, offset)),
    datasync: () =>
      noSync
        ? timed("file.datasync (skipped)", async () => {})
        : timed("file.datasync", () => file.datasync()),
    truncate: (size) => timed("file.truncate", () => file.truncate(size)),
    size: () => timed("file.size", () => file.size()),
    close: () => timed("file.close", () => file.close()),
  };
}

const base: FileSystem = await defaultFileSystem();
const fs: FileSystem = {
  open: async (path, options) => wrapFile(await timed("open", () => base.open(path, options))),
  readFile: (path) => timed("readFile", () => base.readFile(path)),
  stat: (path) => timed("stat", () => base.stat(path)),
  rename: (from, to) => timed("rename", () => base.rename(from, to)),
  link: (existing, newPath) => timed("link", () => base.link(existing, newPath)),
  remove: (path) => timed("remove", () => base.remove(path)),
  mkdir: (path) => timed("mkdir", () => base.mkdir(path)),
  syncDir: (path) =>
    noSync
      ? timed("syncDir (skipped)", async () => {})
      : timed("syncDir", () => base.syncDir(path)),
  openBlockWriter: base.openBlockWriter
    ? (path, options) => timed("openBlockWriter", () => base.openBlockWriter!(path, options))
    : undefined,
};

const fetchCounting: typeof fetch = (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const kind = url.searchParams.has("list-type")
    ? "http LIST"
    : `http ${request.method}${request.headers.has("range") ? " (range)" : ""}`;
  // Time to the response headers (the body streams afterwards).
  return timed(kind, () => fetch(request));
};

const t0 = performance.now();
const result = await downloadPrefix({
  source,
  directory,
  endpoint: flags.endpoint,
  jobs: flags.jobs ? Number(flags.jobs) : undefined,
  fs,
  fetch: fetchCounting,
});
const wallMs = performance.now() - t0;
const objects = result.objects;
const perObject: Record<string, { callsPerObject: number; msSummed: number; msPerCall: number }> =
  {};
for (const [name, { calls, ms }] of [...ops.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  perObject[name] = {
    callsPerObject: Math.round((calls / Math.max(1, objects)) * 100) / 100,
    msSummed: Math.round(ms),
    msPerCall: Math.round((ms / calls) * 1000) / 1000,
  };
}
console.log(JSON.stringify({
  runtime: runtimeName(),
  noSync,
  jobs: flags.jobs ? Number(flags.jobs) : 8,
  objects,
  done: result.done,
  skipped: result.skipped,
  failed: result.failed,
  wallMs: Math.round(wallMs),
  msPerObject: Math.round((wallMs / Math.max(1, objects)) * 1000) / 1000,
  ops: perObject,
}));
