/**
 * `get -r` as a real process against a directory tree served like OSS on a port (served from this
 * process by `serveDirectory`, so faults and the request log are at hand): SIGKILL at seeded
 * random moments and a finish with the same command (no complete object fetched twice, big objects
 * resumed from their journals); the user's flow of two Ctrl-C's, a finish and a rerun after two
 * files changed on the server; failing objects among good ones (exit 12, codes in the records and
 * the summary).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { OssEmulator, RequestLogEntry } from "../src/emulator/oss_emulator.ts";
import { serveDirectory } from "../src/emulator/serve_directory.ts";
import { seededRandom } from "../src/seeded_random.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { type CliProcess, lastRecord, runCli, startCli } from "./cli_spawn.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const BUCKET = "tree-bucket";
const PREFIX = "data/";

type Rec = Record<string, unknown>;

/** A directory tree served like OSS from this process, and a destination directory. */
interface Served {
  /** Key → the bytes of its file. */
  objects: Map<string, Uint8Array>;
  emulator: OssEmulator;
  url: string;
  /** The served file of `key`. */
  served(key: string): string;
  /** The download directory (not created). */
  out: string;
  close(): Promise<void>;
}

async function serveTree(objects: Map<string, Uint8Array>): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "ossdl-prefix-proc-"));
  const root = join(dir, "root");
  const served = (key: string) => join(root, BUCKET, ...key.split("/"));
  for (const [key, bytes] of objects) {
    mkdirSync(dirname(served(key)), { recursive: true });
    writeFileSync(served(key), bytes);
  }
  // Outside the prefix: never downloaded.
  mkdirSync(join(root, BUCKET, "other"), { recursive: true });
  writeFileSync(join(root, BUCKET, "other", "outside.bin"), seededBytes(1000, 7));
  const server = await serveDirectory(root, { port: 0 });
  return {
    objects,
    emulator: server.emulator,
    url: server.url,
    served,
    out: join(dir, "out"),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `count` small objects of 20-200 KB in nested folders, one key with spaces, `big` big ones. */
function treeObjects(seed: number, count: number, big: Record<string, number>) {
  const random = seededRandom(seed);
  const objects = new Map<string, Uint8Array>();
  let n = 0;
  for (const [key, size] of Object.entries(big)) objects.set(key, seededBytes(size, seed + n++));
  objects.set(`${PREFIX}with space/a file (1).txt`, seededBytes(33 * KiB + 5, seed + n++));
  for (let i = 1; i < count; i++) {
    const size = 20_000 + Math.floor(random() * 180_000);
    const key = `${PREFIX}d${i % 4}/${i % 3 === 0 ? "" : `sub${i % 3}/`}file-${i}.bin`;
    objects.set(key, seededBytes(size, seed + n++));
  }
  return objects;
}

function args(s: Served, ...extra: string[]): string[] {
  return [
    "get",
    "-r",
    `oss://${BUCKET}/${PREFIX}`,
    s.out,
    "--endpoint",
    s.url,
    "--part-size",
    "1MiB",
    ...extra,
  ];
}

const objectRecords = (records: Rec[]) => records.filter((r) => r.type === "object");
const keysWith = (records: Rec[], status: string) =>
  objectRecords(records).filter((r) => r.status === status).map((r) => r.key as string);

/** Resolves once the CLI has reported `n` objects `done`. */
function waitForDone(cli: CliProcess, n: number, timeoutMs = 20000): Promise<Rec> {
  return cli.waitForRecord(() => keysWith(cli.records(), "done").length >= n, timeoutMs);
}

/** Every selected file is in `out` with its object's bytes, and nothing else is left there. */
function assertTree(s: Served): void {
  const expected = new Set([".ossdl-manifest"]);
  for (const [key, bytes] of s.objects) {
    const rel = key.slice(PREFIX.length);
    expected.add(rel);
    const got = readFileSync(join(s.out, ...rel.split("/")));
    assert.ok(
      got.length === bytes.length && Buffer.compare(got, Buffer.from(bytes)) === 0,
      `${key}: the file equals the object`,
    );
  }
  const found = (readdirSync(s.out, { recursive: true }) as string[])
    .map((p) => p.replaceAll("\\", "/"))
    .filter((p) => statSync(join(s.out, p)).isFile());
  assert.deepEqual(new Set(found), expected, "no journal, partial file or lock is left");
}

/** Bytes a run asked for of `key` (the sum of its GET ranges). */
function requestedBytes(log: RequestLogEntry[], key: string, size: number): number {
  let total = 0;
  for (const e of log) {
    if (e.method !== "GET" || e.key !== key) continue;
    const m = e.range === null ? null : /^bytes=(\d+)-(\d*)$/.exec(e.range);
    if (!m) total += size;
    else total += (m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)) - Number(m[1]) + 1;
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "get -r: kill -9 at random moments, finish with the same command; nothing complete is fetched twice",
  {
    timeout: 60000,
  },
  async () => {
    const BIG = {
      [`${PREFIX}00 big/first.bin`]: 6 * MiB + 123,
      [`${PREFIX}00 big/second.bin`]: 6 * MiB - 77,
    };
    const s = await serveTree(treeObjects(100, 60, BIG));
    const random = seededRandom(20240607);
    const totalBytes = [...s.objects.values()].reduce((n, b) => n + b.length, 0);
    try {
      // Small objects come at 160 KiB/s (a few finish per second per job); the big ones at
      // 768 KiB/s per part, 2 parts at a time: each takes about 4 s, journaled every second.
      s.emulator.setFaults({ throttle: { bytesPerSecond: 160 * KiB } });
      s.emulator.faultsFor = (info) =>
        info.key in BIG ? { throttle: { bytesPerSecond: 768 * KiB } } : undefined;
      // 8 jobs: the pacing above assumes a few objects finish per second, not 60 at once.
      const cmd = args(s, "--concurrency", "2", "--jobs", "8", "--json");
      /** Keys reported done by an earlier run. */
      const complete = new Set<string>();
      const logs: RequestLogEntry[][] = [];
      const check = (records: Rec[], log: RequestLogEntry[], run: number) => {
        for (const r of objectRecords(records)) {
          if (complete.has(r.key as string)) {
            assert.equal(r.status, "skipped", `run ${run}: ${r.key} was done in an earlier run`);
          }
        }
        for (const e of log) {
          assert.ok(
            e.method !== "GET" || !complete.has(e.key),
            `run ${run} fetched ${e.key} again, complete since an earlier run`,
          );
        }
      };
      for (let kill = 1; kill <= 3; kill++) {
        s.emulator.resetStats();
        const cli = startCli(cmd);
        if (kill === 1) {
          // The first kill comes once each big object has its first 2 parts (so a journal holds
          // them); the others after a few more objects are done.
          await cli.waitForRecord((r) =>
            r.type === "progress" &&
            Object.keys(BIG).every((key) =>
              (r.inFlight as { key: string; bytesDone: number }[])
                .some((t) => t.key === key && t.bytesDone >= 2 * MiB)
            )
          );
        } else {
          await waitForDone(cli, 2 + Math.floor(random() * 5));
        }
        await sleep(200 + Math.floor(random() * 600));
        cli.child.kill("SIGKILL");
        const exit = await cli.exited;
        assert.equal(exit.signal, "SIGKILL", `run ${kill} was still running: ${exit.stderr}`);
        const records = cli.records();
        const log = s.emulator.stats.log;
        check(records, log, kill);
        for (const key of keysWith(records, "done")) complete.add(key);
        assert.deepEqual(keysWith(records, "failed"), []);
        logs.push(log);
      }
      assert.ok(complete.size < s.objects.size, "the killed runs left work to do");

      s.emulator.clearFaults();
      s.emulator.resetStats();
      const final = await runCli(cmd);
      assert.equal(final.code, 0, final.stderr);
      assert.equal(final.stderr, "");
      const records = final.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec);
      check(records, s.emulator.stats.log, 4);
      logs.push(s.emulator.stats.log);
      const objects = objectRecords(records);
      assert.equal(objects.length, s.objects.size, "one record per object");
      assert.deepEqual(new Set(objects.map((r) => r.key)), new Set(s.objects.keys()));
      for (const key of complete) assert.ok(keysWith(records, "skipped").includes(key));
      const result = lastRecord(final.stdout);
      assert.equal(result.type, "result");
      assert.equal(result.done, true);
      assert.equal(result.ok, true);
      assert.equal(result.objects, s.objects.size);
      assert.equal(result.failed, 0);
      // At least what was reported done before (a kill can fall between an object's manifest
      // record and its line on stdout: skipped now, though never reported done).
      assert.ok((result.skipped as number) >= complete.size);
      assert.equal((result.downloaded as number) + (result.skipped as number), s.objects.size);
      assert.equal(result.bytes, totalBytes);
      // Complete objects were not fetched again, and the big ones were resumed.
      const completeBytes = [...complete].reduce((n, k) => n + s.objects.get(k)!.length, 0);
      assert.ok((result.bytesFetched as number) <= totalBytes - completeBytes);
      assertTree(s);

      // The big objects were resumed: some run after a kill asked for less than the whole object.
      for (const [key, size] of Object.entries(BIG)) {
        const asked = logs.map((log) => requestedBytes(log, key, size));
        assert.ok(
          asked.slice(1).some((n) => n > 0 && n < size),
          `${key} resumed (bytes asked per run: ${asked.join(", ")})`,
        );
      }
      // Nothing outside the prefix was fetched.
      assert.ok(logs.flat().every((e) => !e.key.startsWith("other/")));
    } finally {
      await s.close();
    }
  },
);

