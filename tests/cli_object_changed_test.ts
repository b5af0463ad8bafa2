/**
 * The object changes while parts are in flight, over real sockets, with the real CLI: the 412 of
 * one part cancels the others, the download starts over once with a notice and finishes (exit 0),
 * or exits 5 when the object keeps changing. Either way the process ends within a bound.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import type { Faults } from "../src/emulator/faults.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { type CliExit, startCli } from "./cli_spawn.ts";

const MiB = 1024 * 1024;
/** The process must have ended by then (a restart takes about a second here). */
const BOUND_MS = 20_000;

async function run(
  object: Uint8Array,
  faultsFor: (index: number) => Faults | undefined,
): Promise<{ exit: CliExit | "hung"; emulator: OssEmulator; dir: string; dest: string }> {
  const emulator = new OssEmulator();
  await emulator.put("test-bucket", "big.bin", object);
  // Every body is slow (about 4 MB/s each), so parts are in flight when the object changes.
  emulator.setFaults({ throttle: { bytesPerSecond: 4_000_000 } });
  emulator.faultsFor = (info) => faultsFor(info.index);
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-changed-"));
  const dest = join(dir, "big.bin");
  try {
    const cli = startCli([
      "oss://test-bucket/big.bin",
      dest,
      "--endpoint",
      server.url,
      "--part-size",
      "1MiB",
      "--concurrency",
      "4",
      "--json",
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exit = await Promise.race([
      cli.exited,
      new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), BOUND_MS))),
    ]);
    clearTimeout(timer);
    if (exit === "hung") {
      cli.kill("SIGKILL");
      await cli.exited;
    }
    return { exit, emulator, dir, dest };
  } finally {
    await server.close();
  }
}

test("the object changes while 3 parts are in flight: one restart with a notice, exit 0", {
  timeout: 60_000,
}, async () => {
  const object = seededBytes(8 * MiB, 51);
  const changed = object.slice();
  changed[5] ^= 0xff;
  // HEAD is request 1, the first 4 GETs are 2-5: the object is replaced before the 4th GET.
  const change = { afterRequests: 4, content: changed };
  const { exit, emulator, dir, dest } = await run(object, () => ({ changeObject: change }));
  try {
    assert.notEqual(exit, "hung", `the CLI did not exit within ${BOUND_MS / 1000} s`);
    if (exit === "hung") return;
    assert.equal(exit.code, 0, exit.stderr + exit.stdout.slice(-2000));
    const records = exit.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(records.some((r) => r.type === "notice" && r.code === "OBJECT_CHANGED"));
    const last = records.at(-1);
    assert.equal(last.type, "result");
    assert.equal(last.restarts, 1);
    assert.equal(last.verified, true);
    const got = readFileSync(dest);
    assert.ok(Buffer.compare(got, Buffer.from(changed)) === 0, "the new version was downloaded");
    const log = emulator.stats.log;
    assert.equal(log.filter((e) => e.status === 412).length >= 1, true);
    // Parts were in flight when the 412 came: they were cut short.
    assert.ok(log.slice(1, 5).some((e) => e.status === 206 && e.bytesSent < MiB));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the object keeps changing while parts are in flight: exit 5 within the bound", {
  timeout: 60_000,
}, async () => {
  const object = seededBytes(8 * MiB, 52);
  // A new version every 4 requests, for ever.
  const changes = new Map<number, NonNullable<Faults["changeObject"]>>();
  const { exit, dir } = await run(object, (index) => {
    const k = Math.floor((index - 1) / 4);
    if (!changes.has(k)) {
      const content = object.slice();
      content[k % object.length] ^= 0xff;
      changes.set(k, { afterRequests: 4 * k, content });
    }
    return { changeObject: changes.get(k) };
  });
  try {
    assert.notEqual(exit, "hung", `the CLI did not exit within ${BOUND_MS / 1000} s`);
    if (exit === "hung") return;
    assert.equal(exit.code, 5, exit.stderr + exit.stdout.slice(-2000));
    const last = JSON.parse(exit.stdout.trimEnd().split("\n").at(-1)!);
    assert.equal(last.type, "error");
    assert.equal(last.code, "OBJECT_CHANGED");
    assert.equal(last.exitCode, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
