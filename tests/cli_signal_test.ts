import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { runDownload } from "../src/cli/run_download.ts";
import { FakeExit, fakeIo } from "./cli_fake_io.ts";

const MiB = 1024 * 1024;

async function slowDownload() {
  const emulator = new OssEmulator();
  await emulator.put("slow-bucket", "k.bin", seededBytes(4 * MiB, 7));
  emulator.setFaults({ throttle: { bytesPerSecond: 1 * MiB } });
  const dir = mkdtempSync(join(tmpdir(), "ossdl-cli-signal-"));
  const f = fakeIo(["oss://slow-bucket/k.bin", join(dir, "k.bin"), "--json"]);
  const running = runDownload({
    io: f.io,
    output: "json",
    debug: false,
    resumeCommand: "ossdl oss://slow-bucket/k.bin k.bin --json",
    options: {
      source: "oss://slow-bucket/k.bin",
      destination: join(dir, "k.bin"),
      endpoint: "http://127.0.0.1:9",
      partSize: 1 * MiB,
      concurrency: 2,
      progressIntervalMs: 50,
      chunkSize: 64 * 1024,
      fetch: (input, init) => emulator.handle(new Request(input, init)),
    },
  });
  const progressed = async () => {
    for (let i = 0; i < 200 && !f.out().includes('"type":"progress"'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(f.out().includes('"type":"progress"'), "the download started");
  };
  return { f, running, progressed, dir };
}

test("SIGINT aborts through the AbortController: exit 130 and the resume command", {
  timeout: 20000,
}, async () => {
  const { f, running, progressed, dir } = await slowDownload();
  try {
    await progressed();
    assert.equal(f.listeners("SIGINT"), 1);
    assert.equal(f.listeners("SIGTERM"), 1);
    const sent = performance.now();
    f.signal("SIGINT");
    const outcome = await running;
    assert.ok(performance.now() - sent < 2000);
    assert.equal(outcome.exitCode, 130);
    assert.equal(outcome.result, null);
    assert.deepEqual(f.exits, []);
    assert.match(
      f.err(),
      /^interrupted by SIGINT: about .* received; .*\nexactly what is saved: ossdl status \S*k\.bin\nresume with: ossdl oss:\/\/slow-bucket\/k\.bin k\.bin --json\n$/,
    );
    const last = JSON.parse(f.out().trimEnd().split("\n").at(-1)!);
    assert.equal(last.type, "interrupted");
    assert.equal(last.signal, "SIGINT");
    assert.equal(f.listeners("SIGINT"), 0, "handlers are removed afterwards");
    assert.deepEqual(readdirSync(dir).sort(), ["k.bin.ossdl-journal", "k.bin.ossdl-part"]);
  } finally {
    await running.catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a second signal exits at once: SIGINT then SIGINT gives 130, SIGTERM then SIGTERM 143", {
  timeout: 20000,
}, async () => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    const { f, running, progressed, dir } = await slowDownload();
    try {
      await progressed();
      f.signal(signal);
      assert.deepEqual(f.exits, [], "the first signal only aborts");
      assert.throws(
        () => f.signal(signal),
        (e: unknown) => e instanceof FakeExit && e.code === code,
      );
      assert.deepEqual(f.exits, [code], "the second signal exits at once");
      assert.match(f.err(), new RegExp(`${signal} again: exiting now`));
      assert.equal((await running).exitCode, code);
    } finally {
      await running.catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