test("get -r: two Ctrl-C's, a finish, then a rerun fetches exactly the two changed objects", {
  timeout: 60000,
}, async () => {
  const s = await serveTree(treeObjects(200, 30, { [`${PREFIX}big/model.bin`]: 4 * MiB + 1 }));
  try {
    s.emulator.setFaults({ throttle: { bytesPerSecond: 512 * KiB } });
    const cmd = args(s, "--json");
    const complete = new Set<string>();
    for (let stop = 1; stop <= 2; stop++) {
      const cli = startCli(cmd);
      await waitForDone(cli, 3);
      cli.kill("SIGINT");
      const exit = await cli.exited;
      assert.equal(exit.code, 130, exit.stderr);
      assert.match(exit.stderr, /^interrupted by SIGINT: \d+ objects finished; /);
      const resume = /\nresume with: (.*)\n$/.exec(exit.stderr);
      assert.ok(resume, exit.stderr);
      assert.ok(resume[1].endsWith(cmd.join(" ")), `resume with the same command: ${resume[1]}`);
      const records = cli.records();
      const last = records.at(-1)!;
      assert.equal(last.type, "interrupted");
      assert.equal(last.exitCode, 130);
      assert.equal(last.signal, "SIGINT");
      for (const r of objectRecords(records)) {
        if (complete.has(r.key as string)) assert.equal(r.status, "skipped", `${r.key}`);
      }
      if (stop === 2) assert.ok(keysWith(records, "skipped").length > 0, "the second run resumed");
      for (const key of keysWith(records, "done")) complete.add(key);
    }
    assert.ok(complete.size < s.objects.size, "the interrupted runs left work to do");

    s.emulator.clearFaults();
    const finish = await runCli(cmd);
    assert.equal(finish.code, 0, finish.stderr);
    assert.equal(finish.stderr, "");
    const finished = finish.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec);
    assert.deepEqual(new Set(keysWith(finished, "skipped")), complete);
    assert.equal(keysWith(finished, "done").length, s.objects.size - complete.size);
    assertTree(s);

    // On the server: one file gets new content and a new size, another the same size, new bytes.
    const keys = [...s.objects.keys()].filter((k) => !k.includes("big/"));
    const [resized, rewritten] = [keys[3], keys[11]];
    const resizedBytes = seededBytes(s.objects.get(resized)!.length + 999, 9001);
    const rewrittenBytes = s.objects.get(rewritten)!.slice();
    rewrittenBytes[1234] ^= 0x5a;
    writeFileSync(s.served(resized), resizedBytes);
    writeFileSync(s.served(rewritten), rewrittenBytes);
    s.objects.set(resized, resizedBytes);
    s.objects.set(rewritten, rewrittenBytes);

    s.emulator.resetStats();
    const rerun = await runCli(cmd);
    assert.equal(rerun.code, 0, rerun.stderr);
    const records = rerun.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec);
    assert.deepEqual(new Set(keysWith(records, "done")), new Set([resized, rewritten]));
    assert.equal(keysWith(records, "skipped").length, s.objects.size - 2);
    assert.deepEqual(keysWith(records, "failed"), []);
    const result = lastRecord(rerun.stdout);
    assert.equal(result.ok, true);
    assert.equal(result.downloaded, 2);
    assert.equal(result.skipped, s.objects.size - 2);
    assert.equal(result.bytesFetched, resizedBytes.length + rewrittenBytes.length);
    const gets = s.emulator.stats.log.filter((e) => e.method === "GET" && e.key !== "");
    assert.deepEqual(new Set(gets.map((e) => e.key)), new Set([resized, rewritten]));
    assertTree(s);
  } finally {
    await s.close();
  }
});

