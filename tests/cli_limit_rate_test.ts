// The one slow test of the suite: a bandwidth measurement with generous bounds (a floor, not a
// race), by a real CLI process against the emulator on a port.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { lastRecord, runCli, startCli } from "./cli_spawn.ts";

const MiB = 1024 * 1024;

test("--limit-rate 4MiB: 20 MiB in 5 s ± 15%, no 2 s window more than 25% over", {
  timeout: 30000,
}, async () => {
  const emulator = new OssEmulator();
  await emulator.put("bkt", "twenty.bin", seededBytes(20 * MiB, 5));
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-rate-"));
  try {
    const cli = startCli([
      "oss://bkt/twenty.bin",
      join(dir, "twenty.bin"),
      "--endpoint",
      server.url,
      "--part-size",
      "1MiB",
      "--limit-rate",
      "4MiB",
      "--json",
    ]);
    // Sample progress as it arrives: (time, bytes received).
    const samples: Array<[number, number]> = [];
    const seen = new Set<number>();
    const timer = setInterval(() => {
      const records = cli.records().filter((r) => r.type === "progress");
      for (let i = 0; i < records.length; i++) {
        if (seen.has(i)) continue;
        seen.add(i);
        samples.push([performance.now(), records[i].bytesDone as number]);
      }
    }, 20);
    const exit = await cli.exited;
    clearInterval(timer);
    assert.equal(exit.code, 0, exit.stderr);
    const result = lastRecord(exit.stdout);
    assert.equal(result.verified, true);
    const seconds = result.seconds as number;
    assert.ok(seconds >= 4.25 && seconds <= 5.75, `took ${seconds} s`);
    const limit = 4 * MiB;
    let windows = 0;
    for (let i = 0; i < samples.length; i++) {
      const j = samples.findIndex(([t]) => t - samples[i][0] >= 2000);
      if (j < 0) break;
      const rate = (samples[j][1] - samples[i][1]) * 1000 / (samples[j][0] - samples[i][0]);
      assert.ok(rate <= limit * 1.25, `${(rate / MiB).toFixed(2)} MiB/s over a 2 s window`);
      windows++;
    }
    assert.ok(windows >= 3, `only ${windows} windows sampled`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--limit-rate is one limit for all objects of get -r", { timeout: 30000 }, async () => {
  const emulator = new OssEmulator();
  for (const k of ["p/a.bin", "p/b.bin", "p/c.bin"]) {
    await emulator.put("bkt", k, seededBytes(2 * MiB, k.length));
  }
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-rate-r-"));
  try {
    const t0 = performance.now();
    const exit = await runCli([
      "get",
      "-r",
      "oss://bkt/p/",
      dir + "/",
      "--endpoint",
      server.url,
      "--jobs",
      "3",
      "--limit-rate",
      "2MiB",
      "-q",
    ]);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(exit.code, 0, exit.stderr);
    // 6 MiB at 2 MiB/s for all of them together: 3 s at least (less the 0.1 s burst); three
    // separate limits would take 1 s.
    assert.ok(seconds >= 2.7, `took ${seconds} s`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
