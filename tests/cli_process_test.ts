import assert from "node:assert/strict";
import { test } from "node:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { lastRecord, runCli, startCli } from "./cli_spawn.ts";

const MiB = 1024 * 1024;
const CREDS = { accessKeyId: "LTAItestkeyid", accessKeySecret: "test-secret-value-123" };
const ENV = { OSS_ACCESS_KEY_ID: CREDS.accessKeyId, OSS_ACCESS_KEY_SECRET: CREDS.accessKeySecret };
const TRICKY_KEY = "dir/sub dir/a b+c ü 日本.bin";

/** An emulator on a port, a temp dir, and cleanup. */
async function setup(signed: boolean) {
  const emulator = new OssEmulator(signed ? { credentials: CREDS } : {});
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-test-"));
  return {
    emulator,
    url: server.url,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sameBytes(path: string, expected: Uint8Array): boolean {
  const got = readFileSync(path);
  return got.length === expected.length && Buffer.compare(got, Buffer.from(expected)) === 0;
}

test("signed oss:// download of a key with spaces, +, unicode and / (--json output)", {
  timeout: 20000,
}, async () => {
  const s = await setup(true);
  try {
    const bytes = seededBytes(3 * MiB + 123, 1);
    await s.emulator.put("test-bucket", TRICKY_KEY, bytes);
    const dest = join(s.dir, "out file.bin");
    const run = await runCli([
      `oss://test-bucket/${TRICKY_KEY}`,
      dest,
      "--endpoint",
      s.url,
      "--region",
      "cn-hangzhou",
      "--part-size",
      "1MiB",
      "--concurrency",
      "3",
      "--json",
    ], ENV);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.ok(sameBytes(dest, bytes));
    const lines = run.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.every((l) => ["progress", "notice", "result"].includes(l.type)));
    const last = lines.at(-1);
    assert.equal(last.type, "result");
    assert.equal(last.done, true);
    assert.equal(last.ok, true);
    assert.equal(last.bytes, bytes.length);
    assert.equal(last.crc64, (await crc64(bytes)).toString());
    assert.equal(last.verified, true);
    assert.equal(typeof last.verification, "string");
    assert.equal(last.resumed, false);
    assert.equal(last.bytesResumed, 0);
    assert.ok((last.bytesFetched as number) >= bytes.length);
    assert.equal(typeof last.seconds, "number");
    assert.equal(last.destination, dest);
    assert.match(last.etag as string, /^"[0-9A-F]{32}"$/);
    assert.ok(!run.stdout.includes(CREDS.accessKeySecret));
    assert.deepEqual(readdirSync(s.dir), ["out file.bin"]); // no journal or partial left
  } finally {
    await s.close();
  }
});

test("anonymous oss:// download into a directory keeps the key's name; one summary line", {
  timeout: 20000,
}, async () => {
  const s = await setup(false);
  try {
    const bytes = seededBytes(2 * MiB, 2);
    await s.emulator.put("public-bucket", "data/x+y z.bin", bytes);
    const run = await runCli([
      "oss://public-bucket/data/x+y z.bin",
      s.dir + "/",
      "--endpoint",
      s.url,
      "--part-size",
      "512KiB",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "");
    assert.ok(sameBytes(join(s.dir, "x+y z.bin"), bytes));
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^done: 2\.00 MiB -> .*x\+y z\.bin in .*CRC-64 \d+ verified/);
  } finally {
    await s.close();
  }
});

test("presigned URL download (V4 and V1), whole and --range, with no credentials", {
  timeout: 20000,
}, async () => {
  const s = await setup(true);
  try {
    const bytes = seededBytes(2 * MiB + 7, 3);
    await s.emulator.put("test-bucket", TRICKY_KEY, bytes);
    const v4 = await presignUrl(`oss://test-bucket/${TRICKY_KEY}`, {
      endpoint: s.url,
      region: "cn-hangzhou",
      credentials: CREDS,
      expiresInSeconds: 600,
    });
    const whole = join(s.dir, "whole.bin");
    const run = await runCli([v4, whole, "--part-size", "1MiB"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(sameBytes(whole, bytes));
    const signature = new URL(v4).searchParams.get("x-oss-signature")!;
    assert.ok(!run.stderr.includes(signature));

    const v1 = await presignUrl(`oss://test-bucket/${TRICKY_KEY}`, {
      endpoint: s.url,
      credentials: CREDS,
      signatureVersion: "v1",
      expiresInSeconds: 600,
    });
    const part = join(s.dir, "part.bin");
    const ranged = await runCli([v1, part, "--range", "100-1048675", "--quiet"]);
    assert.equal(ranged.code, 0, ranged.stderr);
    assert.equal(ranged.stdout + ranged.stderr, "");
    assert.ok(sameBytes(part, bytes.subarray(100, 1048676)));
  } finally {
    await s.close();
  }
});

test("a missing key fails with one NoSuchKey line and a hint, exit 4, nothing left behind", {
  timeout: 20000,
}, async () => {
  const s = await setup(true);
  try {
    await s.emulator.put("test-bucket", "exists.bin", seededBytes(1000, 4));
    const dest = join(s.dir, "missing.bin");
    const run = await runCli([
      "oss://test-bucket/no such key.bin",
      dest,
      "--endpoint",
      s.url,
      "--region",
      "cn-hangzhou",
    ], ENV);
    assert.equal(run.code, 4);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, run.stderr);
    assert.match(lines[0], /^error: NoSuchKey \(404\).*RequestId [0-9A-F]+/);
    assert.match(lines[1], /^hint: check the object key/);
    assert.ok(!run.stderr.includes("    at "), "no stack trace");
    assert.deepEqual(readdirSync(s.dir), []);

    // The same bucket without credentials: 403, and a hint about setting them.
    const denied = await runCli([
      "oss://test-bucket/exists.bin",
      dest,
      "--endpoint",
      s.url,
    ]);
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stderr, /^error: \S+ \(403\)/);
    assert.match(denied.stderr, /\nhint: no credentials were found: set OSS_ACCESS_KEY_ID/);
    assert.deepEqual(readdirSync(s.dir), []);
  } finally {
    await s.close();
  }
});

test(
  "bad options exit 2 with a usage hint; --version prints the version",
  { timeout: 20000 },
  async () => {
    const bad = await runCli(["oss://bucket/key", "out.bin", "--part-size", "8XB"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: bad --part-size "8XB"\nhint: /);
    const version = await runCli(["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^ossdl \d+\.\d+\.\d+\n$/);
  },
);

test(
  "crc64 prints a file's CRC-64 as OSS writes it; a missing file exits 7",
  { timeout: 20000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-test-"));
    try {
      const bytes = seededBytes(5 * MiB + 3, 5);
      const file = join(dir, "f.bin");
      writeFileSync(file, bytes);
      const run = await runCli(["crc64", file]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${await crc64(bytes)}\n`);
      const missing = await runCli(["crc64", join(dir, "nope.bin")]);
      assert.equal(missing.code, 7);
      assert.match(missing.stderr, /^error: .*nope\.bin: no such file or directory\nhint: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("SIGTERM and SIGINT stop a download (143, 130) with a masked resume command; status; resume", {
  timeout: 30000,
}, async () => {
  const s = await setup(true);
  try {
    const size = 16 * MiB;
    const bytes = seededBytes(size, 6);
    await s.emulator.put("test-bucket", TRICKY_KEY, bytes);
    s.emulator.setFaults({ throttle: { bytesPerSecond: 1.5 * MiB } });
    const url = await presignUrl(`oss://test-bucket/${TRICKY_KEY}`, {
      endpoint: s.url,
      region: "cn-hangzhou",
      credentials: CREDS,
      expiresInSeconds: 600,
    });
    const signature = new URL(url).searchParams.get("x-oss-signature")!;
    const dest = join(s.dir, "big.bin");
    const args = [url, dest, "--part-size", "2MiB", "--concurrency", "4", "--json"];

    const interrupt = async (signal: "SIGINT" | "SIGTERM", atLeast: number) => {
      const cli = startCli(args);
      await cli.waitForRecord((r) => r.type === "progress" && (r.bytesDone as number) >= atLeast);
      const sent = performance.now();
      cli.kill(signal);
      const exit = await cli.exited;
      const ms = performance.now() - sent;
      assert.ok(ms < 2000, `exited ${ms} ms after ${signal}`);
      assert.ok(!existsSync(dest), "no destination before completion");
      return { exit, records: cli.records() };
    };

    const term = await interrupt("SIGTERM", 2 * MiB);
    assert.equal(term.exit.code, 143, term.exit.stderr);
    assert.match(
      term.exit.stderr,
      /^interrupted by SIGTERM: about .* received; what was written durably is kept\nexactly what is saved: .*cli\.ts status '?.*big\.bin'?\n/,
    );
    assert.match(term.exit.stderr, /\nresume with: .*cli\.ts '?http.*x-oss-signature=\*\*\*/);
    assert.match(term.exit.stderr, /'.*big\.bin'? --part-size 2MiB --concurrency 4 --json\n$/);
    assert.ok(!term.exit.stderr.includes(signature) && !term.exit.stdout.includes(signature));
    const termLast = term.records.at(-1)!;
    assert.equal(termLast.type, "interrupted");
    assert.equal(termLast.exitCode, 143);

    const int = await interrupt("SIGINT", 6 * MiB);
    assert.equal(int.exit.code, 130, int.exit.stderr);
    assert.match(int.exit.stderr, /^interrupted by SIGINT/);
    const firstProgress = int.records.find((r) => r.type === "progress")!;
    assert.ok((firstProgress.bytesResumed as number) > 0, "the second run resumed");

    const status = await runCli(["status", dest]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^checkpoint +.*big\.bin\.ossdl-journal/);
    assert.match(status.stdout, /\nobject +http:\/\/127\.0\.0\.1:\d+\/test-bucket\//);
    assert.match(status.stdout, new RegExp(`\\nsize +16\\.0 MiB \\(${size} bytes\\)`));
    const durable = /\ndurable +.* \((\d+\.\d)%, (\d+) of (\d+) bytes\)/.exec(status.stdout);
    assert.ok(durable, status.stdout);
    assert.ok(Number(durable[2]) > 0 && Number(durable[3]) === size);
    assert.match(status.stdout, /\n {2}part +1 +\[0, 2097152\)/);
    assert.ok(!status.stdout.includes(signature));
    const statusJson = await runCli(["status", dest + ".ossdl-journal", "--json"]);
    const st = JSON.parse(statusJson.stdout);
    assert.equal(st.bytesTotal, size);
    assert.equal(st.bytesDurable, Number(durable[2]));
    assert.equal(st.parts.length, 8);

    s.emulator.clearFaults();
    const final = await runCli(args);
    assert.equal(final.code, 0, final.stderr);
    const result = lastRecord(final.stdout);
    assert.equal(result.done, true);
    assert.equal(result.resumed, true);
    assert.equal(result.bytesResumed, Number(durable[2]));
    assert.ok((result.bytesFetched as number) < size);
    assert.ok(sameBytes(dest, bytes));
    assert.deepEqual(readdirSync(s.dir), ["big.bin"]);
  } finally {
    await s.close();
  }
});
