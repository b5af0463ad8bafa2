import assert from "node:assert/strict";
import { test } from "node:test";
import {
  fileNameFromSource,
  resolveDownloadPaths,
  UnsafeFileNameError,
} from "../src/download/destination_path.ts";
import { download } from "../src/download/download.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { fixture, sameBytes } from "./_engine_fixture.ts";

const URL_BASE = "http://127.0.0.1:9/bucket/";

function refused(source: string | { key: string }, reason: RegExp): void {
  assert.throws(
    () => fileNameFromSource(source),
    (e: unknown) => {
      assert.ok(e instanceof UnsafeFileNameError, `${JSON.stringify(source)}: ${e}`);
      assert.ok(e instanceof TypeError);
      assert.equal(e.code, "UNSAFE_FILE_NAME");
      assert.match(e.message, reason, JSON.stringify(source));
      assert.match(e.hint, /give a file name as the destination/);
      return true;
    },
  );
}

test("fileNameFromSource: ordinary oss:// keys, {key} and URLs give their last segment", () => {
  assert.equal(fileNameFromSource("oss://my-bucket/big/file.zip"), "file.zip");
  assert.equal(fileNameFromSource("oss://my-bucket/file.zip"), "file.zip");
  assert.equal(fileNameFromSource("OSS://my-bucket/a/b/c.tar.gz"), "c.tar.gz");
  assert.equal(fileNameFromSource({ key: "dir/a b+c~!.txt" }), "a b+c~!.txt");
  assert.equal(fileNameFromSource(URL_BASE + "dir/file.bin"), "file.bin");
  // Query and fragment are ignored (a presigned URL's signature never names the file).
  assert.equal(
    fileNameFromSource(URL_BASE + "dir/file.bin?x-oss-signature=abc%2Fdef&x=..%2F..#frag/x"),
    "file.bin",
  );
  assert.equal(fileNameFromSource("HTTPS://example.com/x/y/z.iso"), "z.iso");
});

test("fileNameFromSource: oss:// keys are raw (never percent-decoded); '?' is part of the key", () => {
  assert.equal(fileNameFromSource("oss://b-1/dir/a%2Fb"), "a%2Fb");
  assert.equal(fileNameFromSource("oss://b-1/dir/..%2F..%2Fetc%2Fx"), "..%2F..%2Fetc%2Fx");
  assert.equal(fileNameFromSource("oss://b-1/dir/q?x=1"), "q?x=1");
  assert.equal(fileNameFromSource({ key: "dir/100%.txt" }), "100%.txt");
});

test("fileNameFromSource: unicode names are kept as they are", () => {
  assert.equal(fileNameFromSource("oss://b-1/文件/报告.pdf"), "报告.pdf");
  assert.equal(fileNameFromSource({ key: "ü/naïve café.txt" }), "naïve café.txt");
  assert.equal(fileNameFromSource(URL_BASE + "r%C3%A9sum%C3%A9.pdf"), "résumé.pdf");
  assert.equal(fileNameFromSource(URL_BASE + "%E6%8A%A5%E5%91%8A.pdf"), "报告.pdf");
  assert.equal(fileNameFromSource(URL_BASE + "emoji-%F0%9F%93%A6.bin"), "emoji-📦.bin");
  // The URL parser percent-encodes raw unicode; one decode gives it back.
  assert.equal(fileNameFromSource(URL_BASE + "报告.pdf"), "报告.pdf");
  // Spaces, "+" (not a space in a path), ":" and "%" that is no encoding are fine.
  assert.equal(fileNameFromSource(URL_BASE + "a%20b+c:d.txt"), "a b+c:d.txt");
  assert.equal(fileNameFromSource(URL_BASE + "100%.txt"), "100%.txt");
  assert.equal(fileNameFromSource(URL_BASE + "%E0%A4%A"), "%E0%A4%A");
  // A name of exactly 255 UTF-8 bytes is accepted.
  assert.equal(fileNameFromSource({ key: "d/" + "é".repeat(127) + "x" }).length, 128);
});

