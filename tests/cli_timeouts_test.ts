/**
 * Over real sockets, with the real CLI: a body that stalls and a server that never answers are
 * ended by `--idle-timeout` and `--connect-timeout`, retried, and the download finishes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import type { EmulatorRequestInfo } from "../src/emulator/oss_emulator.ts";
import type { Faults } from "../src/emulator/faults.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { type CliExit, startCli } from "./cli_spawn.ts";

const MiB = 1024 * 1024;
const BOUND_MS = 20_000;

async function run(
  faultsFor: (info: EmulatorRequestInfo) => Faults | undefined,
  flags: string[],
): Promise<{ exit: CliExit | "hung"; emulator: OssEmulator; object: Uint8Array; out: Buffer }> {
  const emulator = new OssEmulator();
  const object = seededBytes(4 * MiB, 61);
  await emulator.put("test-bucket", "big.bin", object);
  emulator.faultsFor = faultsFor;
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-timeouts-"));
  try {
    const dest = join(dir, "big.bin");
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
      ...flags,
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
    const out = exit !== "hung" && exit.code === 0 ? readFileSync(dest) : Buffer.alloc(0);
    return { exit, emulator, object, out };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertFinished(
  { exit, object, out }: Awaited<ReturnType<typeof run>>,
  notice: RegExp,
): void {
  assert.notEqual(exit, "hung", `the CLI did not exit within ${BOUND_MS / 1000} s`);
  if (exit === "hung") return;
  assert.equal(exit.code, 0, exit.stderr + exit.stdout.slice(-2000));
  const records = exit.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.ok(
    records.some((r) => r.type === "notice" && r.code === "RETRY" && notice.test(r.message)),
    exit.stdout,
  );
  assert.equal(records.at(-1).verified, true);
  assert.ok(Buffer.compare(out, Buffer.from(object)) === 0);
}

test("a body that stalls mid-part is aborted after --idle-timeout and continued", {
  timeout: 60_000,
}, async () => {
  let stalled = false;
  const result = await run((info) => {
    if (stalled || info.range !== `bytes=${MiB}-${2 * MiB - 1}`) return undefined;
    stalled = true;
    return { stallAfterBytes: 100_000 };
  }, ["--idle-timeout", "0.5"]);
  assertFinished(result, /no data for 0\.5 s/);
  const ranges = result.emulator.stats.log.map((e) => e.range);
  assert.ok(ranges.some((r) => r?.startsWith(`bytes=${MiB + 100_000}-`)), JSON.stringify(ranges));
});

test("a request whose headers never come is retried after --connect-timeout", {
  timeout: 60_000,
}, async () => {
  let stalled = false;
  const result = await run((info) => {
    if (stalled || info.method !== "GET") return undefined;
    stalled = true;
    return { stallHeaders: true };
  }, ["--connect-timeout", "0.5"]);
  assertFinished(result, /no response within 0\.5 s/);
});