test(
  "get -r: failing objects among good ones exit 12, listed with their codes; a rerun retries only them",
  {
    timeout: 60000,
  },
  async () => {
    const s = await serveTree(treeObjects(300, 12, {}));
    const broken = `${PREFIX}bad/server error.bin`;
    const denied = `${PREFIX}bad/private.bin`;
    const gone = `${PREFIX}gone soon.bin`;
    const failing = new Map([
      [broken, seededBytes(70 * KiB, 301)],
      [denied, seededBytes(3 * MiB, 302)],
    ]);
    mkdirSync(dirname(s.served(broken)), { recursive: true });
    for (const [key, bytes] of failing) writeFileSync(s.served(key), bytes);
    writeFileSync(s.served(gone), seededBytes(5000, 303));
    try {
      // `broken` always answers 500 InternalError (retried, in vain); `denied` 403 AccessDenied
      // (not retried); `gone` is deleted after the listing saw it (404 NoSuchKey).
      s.emulator.faultsFor = (info) => {
        if (info.key === broken) return { serverError: { status: 500 } };
        if (info.key === denied) return { denyAccess: true };
        if (info.key === gone) {
          try {
            unlinkSync(s.served(gone));
          } catch {
            // already deleted
          }
        }
        return undefined;
      };
      const cmd = args(s, "--json");
      const run = await runCli(cmd);
      assert.equal(run.code, 12, run.stderr);
      assert.equal(run.stderr, "");
      const records = run.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec);
      const byKey = new Map(objectRecords(records).map((r) => [r.key as string, r]));
      assert.equal(byKey.size, s.objects.size + 3);
      const expected: [string, string, string, RegExp][] = [
        [
          broken,
          "RETRIES_EXHAUSTED",
          "InternalError",
          /^gave up after 6 attempts; last error: InternalError \(500\)/,
        ],
        [denied, "OSS_SERVICE_ERROR", "AccessDenied", /^AccessDenied \(403\)/],
        [gone, "OSS_SERVICE_ERROR", "NoSuchKey", /^NoSuchKey \(404\)/],
      ];
      for (const [key, code, ossCode, reason] of expected) {
        const r = byKey.get(key)!;
        assert.equal(r.status, "failed", key);
        assert.equal(r.code, code, key);
        assert.equal(r.ossCode, ossCode, key);
        assert.match(r.requestId as string, /^[0-9A-F]{24}$/, key);
        assert.match(r.reason as string, reason);
        assert.ok((r.reason as string).includes(r.requestId as string), "the RequestId is told");
      }
      assert.equal(keysWith(records, "done").length, s.objects.size);
      const result = lastRecord(run.stdout);
      assert.equal(result.type, "result");
      assert.equal(result.done, true);
      assert.equal(result.ok, false);
      assert.equal(result.failed, 3);
      assert.equal(result.downloaded, s.objects.size);
      assertTree(s); // the others are complete; nothing of the failed ones is left behind

      // Without --json: one line per failure as it happens, and the summary lists them.
      const human = await runCli(args(s));
      assert.equal(human.code, 12, human.stderr);
      assert.equal(human.stdout, "");
      const lines = human.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 5, human.stderr);
      const brokenLine =
        /^failed: data\/bad\/server error\.bin: gave up after 6 attempts; last error: InternalError \(500\): .*, RequestId [0-9A-F]{24}, EC [-0-9]+$/;
      const deniedLine =
        /^failed: data\/bad\/private\.bin: AccessDenied \(403\): .*, RequestId [0-9A-F]{24}, EC [-0-9]+$/;
      const both = (ls: string[]) =>
        assert.ok(
          ls.length === 2 && ls.some((l) => brokenLine.test(l)) &&
            ls.some((l) => deniedLine.test(l)),
          human.stderr,
        );
      both(lines.slice(0, 2));
      assert.match(
        lines[2],
        new RegExp(
          `^done with failures: ${s.objects.size + 2} objects \\(0 downloaded, ${s.objects.size} ` +
            `already complete, 2 failed\\), 0 B fetched in `,
        ),
      );
      both(lines.slice(3).map((l) => l.replace(/^ {2}/, "")));

      // The server recovers: only the failed objects are fetched.
      s.emulator.clearFaults();
      s.emulator.resetStats();
      const fixed = await runCli(cmd);
      assert.equal(fixed.code, 0, fixed.stderr);
      const after = fixed.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec);
      assert.deepEqual(new Set(keysWith(after, "done")), new Set(failing.keys()));
      assert.equal(keysWith(after, "skipped").length, s.objects.size);
      for (const [key, bytes] of failing) s.objects.set(key, bytes);
      assertTree(s);
      const gets = s.emulator.stats.log.filter((e) => e.method === "GET" && e.key !== "");
      assert.deepEqual(new Set(gets.map((e) => e.key)), new Set(failing.keys()));
    } finally {
      await s.close();
    }
  },
);
