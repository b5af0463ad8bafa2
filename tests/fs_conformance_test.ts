// One conformance suite for every FileSystem adapter: the same cases run against MemoryFileSystem,
// NodeFileSystem (on Bun and on Deno's node:fs) and, when running on Deno, DenoFileSystem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemError } from "../src/errors.ts";
import type { FileInfo, FileSystem, PositionalFile } from "../src/fs/file_system.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { NodeFileSystem } from "../src/fs/node_file_system.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import { seededRandom } from "../src/seeded_random.ts";

interface Subject {
  fs: FileSystem;
  /** An empty directory to work in. */
  root: string;
  /** Whether errors carry the runtime's original error as `cause`. */
  realErrors: boolean;
  cleanup(): Promise<void>;
}

const isDeno = "Deno" in globalThis;
const enc = new TextEncoder();
const dec = new TextDecoder();

const random = seededRandom;

function randomBytes(n: number, seed: number): Uint8Array {
  const r = random(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

function shuffle<T>(items: T[], r: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Cuts [0, size) into consecutive chunks of 1..maxChunk bytes. */
function partition(size: number, maxChunk: number, r: () => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = 0; at < size;) {
    const n = Math.min(size - at, 1 + Math.floor(r() * maxChunk));
    out.push([at, n]);
    at += n;
  }
  return out;
}

async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  subject: Subject,
  path?: string,
): Promise<FileSystemError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof FileSystemError, `expected a FileSystemError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.ok(e.message.includes(path), e.message);
    if (subject.realErrors && code !== "FS_ERROR") assert.ok(e.cause !== undefined);
    return e;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

async function withSubject(
  make: () => Promise<Subject>,
  body: (s: Subject) => Promise<void>,
): Promise<void> {
  const s = await make();
  try {
    await body(s);
  } finally {
    await s.cleanup();
  }
}

/** Byte comparison that fails fast with a short message (a diff of megabytes would take ages). */
function sameBytes(actual: Uint8Array, expected: Uint8Array, what = "bytes"): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const i = actual.findIndex((b, k) => b !== expected[k]);
  assert.equal(i, -1, `${what}: first difference at byte ${i}`);
}

/** What `stat` says apart from `mtimeMs` (checked on its own: it varies). */
function withoutMtime(info: FileInfo | null): Omit<FileInfo, "mtimeMs"> | null {
  if (info === null) return null;
  const { mtimeMs: _, ...rest } = info;
  return rest;
}

async function readAll(f: PositionalFile): Promise<Uint8Array> {
  const out = new Uint8Array(await f.size());
  assert.equal(await f.read(out, 0), out.length);
  return out;
}

function conformance(name: string, make: () => Promise<Subject>): void {
  test(`${name}: open creates, writes, reads back, closes`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const p = join(s.root, "a.txt");
      await rejectsWith(fs.open(p), "FS_NOT_FOUND", s, p);
      const f = await fs.open(p, { create: true });
      await f.write(enc.encode("hello"), 0);
      await f.write(enc.encode(" world"), 5);
      assert.equal(await f.size(), 11);
      const buf = new Uint8Array(5);
      assert.equal(await f.read(buf, 6), 5);
      assert.equal(dec.decode(buf), "world");
      const big = new Uint8Array(20);
      assert.equal(await f.read(big, 6), 5);
      assert.equal(dec.decode(big.subarray(0, 5)), "world");
      assert.equal(await f.read(big, 11), 0);
      assert.equal(await f.read(big, 100), 0);
      assert.equal(await f.read(new Uint8Array(0), 0), 0);
      await f.datasync();
      await f.close();
      await f.close(); // idempotent
      await rejectsWith(f.write(enc.encode("x"), 0), "FS_ERROR", s);
      await rejectsWith(f.read(buf, 0), "FS_ERROR", s);
      assert.equal(dec.decode(await fs.readFile(p)), "hello world");
      assert.deepEqual(withoutMtime(await fs.stat(p)), {
        size: 11,
        isFile: true,
        isDirectory: false,
      });
    }));

  test(`${name}: open keeps, truncates, or opens read-only`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const p = join(s.root, "b.bin");
      let f = await fs.open(p, { create: true, truncate: true });
      await f.write(enc.encode("abcdef"), 0);
      await f.close();
      f = await fs.open(p);
      assert.equal(await f.size(), 6);
      await f.write(enc.encode("X"), 1);
      await f.close();
      f = await fs.open(p, { create: true });
      assert.equal(dec.decode(await readAll(f)), "aXcdef");
      await f.close();
      f = await fs.open(p, { readOnly: true });
      assert.equal(dec.decode(await readAll(f)), "aXcdef");
      await assert.rejects(f.write(enc.encode("Y"), 0), FileSystemError);
      await f.close();
      await assert.rejects(fs.open(p, { readOnly: true, create: true }), TypeError);
      await assert.rejects(fs.open(p, { readOnly: true, truncate: true }), TypeError);
      f = await fs.open(p, { truncate: true });
      assert.equal(await f.size(), 0);
      await f.close();
      assert.equal((await fs.readFile(p)).length, 0);
    }));

  test(`${name}: truncate grows with zeros and shrinks; writes past the end leave zeros`, () =>
    withSubject(make, async (s) => {
      const p = join(s.root, "t.bin");
      const f = await s.fs.open(p, { create: true });
      await f.write(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0);
      await f.truncate(4);
      assert.equal(await f.size(), 4);
      await f.truncate(8);
      assert.deepEqual([...await readAll(f)], [1, 2, 3, 4, 0, 0, 0, 0]);
      await f.write(new Uint8Array([7]), 10);
      assert.deepEqual([...await readAll(f)], [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 7]);
      await assert.rejects(f.truncate(-1), RangeError);
      await assert.rejects(f.write(new Uint8Array(1), -1), RangeError);
      await assert.rejects(f.write(new Uint8Array(1), 1.5), RangeError);
      await f.close();
      assert.equal((await s.fs.stat(p))?.size, 11);
    }));

  test(`${name}: stat tells files, directories and nothing`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      assert.equal(await fs.stat(join(s.root, "missing")), null);
      assert.equal(await fs.stat(join(s.root, "missing", "deeper")), null);
      assert.deepEqual(withoutMtime(await fs.stat(s.root)), {
        size: (await fs.stat(s.root))!.size,
        isFile: false,
        isDirectory: true,
      });
      const p = join(s.root, "f");
      await (await fs.open(p, { create: true })).close();
      assert.deepEqual(withoutMtime(await fs.stat(p)), {
        size: 0,
        isFile: true,
        isDirectory: false,
      });
      assert.equal(await fs.stat(join(p, "under-a-file")), null);
      // mtimeMs: whole milliseconds, known for files on every adapter, never going back on a write.
      const before = (await fs.stat(p))!.mtimeMs!;
      assert.ok(Number.isSafeInteger(before) && before >= 0, `mtimeMs ${before}`);
      const f = await fs.open(p);
      await f.write(enc.encode("x"), 0);
      await f.close();
      const after = (await fs.stat(p))!.mtimeMs!;
      assert.ok(Number.isSafeInteger(after) && after >= before, `mtimeMs ${before} -> ${after}`);
    }));

  test(`${name}: rename replaces the destination atomically`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const a = join(s.root, "a");
      const b = join(s.root, "b");
      for (const [p, text] of [[a, "new"], [b, "old contents"]]) {
        const f = await fs.open(p, { create: true });
        await f.write(enc.encode(text), 0);
        await f.close();
      }
      await fs.rename(a, b);
      assert.equal(await fs.stat(a), null);
      assert.equal(dec.decode(await fs.readFile(b)), "new");
      await rejectsWith(fs.rename(a, b), "FS_NOT_FOUND", s, a);
      await rejectsWith(fs.rename(b, join(s.root, "no", "c")), "FS_NOT_FOUND", s);
      await fs.mkdir(join(s.root, "d"));
      await rejectsWith(fs.rename(b, join(s.root, "d")), "FS_NOT_DIRECTORY", s);
      assert.equal(dec.decode(await fs.readFile(b)), "new");
    }));

  test(`${name}: opening a directory as a file fails with FS_NOT_DIRECTORY`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const dir = join(s.root, "a-directory");
      await fs.mkdir(dir);
      for (
        const options of [{}, { create: true }, { create: true, truncate: true }, {
          readOnly: true,
        }]
      ) {
        await rejectsWith(fs.open(dir, options), "FS_NOT_DIRECTORY", s, dir);
      }
      assert.equal((await fs.stat(dir))?.isDirectory, true);
    }));

  test(`${name}: remove deletes, and a missing file is no error`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const p = join(s.root, "r");
      await fs.remove(p);
      await fs.remove(join(s.root, "missing-dir", "r"));
      await (await fs.open(p, { create: true })).close();
      await fs.remove(p);
      assert.equal(await fs.stat(p), null);
      await fs.remove(p);
    }));

  test(`${name}: exclusive open creates a new file and refuses an existing one`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const p = join(s.root, "lock");
      const f = await fs.open(p, { exclusive: true });
      await f.write(enc.encode("mine"), 0);
      await f.close();
      await assert.rejects(fs.open(p, { exclusive: true }), (e: unknown) => {
        assert.ok(e instanceof FileSystemError);
        assert.equal(e.code, "FS_EXISTS");
        return true;
      });
      assert.equal(dec.decode(await fs.readFile(p)), "mine");
    }));

  test(`${name}: link gives a file a second name; both names show the same file`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const a = join(s.root, "a");
      const b = join(s.root, "b");
      const f = await fs.open(a, { exclusive: true });
      await f.write(enc.encode("record"), 0);
      await f.close();
      await fs.link(a, b);
      assert.equal(dec.decode(await fs.readFile(b)), "record");
      assert.deepEqual(withoutMtime(await fs.stat(b)), {
        size: 6,
        isFile: true,
        isDirectory: false,
      });
      const g = await fs.open(b);
      await g.write(enc.encode("R"), 0); // one file: a write through one name shows in the other
      await g.close();
      assert.equal(dec.decode(await fs.readFile(a)), "Record");
      await fs.remove(a);
      assert.equal(await fs.stat(a), null);
      assert.equal(dec.decode(await fs.readFile(b)), "Record");
      await rejectsWith(fs.link(a, join(s.root, "c")), "FS_NOT_FOUND", s, a);
      await rejectsWith(fs.link(b, join(s.root, "no", "c")), "FS_NOT_FOUND", s);
    }));

  test(`${name}: link onto an existing path fails with FS_EXISTS and leaves it unchanged`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const a = join(s.root, "new");
      const b = join(s.root, "taken");
      for (const [p, text] of [[a, "new"], [b, "old contents"]]) {
        const f = await fs.open(p, { create: true });
        await f.write(enc.encode(text), 0);
        await f.close();
      }
      await rejectsWith(fs.link(a, b), "FS_EXISTS", s, b);
      assert.equal(dec.decode(await fs.readFile(b)), "old contents");
      assert.equal(dec.decode(await fs.readFile(a)), "new");
      await fs.mkdir(join(s.root, "d"));
      await rejectsWith(fs.link(a, join(s.root, "d")), "FS_EXISTS", s);
      assert.equal((await fs.stat(join(s.root, "d")))?.isDirectory, true);
      // Many links to one name at once: exactly one succeeds.
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => fs.link(a, join(s.root, "once"))),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      for (const r of results) {
        if (r.status === "rejected") assert.equal((r.reason as FileSystemError).code, "FS_EXISTS");
      }
    }));

  test(`${name}: mkdir creates parents and accepts existing directories`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const deep = join(s.root, "x", "y", "z");
      await fs.mkdir(deep);
      await fs.mkdir(deep);
      await fs.mkdir(s.root);
      assert.equal((await fs.stat(deep))?.isDirectory, true);
      assert.equal((await fs.stat(join(s.root, "x", "y")))?.isDirectory, true);
      const file = join(s.root, "file");
      await (await fs.open(file, { create: true })).close();
      await rejectsWith(fs.mkdir(file), "FS_NOT_DIRECTORY", s, file);
      await rejectsWith(fs.mkdir(join(file, "sub")), "FS_NOT_DIRECTORY", s);
    }));

  test(`${name}: syncDir syncs directories and rejects what is not one`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const p = join(s.root, "s");
      const f = await fs.open(p, { create: true });
      await f.write(enc.encode("durable"), 0);
      await f.datasync();
      await f.close();
      await fs.syncDir(s.root);
      await fs.mkdir(join(s.root, "sub"));
      await fs.syncDir(join(s.root, "sub"));
      await rejectsWith(fs.syncDir(join(s.root, "missing")), "FS_NOT_FOUND", s);
      await rejectsWith(fs.syncDir(p), "FS_NOT_DIRECTORY", s);
      assert.equal(dec.decode(await fs.readFile(p)), "durable");
    }));

  test(`${name}: errors are mapped to FileSystemError codes`, () =>
    withSubject(make, async (s) => {
      const { fs } = s;
      const missing = join(s.root, "no-such-dir", "f");
      await rejectsWith(fs.open(missing, { create: true }), "FS_NOT_FOUND", s, missing);
      await rejectsWith(fs.readFile(missing), "FS_NOT_FOUND", s, missing);
      const file = join(s.root, "plain");
      await (await fs.open(file, { create: true })).close();
      const under = join(file, "f");
      const e = await rejectsWith(fs.open(under, { create: true }), "FS_NOT_DIRECTORY", s, under);
      assert.equal(e.operation, "open");
      assert.equal(e.path, under);
      await rejectsWith(fs.open(s.root), "FS_NOT_DIRECTORY", s);
      await rejectsWith(fs.open(s.root, { readOnly: true }), "FS_NOT_DIRECTORY", s);
      await rejectsWith(fs.readFile(s.root), "FS_NOT_DIRECTORY", s);
    }));

  for (const handles of [1, 4]) {
    test(`${name}: 2000 concurrent writes at random offsets through ${handles} handle(s)`, () =>
      withSubject(make, async (s) => {
        const r = random(handles * 1000 + 7);
        const size = 96 * 1024;
        const expected = randomBytes(size, handles);
        const chunks = shuffle(partition(size, 95, r), r);
        assert.ok(chunks.length >= 2000, `${chunks.length} writes`);
        const p = join(s.root, "scatter.bin");
        const files: PositionalFile[] = [];
        for (let i = 0; i < handles; i++) files.push(await s.fs.open(p, { create: true }));
        // The file is not pre-sized: writes far out extend it while others fill the holes.
        await Promise.all(
          chunks.map(([at, n], i) => files[i % handles].write(expected.slice(at, at + n), at)),
        );
        for (const f of files) assert.equal(await f.size(), size);
        await files[0].datasync();
        // Concurrent reads at random offsets through the same handles.
        const reads = Array.from({ length: 300 }, () => {
          const at = Math.floor(r() * size);
          return [at, 1 + Math.floor(r() * 300)] as const;
        });
        await Promise.all(reads.map(async ([at, n], i) => {
          const buf = new Uint8Array(n);
          const got = await files[i % handles].read(buf, at);
          assert.equal(got, Math.min(n, size - at));
          sameBytes(buf.subarray(0, got), expected.subarray(at, at + got), `read at ${at}`);
        }));
        for (const f of files) await f.close();
        sameBytes(await s.fs.readFile(p), expected);
      }));
  }

  test(`${name}: concurrent writes interleaved with reads and datasync on one handle`, () =>
    withSubject(make, async (s) => {
      const size = 32 * 1024;
      const r = random(99);
      const expected = randomBytes(size, 99);
      const p = join(s.root, "mixed.bin");
      const f = await s.fs.open(p, { create: true });
      await f.truncate(size);
      const chunks = shuffle(partition(size, 64, r), r);
      const ops: Promise<unknown>[] = [];
      for (const [i, [at, n]] of chunks.entries()) {
        ops.push(f.write(expected.slice(at, at + n), at));
        if (i % 50 === 0) ops.push(f.datasync(), f.read(new Uint8Array(100), at), f.size());
      }
      await Promise.all(ops);
      sameBytes(await readAll(f), expected);
      await f.close();
    }));

  test(`${name}: a large write and read round-trip whole`, () =>
    withSubject(make, async (s) => {
      const data = randomBytes(3 * 1024 * 1024 + 7, 3);
      const p = join(s.root, "large.bin");
      const f = await s.fs.open(p, { create: true });
      await f.write(data, 1);
      const back = new Uint8Array(data.length);
      assert.equal(await f.read(back, 1), data.length);
      sameBytes(back, data);
      assert.equal(await f.size(), data.length + 1);
      await f.close();
    }));
}

async function realSubject(fs: FileSystem): Promise<Subject> {
  const root = await mkdtemp(join(tmpdir(), "ossdl-fs-"));
  return { fs, root, realErrors: true, cleanup: () => rm(root, { recursive: true, force: true }) };
}

conformance("MemoryFileSystem", async () => {
  const fs = new MemoryFileSystem({ seed: 5 });
  await fs.mkdir("/data/work");
  return { fs, root: "/data/work", realErrors: false, cleanup: () => Promise.resolve() };
});

conformance("NodeFileSystem", () => realSubject(new NodeFileSystem()));

if (isDeno) {
  conformance("DenoFileSystem", async () => {
    const { DenoFileSystem } = await import("../src/fs/deno_file_system.ts");
    return realSubject(new DenoFileSystem());
  });
  conformance("DenoMixedFileSystem", async () => {
    const { DenoMixedFileSystem } = await import("../src/fs/deno_mixed_file_system.ts");
    return realSubject(new DenoMixedFileSystem());
  });
}

test("defaultFileSystem: node:fs for files everywhere, Deno's APIs for names on Deno (measured)", async () => {
  const fs = await defaultFileSystem();
  if (isDeno) {
    const { DenoMixedFileSystem } = await import("../src/fs/deno_mixed_file_system.ts");
    assert.ok(fs instanceof DenoMixedFileSystem);
  } else {
    assert.ok(fs instanceof NodeFileSystem);
  }
});
