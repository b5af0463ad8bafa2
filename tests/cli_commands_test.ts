import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeJournalStart, encodeProgressRecord } from "../src/journal/journal_codec.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { statusCommandFor } from "../src/cli/get_command.ts";
import type { GetCommand } from "../src/cli/parse_command.ts";
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

test("status <directory> shows every download journal directly inside it", async () => {
  await withDir(async (dir) => {
    const downloads = join(dir, "downloads");
    mkdirSync(join(downloads, "sub"), { recursive: true });
    writeFileSync(join(downloads, "big.bin.ossdl-journal"), journalBytes());
    writeFileSync(join(downloads, "big.bin.ossdl-part"), new Uint8Array(400));
    writeFileSync(join(downloads, "a b.iso.ossdl-journal"), journalBytes());
    writeFileSync(join(downloads, "done.bin"), seededBytes(10, 1));
    // Neither a journal beside the directory nor one in a sub-directory is shown.
    writeFileSync(downloads + ".ossdl-journal", journalBytes());
    writeFileSync(join(downloads, "sub", "deep.bin.ossdl-journal"), journalBytes());
    for (const given of [downloads, downloads + "/"]) {
      const run = await cli(["status", given]);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.err, "");
      const prefix = given.endsWith("/") ? given : given + "/";
      assert.ok(run.out.startsWith(`2 download journals in ${given}:\n\n`), run.out);
      const blocks = run.out.split("\n\n").slice(1);
      assert.equal(blocks.length, 2, run.out);
      assert.ok(
        blocks[0].startsWith(`checkpoint     ${prefix}a b.iso.ossdl-journal (2 records)\n`),
      );
      assert.match(
        blocks[0],
        /\npartial file +.*a b\.iso\.ossdl-part \(missing: a rerun starts over\)/,
      );
      assert.ok(
        blocks[1].startsWith(`checkpoint     ${prefix}big.bin.ossdl-journal (2 records)\n`),
      );
      assert.match(blocks[1], /\npartial file +.*big\.bin\.ossdl-part \(400 B\)/);
      assert.match(blocks[1], /\ndurable +150 B of 400 B \(37\.5%/);
      assert.doesNotMatch(run.out, /deep\.bin|downloads\.ossdl-journal/);
    }
    const json = await cli(["status", downloads, "--json"]);
    assert.equal(json.code, 0, json.err);
    const record = JSON.parse(json.out);
    assert.equal(record.directory, downloads);
    assert.deepEqual(record.unreadable, []);
    assert.deepEqual(
      record.downloads.map((d: { checkpoint: string }) => d.checkpoint),
      [join(downloads, "a b.iso.ossdl-journal"), join(downloads, "big.bin.ossdl-journal")],
    );
    assert.equal(record.downloads[1].bytesDurable, 150);
    assert.deepEqual(record.downloads[1].partialFile, {
      path: join(downloads, "big.bin.ossdl-part"),
      size: 400,
    });
  });
});

test("status <directory>: none is no error; a damaged journal is listed and gives exit 10", async () => {
  await withDir(async (dir) => {
    const empty = await cli(["status", dir]);
    assert.equal(empty.code, 0, empty.err);
    assert.equal(empty.out, `no download journals (*.ossdl-journal) in ${dir}\n`);
    const none = await cli(["status", dir, "--json"]);
    assert.deepEqual(JSON.parse(none.out), { directory: dir, downloads: [], unreadable: [] });

    writeFileSync(join(dir, "good.bin.ossdl-journal"), journalBytes());
    const bad = journalBytes();
    bad[0] ^= 0xff;
    writeFileSync(join(dir, "bad.bin.ossdl-journal"), bad);
    const run = await cli(["status", dir]);
    assert.equal(run.code, 10, run.err);
    assert.match(
      run.out,
      /^2 download journals in .*:\n\ncheckpoint +.*bad\.bin\.ossdl-journal: cannot be read: the checkpoint journal is not usable: /,
    );
    assert.match(run.out, /\ncheckpoint +.*good\.bin\.ossdl-journal \(2 records\)\n/);
    const json = await cli(["status", dir, "--json"]);
    assert.equal(json.code, 10);
    const record = JSON.parse(json.out);
    assert.equal(record.downloads.length, 1);
    assert.equal(record.unreadable.length, 1);
    assert.equal(record.unreadable[0].code, "JOURNAL_DAMAGED");
    assert.equal(record.unreadable[0].exitCode, 10);
  });
});

test("an interrupted download into a directory names the file to give status, which shows it", {
  timeout: 30000,
}, async () => {
  const emulator = new OssEmulator();
  await emulator.put("slow-bucket", "dir/k 1.bin", seededBytes(4 * 1024 * 1024, 7));
  emulator.setFaults({ throttle: { bytesPerSecond: 1024 * 1024 } });
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  try {
    await withDir(async (dir) => {
      const downloads = join(dir, "downloads");
      mkdirSync(downloads);
      const f = fakeIo([
        "oss://slow-bucket/dir/k 1.bin",
        downloads,
        "--endpoint",
        server.url,
        "--part-size",
        "1MiB",
        "--json",
      ]);
      const running = main(f.io);
      for (let i = 0; i < 300 && !f.out().includes('"type":"progress"'); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      f.signal("SIGINT");
      assert.equal(await running, 130, f.err());
      const file = join(downloads, "k 1.bin");
      const line = /\nexactly what is saved: (.*)\n/.exec(f.err())?.[1];
      assert.equal(line, `ossdl status '${file}'`);
      const byFile = await cli(["status", file]);
      assert.equal(byFile.code, 0, byFile.err);
      assert.match(byFile.out, /^checkpoint +.*k 1\.bin\.ossdl-journal/);
      assert.match(byFile.out, /\nobject +.*slow-bucket.*dir\/k 1\.bin/);
      const byDirectory = await cli(["status", downloads]);
      assert.equal(byDirectory.code, 0, byDirectory.err);
      assert.match(
        byDirectory.out,
        /^1 download journal in .*downloads:\n\ncheckpoint +.*k 1\.bin/,
      );
    });
  } finally {
    await server.close();
  }
});

test("statusCommandFor names the file a download into a directory writes, or the checkpoint", async () => {
  const fs = new MemoryFileSystem();
  fs.mkdirDurable("/data/dl");
  const get = (source: string, destination: string, checkpoint?: string): GetCommand => ({
    kind: "get",
    source,
    destination,
    checkpoint,
    signatureVersion: "v4",
    resume: true,
    force: false,
    output: "normal",
    debug: false,
    recursive: false,
    filters: [],
    checksum: false,
  });
  const status = (c: GetCommand) => statusCommandFor("ossdl", c, fs);
  assert.equal(await status(get("oss://b-1/x/k.bin", "/data/dl")), "ossdl status /data/dl/k.bin");
  assert.equal(
    await status(get("oss://b-1/x/k.bin", "/data/new/")),
    "ossdl status /data/new/k.bin",
  );
  assert.equal(
    await status(get("https://h/b/a%20b.bin?Signature=s", "/data/dl/")),
    "ossdl status '/data/dl/a b.bin'",
  );
  assert.equal(await status(get("oss://b-1/x/k.bin", "/data/f.bin")), "ossdl status /data/f.bin");
  assert.equal(
    await status(get("oss://b-1/x/k.bin", "/data/dl", "/cp/j")),
    "ossdl status /cp/j",
  );
  // A name that cannot be used: no status line (the download itself fails with the reason).
  assert.equal(await status(get("https://h/b/..%2Fx", "/data/dl")), null);
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