test("fileNameFromSource: traversal encodings in URLs are refused, not followed", () => {
  refused(URL_BASE + "..%2F..%2Fhome%2Fu%2F.bashrc", /contains "\/"/);
  refused(URL_BASE + "..%2f..%2fetc%2fx", /contains "\/"/);
  refused(URL_BASE + "%2e%2e%2f%2e%2e%2fetc%2fpasswd", /contains "\/"/);
  refused(URL_BASE + "%2E%2E%2F", /contains "\/"/);
  refused(URL_BASE + "..%5C..%5Cwindows%5Cx", /contains "\\"/);
  refused(URL_BASE + "a%5cb", /contains "\\"/);
  // Dot segments, encoded or not: the URL parser resolves them, leaving an empty last segment.
  refused(URL_BASE + "..", /is empty/);
  refused(URL_BASE + "%2e%2e", /is empty/);
  refused(URL_BASE + "%2E.", /is empty/);
  refused(URL_BASE + ".", /is empty/);
  // A backslash in an http URL is a path separator for the URL parser: the last segment counts.
  assert.equal(fileNameFromSource(URL_BASE + "..\\..\\etc\\x"), "x");
});

test("fileNameFromSource: a double-encoded separator decodes once to a literal, harmless name", () => {
  assert.equal(fileNameFromSource(URL_BASE + "..%252F..%252Fetc%252Fx"), "..%2F..%2Fetc%2Fx");
  assert.equal(fileNameFromSource(URL_BASE + "%252e%252e"), "%2e%2e");
  assert.equal(fileNameFromSource(URL_BASE + "..%255C"), "..%5C");
});

test("fileNameFromSource: NUL and control characters are refused", () => {
  refused(URL_BASE + "a%00b", /NUL or control character/);
  refused(URL_BASE + "%00", /NUL or control character/);
  refused(URL_BASE + "x%0Ay", /NUL or control character/);
  refused(URL_BASE + "x%0d", /NUL or control character/);
  refused(URL_BASE + "x%1B%5B31m", /NUL or control character/);
  refused(URL_BASE + "del%7F", /NUL or control character/);
  refused(URL_BASE + "c1%C2%85", /NUL or control character/);
  refused({ key: "dir/a\u0000b" }, /NUL or control character/);
  refused({ key: "dir/tab\there" }, /NUL or control character/);
  refused("oss://b-1/dir/new\nline", /NUL or control character/);
});

test("fileNameFromSource: empty, '.', '..', separators and over-long names are refused", () => {
  refused("oss://b-1/dir/", /is empty \(the key or URL ends with "\/"\)/);
  refused("oss://b-1", /is empty/);
  refused({ key: "dir/" }, /is empty/);
  refused({ key: "dir/.." }, /relative directory reference/);
  refused({ key: "." }, /relative directory reference/);
  refused({ key: "dir\\..\\..\\x" }, /contains "\\"/);
  refused(URL_BASE + "dir/", /is empty/);
  refused("http://127.0.0.1:9", /is empty/);
  refused({ key: "d/" + "é".repeat(128) }, /longer than 255 bytes/);
  assert.throws(() => fileNameFromSource("ftp://h/x"), TypeError);
  assert.throws(() => fileNameFromSource("http://[bad/x"), /not a valid URL/);
});

test("resolveDownloadPaths: a file destination is used as it is, whatever the source", async () => {
  const fs = new MemoryFileSystem();
  fs.mkdirDurable("/data");
  const p = await resolveDownloadPaths(fs, "/data/out.bin", URL_BASE + "..%2F..%2Fetc%2Fx");
  assert.deepEqual(p, {
    destination: "/data/out.bin",
    partial: "/data/out.bin.ossdl-part",
    journal: "/data/out.bin.ossdl-journal",
    directory: "/data",
  });
  const c = await resolveDownloadPaths(fs, "out.bin", "oss://b-1/k", "/tmp/j");
  assert.deepEqual(c, {
    destination: "out.bin",
    partial: "out.bin.ossdl-part",
    journal: "/tmp/j",
    directory: ".",
  });
});

