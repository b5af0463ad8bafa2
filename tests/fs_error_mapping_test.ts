// The mapping of operating-system errors to FileSystemError codes. Permission errors cannot be
// provoked for real when the tests run as root (root ignores chmod), so the mapping function is
// tested directly; a real ENOSPC comes from /dev/full on Linux.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FileSystemError } from "../src/errors.ts";
import { fileSystemErrorCode, toFileSystemError } from "../src/fs/_map_error.ts";
import type { FileSystem } from "../src/fs/file_system.ts";
import { NodeFileSystem } from "../src/fs/node_file_system.ts";

function withCode(code: string): Error {
  return Object.assign(new Error(`something failed: ${code}`), { code });
}

function named(name: string, message = "failed"): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

test("OS error codes map to FileSystemError codes", () => {
  const table: Array<[string, string]> = [
    ["ENOSPC", "FS_NO_SPACE"],
    ["EDQUOT", "FS_NO_SPACE"],
    ["EACCES", "FS_PERMISSION"],
    ["EPERM", "FS_PERMISSION"],
    ["EROFS", "FS_PERMISSION"],
    ["ENOENT", "FS_NOT_FOUND"],
    ["ENOTDIR", "FS_NOT_DIRECTORY"],
    ["EISDIR", "FS_NOT_DIRECTORY"],
    ["EIO", "FS_ERROR"],
    ["EBADF", "FS_ERROR"],
    ["EEXIST", "FS_EXISTS"],
  ];
  for (const [os, code] of table) assert.equal(fileSystemErrorCode(withCode(os)), code, os);
});

test("Deno error classes map by name, and os error numbers are a fallback", () => {
  assert.equal(fileSystemErrorCode(named("NotFound")), "FS_NOT_FOUND");
  assert.equal(fileSystemErrorCode(named("PermissionDenied")), "FS_PERMISSION");
  assert.equal(fileSystemErrorCode(named("NotCapable")), "FS_PERMISSION");
  assert.equal(fileSystemErrorCode(named("NotADirectory")), "FS_NOT_DIRECTORY");
  assert.equal(fileSystemErrorCode(named("IsADirectory")), "FS_NOT_DIRECTORY");
  assert.equal(fileSystemErrorCode(named("BadResource")), "FS_ERROR");
  assert.equal(
    fileSystemErrorCode(new Error("No space left on device (os error 28)")),
    "FS_NO_SPACE",
  );
  assert.equal(fileSystemErrorCode(new Error("Permission denied (os error 13)")), "FS_PERMISSION");
  assert.equal(
    fileSystemErrorCode(new Error("Read-only file system (os error 30)")),
    "FS_PERMISSION",
  );
  assert.equal(fileSystemErrorCode(new Error("Interrupted (os error 4)")), "FS_ERROR");
  // A `.code` wins over the name.
  assert.equal(
    fileSystemErrorCode(Object.assign(named("NotFound"), { code: "EACCES" })),
    "FS_PERMISSION",
  );
  assert.equal(fileSystemErrorCode("a string"), "FS_ERROR");
  assert.equal(fileSystemErrorCode(null), "FS_ERROR");
  assert.equal(fileSystemErrorCode(undefined), "FS_ERROR");
});

test("real Deno error classes map too (on Deno)", () => {
  const deno = (globalThis as { Deno?: { errors: Record<string, new (m: string) => Error> } })
    .Deno;
  // On Bun there are no Deno classes; their names are covered by the test above.
  const cases: Array<[string, string]> = [
    ["PermissionDenied", "FS_PERMISSION"],
    ["NotFound", "FS_NOT_FOUND"],
    ["NotADirectory", "FS_NOT_DIRECTORY"],
    ["IsADirectory", "FS_NOT_DIRECTORY"],
  ];
  for (const [cls, code] of cases) {
    const e = deno ? new deno.errors[cls]("x") : named(cls);
    assert.equal(fileSystemErrorCode(e), code, cls);
  }
});

test("toFileSystemError keeps the cause, the operation and the path", () => {
  const cause = withCode("EACCES");
  const e = toFileSystemError(cause, "open", "/data/file.bin");
  assert.ok(e instanceof FileSystemError);
  assert.equal(e.code, "FS_PERMISSION");
  assert.equal(e.cause, cause);
  assert.equal(e.operation, "open");
  assert.equal(e.path, "/data/file.bin");
  assert.equal(e.message, "open /data/file.bin: permission denied");
  assert.equal(e.hint, "check the permissions, or choose a path you may write to");
  assert.equal(toFileSystemError(e, "write", "/other"), e);
});

async function adapters(): Promise<Array<[string, FileSystem]>> {
  const out: Array<[string, FileSystem]> = [["NodeFileSystem", new NodeFileSystem()]];
  if ("Deno" in globalThis) {
    const { DenoFileSystem } = await import("../src/fs/deno_file_system.ts");
    out.push(["DenoFileSystem", new DenoFileSystem()]);
  }
  return out;
}

const linux = (globalThis as { process?: { platform?: string } }).process?.platform === "linux";

test("a real ENOSPC (writing to /dev/full) becomes FS_NO_SPACE", async () => {
  // /dev/full exists on Linux only; this project's tests and CI run on Linux.
  assert.ok(linux, "this test needs Linux's /dev/full");
  for (const [name, fs] of await adapters()) {
    const f = await fs.open("/dev/full");
    try {
      await assert.rejects(f.write(new Uint8Array(4096), 0), (e: unknown) => {
        assert.ok(e instanceof FileSystemError, name);
        assert.equal(e.code, "FS_NO_SPACE", name);
        assert.equal(e.operation, "write");
        assert.ok(e.cause !== undefined);
        return true;
      });
    } finally {
      await f.close();
    }
  }
});
