import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeJournalStart, encodeProgressRecord } from "../src/journal/journal_codec.ts";
import { main } from "../src/cli/main.ts";
import { runDemo, seededBytes } from "../src/cli/demo_command.ts";
import { formatPercent, percentOf } from "../src/cli/format_units.ts";
import { seededRandom } from "../src/seeded_random.ts";
import { fakeIo } from "./cli_fake_io.ts";

/** A journal of a 400-byte object in 4 parts, 150 bytes durable. */
function journalBytes(): Uint8Array {
  return new Uint8Array([
    ...encodeJournalStart({
      format: 1,
      identity: "oss://bucket/big.bin",
      size: 400,
      etag: '"E"',
      lastModified: null,
      crc64: null,
      versionId: null,
      rangeStart: 0,
      rangeEnd: 400,
      partSize: 100,
      parts: [[0, 100], [100, 200], [200, 300], [300, 400]],
      createdAt: new Date(0).toISOString(),
    }),
    ...encodeProgressRecord([{ start: 0, end: 100, crc64: 1n }, {
      start: 200,
      end: 250,
      crc64: 2n,
    }]),
  ]);
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-commands-"));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cli(args: string[]) {
  const f = fakeIo(args);
  const code = await main(f.io);
  return { code, out: f.out(), err: f.err() };
}

test("status <destination> reads the journal beside it even when the destination file exists", async () => {
  await withDir(async (dir) => {
    const dest = join(dir, "big.bin");
    // An old file under the destination name (a download over it, or a finished one before).
    writeFileSync(dest, seededBytes(1000, 3));
    writeFileSync(dest + ".ossdl-journal", journalBytes());
    const run = await cli(["status", dest]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^checkpoint +.*big\.bin\.ossdl-journal \(2 records\)\n/);
    assert.match(run.out, /\ndurable +150 B of 400 B \(37\.5%/);
    const json = await cli(["status", dest, "--json"]);
    assert.equal(json.code, 0, json.err);
    assert.equal(JSON.parse(json.out).bytesDurable, 150);
  });
});

test("status of a finished download's file (no journal) says so instead of 'damaged'", async () => {
  await withDir(async (dir) => {
    const dest = join(dir, "big.bin");
    writeFileSync(dest, seededBytes(1000, 4));
    const run = await cli(["status", dest]);
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /^error: ".*big\.bin" is not a checkpoint journal, and there is no /);
    assert.match(run.err, /big\.bin\.ossdl-journal" beside it\n/);
    assert.match(run.err, /\nhint: a finished download removes its journal/);
    assert.doesNotMatch(run.err, /magic|damaged/i);
  });
});

test("status reads a journal given by its own path, with or without the usual suffix", async () => {
  await withDir(async (dir) => {
    const custom = join(dir, "my-checkpoint");
    writeFileSync(custom, journalBytes());
    const run = await cli(["status", custom]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^checkpoint +.*my-checkpoint \(2 records\)\n/);
    writeFileSync(join(dir, "a.bin.ossdl-journal"), journalBytes());
    const direct = await cli(["status", join(dir, "a.bin.ossdl-journal")]);
    assert.equal(direct.code, 0, direct.err);
    assert.match(direct.out, /^checkpoint +.*a\.bin\.ossdl-journal \(2 records\)\n/);
    const missing = await cli(["status", join(dir, "nothing.bin")]);
    assert.equal(missing.code, 7, missing.err);
  });
});

test("status <directory> explains that it needs the journal or the destination file", async () => {
  await withDir(async (dir) => {
    const downloads = join(dir, "downloads");
    mkdirSync(downloads);
    writeFileSync(join(downloads, "big.bin.ossdl-journal"), journalBytes());
    // Not to be confused with a journal beside the directory.
    writeFileSync(downloads + ".ossdl-journal", journalBytes());
    const run = await cli(["status", downloads + "/"]);
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /^error: ".*downloads\/" is a directory/);
    assert.match(
      run.err,
      /\nhint: give the journal or the destination file; .*downloads\/<name>\.ossdl-journal\n/,
    );
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

test("serve on a port in use is a usage error (exit 2) naming --port", async () => {
  await withDir(async (dir) => {
    const busy = createServer();
    const port = await listen(busy);
    try {
      const run = await cli(["serve", "--root", dir, "--port", String(port)]);
      assert.equal(run.code, 2, run.err);
      assert.match(
        run.err,
        new RegExp(`^error: port ${port} on 127\\.0\\.0\\.1 is already in use\n`),
      );
      assert.match(run.err, /\nhint: pick another port with --port/);
      assert.doesNotMatch(run.err, /bug/);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});

test("demo closes its server when a step after starting it fails", async () => {
  // The fake io's makeTempDir rejects: the demo must still close the emulator it started.
  const f = fakeIo(["demo"]);
  await assert.rejects(
    runDemo({ kind: "demo", size: 4096, output: "normal", debug: false }, f.io),
    /no temp dirs in this fake/,
  );
  const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(f.err())?.[1];
  assert.ok(url, f.err());
  await assert.rejects(fetch(`${url}/ossdl-demo/random.bin`), "the server is closed");
});

test("seededBytes is deterministic and drawn from seededRandom, four bytes per draw", () => {
  const a = seededBytes(4099, 11);
  assert.deepEqual(a, seededBytes(4099, 11));
  assert.notDeepEqual(a, seededBytes(4099, 12));
  const r = seededRandom(11);
  const view = new DataView(a.buffer);
  for (let i = 0; i < 4096; i += 4) {
    assert.equal(view.getUint32(i, true), Math.floor(r() * 2 ** 32));
  }
  for (let i = 4096; i < 4099; i++) assert.equal(a[i], Math.floor(r() * 256));
});

test("percentOf is the one percent formula: floor to 0.1, clamped, 100 for an empty total", () => {
  assert.equal(percentOf(1, 3), 33.3);
  assert.equal(percentOf(9999, 10000), 99.9);
  assert.equal(percentOf(10000, 10000), 100);
  assert.equal(percentOf(0, 0), 100);
  assert.equal(percentOf(12, 10), 100);
  assert.equal(percentOf(-1, 10), 0);
  assert.equal(formatPercent(1, 3), "33.3%");
  assert.equal(formatPercent(12, 10), "100.0%");
});
