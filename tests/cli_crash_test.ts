import assert from "node:assert/strict";
import { test } from "node:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { seededRandom } from "../src/emulator/faults.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { replayJournal } from "../src/journal/journal.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { lastRecord, runCli, startCli } from "./cli_spawn.ts";

const MiB = 1024 * 1024;
const CREDS = { accessKeyId: "LTAIcrashtest", accessKeySecret: "crash-test-secret" };
const ENV = { OSS_ACCESS_KEY_ID: CREDS.accessKeyId, OSS_ACCESS_KEY_SECRET: CREDS.accessKeySecret };

/**
 * What the journal beside `dest` claims is durable, after checking every claim against the
 * partial data file: each journaled segment's bytes must have the journaled CRC-64.
 */
async function durableBytes(dest: string): Promise<number> {
  const journal = dest + ".ossdl-journal";
  if (!existsSync(journal)) return 0;
  const replay = await replayJournal(readFileSync(journal));
  const partial = readFileSync(dest + ".ossdl-part");
  let total = 0;
  for (const s of replay.segments) {
    const bytes = partial.subarray(
      s.start - replay.header.rangeStart,
      s.end - replay.header.rangeStart,
    );
    assert.equal(
      await crc64(bytes),
      s.crc64,
      `journaled segment [${s.start}, ${s.end}) is on disk`,
    );
    total += s.end - s.start;
  }
  return total;
}

test("kill -9 the CLI at random moments, resume with the same command, get the exact object", {
  timeout: 60000,
}, async () => {
  await killAndResume([], 20240601);
});

test(
  "--no-fsync: kill -9 at random moments; what the journal claims is still on disk, exact object",
  {
    timeout: 60000,
  },
  async () => {
    // Nothing is fsync'd; a killed process loses nothing the OS accepted, so the journal's claims
    // hold (checked after every kill) and the last run resumes from them.
    const result = await killAndResume(["--no-fsync"], 20241127);
    assert.equal(result.durability, "none");
  },
);

/** Kill the CLI 4 times, checking the journal each time, then finish; the final result record. */
async function killAndResume(
  extra: string[],
  seed: number,
): Promise<Record<string, unknown>> {
  // Four kills after at most 1.4 s at 8 MiB/s leave at least 20 MiB to fetch: every run, the
  // last included, has more than 16 MiB to do and writes through the block-writer worker.
  const size = 64 * MiB;
  const bytes = seededBytes(size, 48);
  const emulator = new OssEmulator({ credentials: CREDS });
  await emulator.put("crash-bucket", "big file+ü.bin", bytes);
  // ~2 MiB/s per stream, 4 streams: the whole object takes about 8 s.
  emulator.setFaults({ throttle: { bytesPerSecond: 2 * MiB } });
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-crash-"));
  const dest = join(dir, "big.bin");
  const args = [
    "oss://crash-bucket/big file+ü.bin",
    dest,
    "--endpoint",
    server.url,
    "--region",
    "cn-hangzhou",
    "--part-size",
    "4MiB",
    "--concurrency",
    "4",
    "--json",
    ...extra,
  ];
  const random = seededRandom(seed);
  try {
    let durable = 0;
    const resumedPerRun: number[] = [];
    for (let kill = 0; kill < 4; kill++) {
      const cli = startCli(args, ENV);
      const first = await cli.waitForRecord((r) => r.type === "progress");
      resumedPerRun.push(first.bytesResumed as number);
      // This run starts exactly from what the journal held when the previous run was killed.
      assert.equal(first.bytesResumed, durable, `run ${kill + 1} resumes from the journal`);
      await new Promise((r) => setTimeout(r, 600 + Math.floor(random() * 800)));
      cli.child.kill("SIGKILL");
      const exit = await cli.exited;
      assert.equal(exit.signal, "SIGKILL", `run ${kill + 1} was still running: ${exit.stderr}`);
      assert.ok(!existsSync(dest), "the destination appears only when complete");
      const now = await durableBytes(dest);
      assert.ok(now >= durable, "durable progress never shrinks");
      assert.ok(now < size);
      durable = now;
    }
    assert.ok(durable > 0, "some progress survived the kills");

    emulator.clearFaults();
    const final = await runCli(args, ENV);
    assert.equal(final.code, 0, final.stderr);
    const result = lastRecord(final.stdout);
    assert.equal(result.done, true);
    assert.equal(result.verified, true);
    assert.equal(result.resumed, true);
    // This run (and so the killed ones, which had more to fetch) wrote through the worker thread.
    assert.equal(result.writesOffThread, true);
    assert.equal(result.bytesResumed, durable);
    assert.ok((result.bytesFetched as number) >= size - durable);
    assert.ok(
      (result.bytesFetched as number) < size,
      "the resumed run fetched less than the whole",
    );
    assert.equal(result.crc64, (await crc64(bytes)).toString());
    const got = readFileSync(dest);
    assert.equal(got.length, size);
    assert.ok(Buffer.compare(got, Buffer.from(bytes)) === 0, "the file equals the object");
    assert.deepEqual(readdirSync(dir), ["big.bin"]);
    assert.ok(resumedPerRun.slice(1).some((n) => n > 0), "killed runs resumed too");
    return result;
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
