import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFaults } from "../src/emulator/parse_faults.ts";
import type { Faults } from "../src/emulator/faults.ts";
import { watchFaultsFile } from "../src/cli/faults_file.ts";
import { runServe } from "../src/cli/serve_command.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import { fakeIo } from "./cli_fake_io.ts";

test("parseFaults: every field of Faults, content as text or base64", () => {
  const faults = parseFaults(JSON.stringify({
    serverError: { status: 500, rate: 0.5, next: 2 },
    dropAfterBytes: 10,
    stallAfterBytes: 20,
    stallHeaders: false,
    delayHeadersMs: 5,
    throttle: { bytesPerSecond: 1000, start: 1, end: 2 },
    flipByteAt: 3,
    changeObject: { afterRequests: 1, content: { base64: "AAH/" }, bucket: "b", key: "k" },
    ignoreRange: true,
    denyAccess: false,
    seed: 7,
  }));
  assert.deepEqual(faults.serverError, { status: 500, rate: 0.5, next: 2 });
  assert.deepEqual(faults.throttle, { bytesPerSecond: 1000, start: 1, end: 2 });
  assert.deepEqual(faults.changeObject?.content, new Uint8Array([0, 1, 255]));
  assert.equal(faults.ignoreRange, true);
  const text = parseFaults('{"changeObject": {"afterRequests": 0, "content": "new"}}');
  assert.deepEqual(text.changeObject?.content, new TextEncoder().encode("new"));
  assert.deepEqual(parseFaults("{}"), {});
});

test("parseFaults: invalid JSON and wrong fields are refused, naming the field", () => {
  assert.throws(() => parseFaults("{"), SyntaxError);
  assert.throws(() => parseFaults("[]"), /JSON object/);
  assert.throws(() => parseFaults('{"dropAfterByte": 1}'), /unknown fault "dropAfterByte"/);
  assert.throws(() => parseFaults('{"dropAfterBytes": -1}'), /dropAfterBytes/);
  assert.throws(() => parseFaults('{"serverError": {"status": 404}}'), /500 or 503/);
  assert.throws(() => parseFaults('{"serverError": {"rate": 2}}'), /rate/);
  assert.throws(() => parseFaults('{"throttle": {"bytesPerSecond": 0}}'), /> 0/);
  assert.throws(() => parseFaults('{"throttle": {"bps": 1}}'), /unknown field "bps"/);
  assert.throws(() => parseFaults('{"denyAccess": "yes"}'), /true or false/);
  assert.throws(() => parseFaults('{"changeObject": {"afterRequests": 1}}'), /content/);
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossdl-faults-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Write `text` to `path` with the given mtime (seconds), so each version is seen as a change. */
async function writeAt(path: string, text: string, seconds: number): Promise<void> {
  await writeFile(path, text);
  await utimes(path, seconds, seconds);
}

test("faults file: applied at start, reloaded on change; an invalid version keeps the faults", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "faults.json");
    await writeAt(path, '{"denyAccess": true}', 1_000_000);
    const applied: Faults[] = [];
    const lines: string[] = [];
    const watch = await watchFaultsFile(path, {
      fs: await defaultFileSystem(),
      apply: (f) => applied.push(f),
      report: (line) => lines.push(line),
      intervalMs: 3_600_000,
    });
    try {
      assert.deepEqual(applied, [{ denyAccess: true }]);
      await watch.check();
      assert.equal(applied.length, 1, "unchanged file: nothing applied");
      await writeAt(path, '{"dropAfterBytes": 5}', 1_000_010);
      await watch.check();
      assert.deepEqual(applied.at(-1), { dropAfterBytes: 5 });
      await writeAt(path, '{"dropAfterBytes": 5,', 1_000_020);
      await watch.check();
      assert.equal(applied.length, 2, "invalid JSON: the previous faults stay");
      assert.match(lines.at(-1)!, /is not valid JSON: .*the faults in force are kept/);
      await watch.check();
      assert.equal(lines.length, 3, "an invalid version is reported once");
      await writeAt(path, "{}", 1_000_030);
      await watch.check();
      assert.deepEqual(applied.at(-1), {});
      assert.match(lines.at(-1)!, /reloaded .*: none/);
    } finally {
      watch.stop();
    }
    await assert.rejects(
      watchFaultsFile(join(dir, "none.json"), {
        fs: await defaultFileSystem(),
        apply: () => {},
        report: () => {},
      }),
      /no such file/,
    );
  });
});

async function until(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("serve --faults FILE: faults act over the port and follow edits of the file", async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, "bucket"));
    await writeFile(join(dir, "bucket", "a.txt"), "hello");
    const path = join(dir, "faults.json");
    await writeAt(path, '{"denyAccess": true}', 1_000_000);
    const fake = fakeIo([]);
    const running = runServe({
      kind: "serve",
      root: dir,
      port: 0,
      host: "127.0.0.1",
      faults: path,
      debug: false,
    }, fake.io);
    await until(() => Promise.resolve(fake.out().includes("serving")), "the server");
    const url = /at (http:\/\/\S+) /.exec(fake.out())![1];
    const status = async () => {
      const r = await fetch(`${url}/bucket/a.txt`);
      await r.body?.cancel();
      return r.status;
    };
    try {
      assert.equal(await status(), 403);
      await writeAt(path, '{"serverError": {"status": 500}}', 1_000_010);
      await until(async () => (await status()) === 500, "the reloaded faults");
      await writeAt(path, "not json", 1_000_020);
      await until(() => Promise.resolve(/not valid JSON/.test(fake.err())), "the report");
      assert.equal(await status(), 500);
      await writeAt(path, "{}", 1_000_030);
      await until(async () => (await status()) === 200, "no faults");
    } finally {
      fake.signal("SIGINT");
      assert.equal(await running, 0);
    }
    const bad = join(dir, "bad.json");
    await writeFile(bad, '{"nope": 1}');
    await assert.rejects(
      runServe({
        kind: "serve",
        root: dir,
        port: 0,
        host: "127.0.0.1",
        faults: bad,
        debug: false,
      }, fakeIo([]).io),
      (e) => e instanceof UsageError && /unknown fault "nope"/.test(e.message),
    );
  });
});
