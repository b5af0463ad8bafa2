import assert from "node:assert/strict";
import { test } from "node:test";
import { crc64 } from "../src/crc64/crc64.ts";
import { FileSystemError, OssServiceError } from "../src/errors.ts";
import type { FileSystem } from "../src/fs/file_system.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { main } from "../src/cli/main.ts";
import { parseCommand, type VerifyCommand } from "../src/cli/parse_command.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { runVerify } from "../src/cli/verify_command.ts";
import { Crc64UnavailableError } from "../src/verify/crc64_unavailable_error.ts";
import { fileCrc64 } from "../src/verify/file_crc64.ts";
import { verifyFile, type VerifyFileOptions } from "../src/verify/verify_file.ts";
import { fakeIo } from "./cli_fake_io.ts";
import { testBytes } from "./_engine_fixture.ts";

const ENDPOINT = "http://127.0.0.1:9";
const SIZE = 300_001;

interface Setup {
  emulator: OssEmulator;
  versionId: string;
  fs: MemoryFileSystem;
  object: Uint8Array;
  fetch: typeof fetch;
  options(extra?: Partial<VerifyFileOptions>): VerifyFileOptions;
}

async function setup(): Promise<Setup> {
  const emulator = new OssEmulator();
  const object = testBytes(SIZE, 7);
  const { versionId } = await emulator.put("bucket", "dir/object.bin", object);
  await emulator.put("bucket", "no-crc.bin", object, { crc64: false });
  const fs = new MemoryFileSystem();
  fs.writeDurable("/data/same.bin", object);
  const flipped = object.slice();
  flipped[123_456] ^= 0x01;
  fs.writeDurable("/data/flipped.bin", flipped);
  fs.writeDurable("/data/short.bin", object.subarray(0, SIZE - 1));
  fs.writeDurable("/data/long.bin", new Uint8Array([...object, 0]));
  fs.mkdirDurable("/data/dir");
  const fetcher =
    ((input: RequestInfo | URL, init?: RequestInit) =>
      emulator.handle(new Request(input, init))) as typeof fetch;
  return {
    emulator,
    versionId,
    fs,
    object,
    fetch: fetcher,
    options: (extra = {}) => ({
      source: "oss://bucket/dir/object.bin",
      file: "/data/same.bin",
      endpoint: ENDPOINT,
      fetch: fetcher,
      fs,
      env: () => undefined,
      retryBaseDelayMs: 1,
      ...extra,
    }),
  };
}

