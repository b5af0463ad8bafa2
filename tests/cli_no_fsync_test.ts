/**
 * `--no-fsync` on the command line: accepted by `get` and `get -r`, the download is exact and
 * verified, and the output says the file was not fsync'd (summary line, `"durability"` in JSON).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { main } from "../src/cli/main.ts";
import { fakeIo } from "./cli_fake_io.ts";

const MiB = 1024 * 1024;

async function withServer(
  body: (url: string, dir: string, bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const emulator = new OssEmulator();
  const bytes = seededBytes(2 * MiB + 17, 61);
  await emulator.put("bucket", "data/obj.bin", bytes);
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-no-fsync-"));
  try {
    await body(server.url, dir, bytes);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function same(path: string, bytes: Uint8Array): boolean {
  return Buffer.compare(readFileSync(path), Buffer.from(bytes)) === 0;
}

test("--no-fsync: the download is exact and verified, and the output says it was not fsync'd", {
  timeout: 30000,
}, async () => {
  await withServer(async (url, dir, bytes) => {
    const common = ["--endpoint", url, "--part-size", "512KiB"];
    const json = fakeIo(["oss://bucket/data/obj.bin", join(dir, "a.bin"), ...common, "--json"]);
    const noFsyncJson = fakeIo([
      "oss://bucket/data/obj.bin",
      join(dir, "b.bin"),
      ...common,
      "--no-fsync",
      "--json",
    ]);
    const plain = fakeIo([
      "oss://bucket/data/obj.bin",
      join(dir, "c.bin"),
      ...common,
      "--no-fsync",
    ]);
    for (const f of [json, noFsyncJson, plain]) assert.equal(await main(f.io), 0, f.err());
    for (const name of ["a.bin", "b.bin", "c.bin"]) assert.ok(same(join(dir, name), bytes), name);
    const last = (out: string) => JSON.parse(out.trimEnd().split("\n").at(-1)!);
    assert.equal(last(json.out()).durability, "full");
    const result = last(noFsyncJson.out());
    assert.equal(result.durability, "none");
    assert.equal(result.verified, true);
    assert.match(
      plain.err(),
      /^done: .* verified against the server's; not fsync'd \(--no-fsync\)/,
    );
  });
});

test("--no-fsync with get -r: every object exact", { timeout: 30000 }, async () => {
  await withServer(async (url, dir, bytes) => {
    const f = fakeIo(["get", "-r", "oss://bucket/data/", dir, "--endpoint", url, "--no-fsync"]);
    assert.equal(await main(f.io), 0, f.err());
    assert.ok(same(join(dir, "obj.bin"), bytes));
  });
});