test("resolveDownloadPaths: an existing directory, or a trailing / or \\, gets the source's name", async () => {
  const fs = new MemoryFileSystem();
  fs.mkdirDurable("/data/dl");
  const expect = (destination: string) => ({
    destination,
    partial: destination + ".ossdl-part",
    journal: destination + ".ossdl-journal",
    directory: "/data/dl",
  });
  assert.deepEqual(
    await resolveDownloadPaths(fs, "/data/dl", "oss://b-1/x/file.zip"),
    expect("/data/dl/file.zip"),
  );
  assert.deepEqual(
    await resolveDownloadPaths(fs, "/data/dl//", { key: "x/file.zip" }),
    expect("/data/dl/file.zip"),
  );
  assert.deepEqual(
    await resolveDownloadPaths(fs, "/data/dl\\", URL_BASE + "r%C3%A9.bin?sig=1"),
    expect("/data/dl/ré.bin"),
  );
  // A directory that does not exist yet, named with a trailing slash (the engine creates it).
  const missing = await resolveDownloadPaths(fs, "/data/new/", "oss://b-1/k.bin", "/j");
  assert.deepEqual(missing, {
    destination: "/data/new/k.bin",
    partial: "/data/new/k.bin.ossdl-part",
    journal: "/j",
    directory: "/data/new",
  });
  for (
    const bad of [
      URL_BASE + "..%2F..%2Fetc%2Fx",
      URL_BASE + "%2e%2e%2fx",
      URL_BASE + "..%5Cx",
      URL_BASE + "x%00",
      "oss://b-1/dir/",
    ]
  ) {
    await assert.rejects(resolveDownloadPaths(fs, "/data/dl", bad), UnsafeFileNameError, bad);
    await assert.rejects(resolveDownloadPaths(fs, "/data/dl/", bad), UnsafeFileNameError, bad);
  }
});

// End to end: the engine names the file with resolveDownloadPaths. This test passes once
// download() calls resolveDownloadPaths (src/download/download.ts) instead of its own resolvePaths.
test("download: a URL whose last segment decodes to ../../etc/x writes nothing outside the directory", async () => {
  const f = await fixture(10_000);
  const evil = "../../etc/x";
  await f.emulator.put("bucket", evil, f.object);
  f.fs.mkdirDurable("/data/dl");
  f.fs.mkdirDurable("/etc");
  const source = "http://127.0.0.1:9/bucket/..%2F..%2Fetc%2Fx";
  // The emulator serves the key with path-style addressing: the source really is reachable.
  const probe = await f.emulator.handle(new Request(source));
  assert.equal(probe.status, 200);
  assert.ok(sameBytes(new Uint8Array(await probe.arrayBuffer()), f.object));
  for (const destination of ["/data/dl", "/data/dl/"]) {
    await assert.rejects(
      download(f.options({ source, destination, endpoint: undefined })),
      (e: unknown) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match((e as Error).message, /"\.\.\/\.\.\/etc\/x" contains "\/"/);
        return true;
      },
    );
    const outside = f.fs.listFiles().filter((p) => !p.startsWith("/data/dl/"));
    assert.deepEqual(outside, [], "nothing may be written outside /data/dl");
    assert.deepEqual(f.fs.listFiles(), [], "nothing is written at all");
  }
  // A double-encoded name is a literal file name inside the directory.
  const literal = "..%2F..%2Fetc%2Fx";
  await f.emulator.put("bucket", literal, f.object);
  const result = await download(f.options({
    source: "http://127.0.0.1:9/bucket/..%252F..%252Fetc%252Fx",
    destination: "/data/dl/",
    endpoint: undefined,
  }));
  assert.equal(result.destination, "/data/dl/" + literal);
  assert.ok(sameBytes(f.fs.readLive("/data/dl/" + literal), f.object));
  assert.deepEqual(f.fs.listFiles(), ["/data/dl/" + literal]);
});