/** A file system that refuses to open files: proves a file was not hashed. */
function noOpen(fs: FileSystem): FileSystem {
  return new Proxy(fs, {
    get(target, name, receiver) {
      if (name === "open") return () => Promise.reject(new Error("the file must not be read"));
      const value = Reflect.get(target, name, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

test("fileCrc64 hashes a whole file in chunks of any size", async () => {
  const fs = new MemoryFileSystem();
  const bytes = testBytes(100_003, 3);
  fs.writeDurable("/f.bin", bytes);
  const expected = await crc64(bytes);
  for (const chunkSize of [1 << 20, 4096, 7, 100_003]) {
    assert.deepEqual(await fileCrc64("/f.bin", { fs, chunkSize }), {
      crc64: expected,
      bytes: bytes.length,
    });
  }
  fs.writeDurable("/empty", new Uint8Array());
  assert.deepEqual(await fileCrc64("/empty", { fs }), { crc64: 0n, bytes: 0 });
  await assert.rejects(fileCrc64("/missing", { fs }), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.equal(e.code, "FS_NOT_FOUND");
    return true;
  });
  await assert.rejects(fileCrc64("/f.bin", { fs, chunkSize: 0 }), RangeError);
});

test("verifyFile: an equal file matches, with both CRC-64 values", async () => {
  const s = await setup();
  const r = await verifyFile(s.options());
  const expected = (await crc64(s.object)).toString();
  assert.equal(r.match, true);
  assert.equal(r.mismatch, null);
  assert.equal(r.localCrc64, expected);
  assert.equal(r.serverCrc64, expected);
  assert.equal(r.bytes, SIZE);
  assert.equal(r.serverBytes, SIZE);
  assert.equal(r.file, "/data/same.bin");
  assert.equal(r.source, "oss://bucket/dir/object.bin");
  assert.match(r.etag ?? "", /^"/);
  // Without downloading: one HEAD request, no GET.
  assert.deepEqual(s.emulator.stats.log.map((e) => e.method), ["HEAD"]);
  assert.equal(s.emulator.stats.bytesSent, 0);
});

test("verifyFile: one flipped byte is a CRC-64 mismatch", async () => {
  const s = await setup();
  const r = await verifyFile(s.options({ file: "/data/flipped.bin" }));
  assert.equal(r.match, false);
  assert.equal(r.mismatch, "crc64");
  assert.equal(r.bytes, SIZE);
  assert.notEqual(r.localCrc64, r.serverCrc64);
  assert.equal(r.serverCrc64, (await crc64(s.object)).toString());
});

test("verifyFile: a different size is a mismatch decided without reading the file", async () => {
  const s = await setup();
  for (const [file, bytes] of [["/data/short.bin", SIZE - 1], ["/data/long.bin", SIZE + 1]]) {
    const r = await verifyFile(s.options({ file: file as string, fs: noOpen(s.fs) }));
    assert.equal(r.match, false);
    assert.equal(r.mismatch, "size");
    assert.equal(r.bytes, bytes);
    assert.equal(r.serverBytes, SIZE);
    assert.equal(r.localCrc64, null);
  }
  // Also when the server gives no CRC-64: the sizes alone decide.
  const none = await verifyFile(
    s.options({ source: "oss://bucket/no-crc.bin", file: "/data/short.bin" }),
  );
  assert.equal(none.mismatch, "size");
  assert.equal(none.serverCrc64, null);
});

test("verifyFile: a missing file or a directory is a file-system error, before any request", async () => {
  const s = await setup();
  await assert.rejects(verifyFile(s.options({ file: "/data/nothing.bin" })), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.equal(e.code, "FS_NOT_FOUND");
    assert.match(e.message, /\/data\/nothing\.bin/);
    return true;
  });
  await assert.rejects(verifyFile(s.options({ file: "/data/dir" })), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.equal(e.code, "FS_ERROR");
    return true;
  });
  assert.equal(s.emulator.stats.requests, 0);
});

test("verifyFile: an object without a server CRC-64 cannot be verified (typed error)", async () => {
  const s = await setup();
  await assert.rejects(
    verifyFile(s.options({ source: "oss://bucket/no-crc.bin" })),
    (e: unknown) => {
      assert.ok(e instanceof Crc64UnavailableError);
      assert.equal(e.code, "CRC64_UNAVAILABLE");
      assert.match(e.message, /no CRC-64 \(x-oss-hash-crc64ecma\) for oss:\/\/bucket\/no-crc\.bin/);
      return true;
    },
  );
});

test("verifyFile: http(s) URL sources, versions, and a missing object", async () => {
  const s = await setup();
  const url = await verifyFile(
    s.options({
      source: `${ENDPOINT}/bucket/dir/object.bin?x-oss-signature=s`,
      endpoint: undefined,
    }),
  );
  assert.equal(url.match, true);
  assert.equal(url.source, `${ENDPOINT}/bucket/dir/object.bin`);
  // A second version: the file matches the first one only.
  await s.emulator.put("bucket", "dir/object.bin", testBytes(SIZE, 8));
  const latest = await verifyFile(s.options());
  assert.equal(latest.mismatch, "crc64");
  const old = await verifyFile(s.options({ versionId: s.versionId }));
  assert.equal(old.match, true);
  assert.equal(old.versionId, s.versionId);
  await assert.rejects(verifyFile(s.options({ source: "oss://bucket/none.bin" })), (e: unknown) => {
    assert.ok(e instanceof OssServiceError);
    assert.equal(e.status, 404);
    return true;
  });
});

function command(extra: Partial<VerifyCommand> = {}): VerifyCommand {
  return {
    kind: "verify",
    source: "oss://bucket/dir/object.bin",
    file: "/data/same.bin",
    endpoint: ENDPOINT,
    signatureVersion: "v4",
    output: "normal",
    debug: false,
    ...extra,
  };
}

async function run(s: Setup, extra: Partial<VerifyCommand> = {}) {
  const f = fakeIo(["verify"]);
  const code = await runVerify(command(extra), f.io, { fetch: s.fetch, fs: s.fs });
  return { code, out: f.out(), err: f.err() };
}

test("ossdl verify: equal 0, flipped byte 6, other size 6, missing file 7, no CRC-64 13", async () => {
  const s = await setup();
  const expected = (await crc64(s.object)).toString();

  const ok = await run(s);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.err, "");
  assert.match(
    ok.out,
    new RegExp(
      `^verified: /data/same\\.bin matches oss://bucket/dir/object\\.bin \\(293 KiB, ` +
        `CRC-64 ${expected}, checked in .*\\)\\n$`,
    ),
  );

  const flipped = await run(s, { file: "/data/flipped.bin" });
  assert.equal(flipped.code, 6);
  assert.equal(flipped.out, "");
  assert.match(
    flipped.err,
    new RegExp(
      `^error: CRC-64 mismatch: /data/flipped\\.bin gives \\d+, the server's ` +
        `x-oss-hash-crc64ecma for oss://bucket/dir/object\\.bin is ${expected}\\n` +
        `hint: the file differs from the object .*download it again\\n$`,
    ),
  );

  const short = await run(s, { file: "/data/short.bin" });
  assert.equal(short.code, 6);
  assert.match(
    short.err,
    /^error: \/data\/short\.bin does not match oss:\/\/bucket\/dir\/object\.bin: the file has 300000 bytes, the object 300001 \(sizes differ, the file was not hashed\)\nhint: /,
  );

  const missing = await run(s, { file: "/data/nothing.bin" });
  assert.equal(missing.code, 7);
  assert.match(missing.err, /^error: read \/data\/nothing\.bin: no such file or directory\nhint: /);

  const noCrc = await run(s, { source: "oss://bucket/no-crc.bin" });
  assert.equal(noCrc.code, 13);
  assert.match(noCrc.err, /^error: cannot verify: the server gives no CRC-64/);
  assert.match(noCrc.err, /\nhint: there is nothing to compare the file with/);

  const notFound = await run(s, { source: "oss://bucket/none.bin" });
  assert.equal(notFound.code, 4);
});

test("ossdl verify --json prints one record; --quiet prints nothing on success", async () => {
  const s = await setup();
  const expected = (await crc64(s.object)).toString();
  const ok = await run(s, { output: "json" });
  assert.equal(ok.code, 0);
  const lines = ok.out.trimEnd().split("\n");
  assert.equal(lines.length, 1, ok.out);
  const record = JSON.parse(lines[0]);
  assert.deepEqual({ ...record, seconds: 0, etag: null }, {
    type: "result",
    done: true,
    ok: true,
    exitCode: 0,
    match: true,
    mismatch: null,
    file: "/data/same.bin",
    source: "oss://bucket/dir/object.bin",
    bytes: SIZE,
    serverBytes: SIZE,
    crc64: expected,
    serverCrc64: expected,
    etag: null,
    versionId: s.versionId,
    seconds: 0,
  });

  const bad = await run(s, { output: "json", file: "/data/flipped.bin" });
  assert.equal(bad.code, 6);
  const badRecord = JSON.parse(bad.out);
  assert.equal(badRecord.ok, false);
  assert.equal(badRecord.match, false);
  assert.equal(badRecord.mismatch, "crc64");
  assert.equal(badRecord.exitCode, 6);
  assert.match(bad.err, /^error: CRC-64 mismatch/);

  const noCrc = await run(s, { output: "json", source: "oss://bucket/no-crc.bin" });
  assert.equal(noCrc.code, 13);
  const errRecord = JSON.parse(noCrc.out);
  assert.equal(errRecord.type, "error");
  assert.equal(errRecord.done, true);
  assert.equal(errRecord.code, "CRC64_UNAVAILABLE");
  assert.equal(errRecord.exitCode, 13);

  const quiet = await run(s, { output: "quiet" });
  assert.equal(quiet.code, 0);
  assert.equal(quiet.out + quiet.err, "");
  const quietBad = await run(s, { output: "quiet", file: "/data/short.bin" });
  assert.equal(quietBad.code, 6);
  assert.match(quietBad.err, /^error: /);
});

test("parseCommand: verify takes the connection options of get, and its own checks", () => {
  assert.deepEqual(
    parseCommand([
      "verify",
      "oss://bucket/a b.bin",
      "./a b.bin",
      "--endpoint=http://127.0.0.1:9000",
      "--region",
      "cn-hangzhou",
      "--signature-version",
      "v1",
      "--path-style",
      "--version-id",
      "CAEQ",
      "--json",
      "--debug",
    ]),
    {
      kind: "verify",
      source: "oss://bucket/a b.bin",
      file: "./a b.bin",
      endpoint: "http://127.0.0.1:9000",
      region: "cn-hangzhou",
      signatureVersion: "v1",
      pathStyle: true,
      versionId: "CAEQ",
      output: "json",
      debug: true,
    },
  );
  const plain = parseCommand(["verify", "https://h.example/k?x-oss-signature=s", "k", "-q"]);
  assert.equal(plain.kind, "verify");
  if (plain.kind === "verify") {
    assert.equal(plain.signatureVersion, "v4");
    assert.equal(plain.output, "quiet");
    assert.equal(plain.pathStyle, undefined);
  }
  assert.deepEqual(parseCommand(["verify", "--help"]), { kind: "help" });
  const cases: Array<[string[], RegExp]> = [
    [["verify"], /missing <source> and <file>/],
    [["verify", "oss://bucket/k"], /missing <file>/],
    [["verify", "oss://bucket/k", "f", "extra"], /unexpected argument "extra"/],
    [["verify", "bucket/k", "f"], /bad source/],
    [["verify", "oss://bucket/k", "f", "--range", "0-1"], /range/],
    [["verify", "oss://bucket/k", "f", "--no-resume"], /no-resume/],
    [["verify", "oss://bucket/k", "f", "--signature-version", "v2"], /unknown --signature-version/],
    [["verify", "oss://bucket/k", "f", "-q", "--json"], /cannot be used together/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCommand(args), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      return true;
    });
  }
});

test("main: verify of a missing local file exits 7 with error and hint, nothing on stdout", async () => {
  // The endpoint is never contacted: the file is looked at first.
  const f = fakeIo([
    "verify",
    "oss://bucket/k",
    "/nonexistent-ossdl-dir/none.bin",
    "--endpoint",
    "http://127.0.0.1:9",
  ]);
  assert.equal(await main(f.io), 7);
  assert.match(f.err(), /^error: read \/nonexistent-ossdl-dir\/none\.bin: no such file/);
  assert.match(f.err(), /\nhint: /);
  assert.equal(f.out(), "");
});

test("verifyFile: connectTimeoutMs bounds each attempt at a server that never answers", async () => {
  const s = await setup();
  s.emulator.faultsFor = () => ({ stallHeaders: true });
  const started = performance.now();
  const guard = AbortSignal.timeout(5000); // with the 30 s default instead: aborted, not exhausted
  await assert.rejects(
    verifyFile(s.options({ connectTimeoutMs: 50, maxAttempts: 2, signal: guard })),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "RETRIES_EXHAUSTED");
      return true;
    },
  );
  assert.ok(performance.now() - started < 5000);
});

test("verify --connect-timeout is parsed; a bad value is a usage error", () => {
  const c = parseCommand(["verify", "oss://b/k", "f", "--connect-timeout", "1.5"]) as VerifyCommand;
  assert.equal(c.connectTimeoutMs, 1500);
  assert.throws(
    () => parseCommand(["verify", "oss://b/k", "f", "--connect-timeout", "0"]),
    UsageError,
  );
});
