import assert from "node:assert/strict";
import { test } from "node:test";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { runDownload } from "../src/cli/run_download.ts";
import type { FileSystem, PositionalFile } from "../src/fs/file_system.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { fakeIo } from "./cli_fake_io.ts";

const MiB = 1024 * 1024;

/** `fs` whose files' `datasync` never settles once `stuck.on` is set (a hung disk). */
function hangingFs(fs: MemoryFileSystem, stuck: { on: boolean }): FileSystem {
  const file = (inner: PositionalFile): PositionalFile =>
    new Proxy(inner, {
      get(target, name) {
        if (name === "datasync") {
          return () => stuck.on ? new Promise<void>(() => {}) : target.datasync();
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(fs, {
    get(target, name) {
      if (name === "open") {
        return async (...args: Parameters<FileSystem["open"]>) => file(await target.open(...args));
      }
      if (name === "openBlockWriter") return undefined;
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as FileSystem;
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  test(`a download that does not stop after ${signal} is ended by the watchdog: exit ${code}`, {
    timeout: 20000,
  }, async () => {
    const emulator = new OssEmulator();
    await emulator.put("slow-bucket", "k.bin", seededBytes(4 * MiB, 9));
    emulator.setFaults({ throttle: { bytesPerSecond: 1 * MiB } });
    const memory = new MemoryFileSystem({ seed: 9 });
    memory.mkdirDurable("/data");
    const stuck = { on: false };
    const f = fakeIo(["oss://slow-bucket/k.bin", "/data/k.bin", "--json"]);
    // The real exitNow ends the process; this one records the code (and returns).
    const exits: number[] = [];
    let exitedAt = 0;
    const io = {
      ...f.io,
      exitNow: ((c: number) => {
        exits.push(c);
        exitedAt = performance.now();
      }) as (code: number) => never,
    };
    const running = runDownload({
      io,
      output: "json",
      debug: false,
      resumeCommand: "ossdl oss://slow-bucket/k.bin /data/k.bin --json",
      stopGraceMs: 300,
      options: {
        source: "oss://slow-bucket/k.bin",
        destination: "/data/k.bin",
        endpoint: "http://127.0.0.1:9",
        partSize: 1 * MiB,
        concurrency: 2,
        progressIntervalMs: 50,
        chunkSize: 64 * 1024,
        fs: hangingFs(memory, stuck),
        fetch: (input, init) => emulator.handle(new Request(input, init)),
      },
    });
    let settled = false;
    running.then(() => (settled = true), () => (settled = true));
    for (let i = 0; i < 200 && !f.out().includes('"type":"progress"'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(f.out().includes('"type":"progress"'), "the download started");
    // From now on the disk hangs: the download cannot wind down after the abort.
    stuck.on = true;
    const sent = performance.now();
    f.signal(signal);
    assert.deepEqual(exits, [], "the first signal only aborts");
    for (let i = 0; i < 150 && exits.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(exits, [code]);
    const waited = exitedAt - sent;
    assert.ok(waited >= 280 && waited < 2000, `the watchdog fired after ${waited} ms`);
    assert.equal(settled, false, "the download itself never settled");
    assert.match(f.err(), new RegExp(`${signal}: the download did not stop within 0\\.3 s`));
    assert.match(f.err(), /the journal is consistent/);
    assert.match(
      f.err(),
      /resume with: ossdl oss:\/\/slow-bucket\/k\.bin \/data\/k\.bin --json\n$/,
    );
    const last = JSON.parse(f.out().trimEnd().split("\n").at(-1)!);
    assert.equal(last.type, "interrupted");
    assert.equal(last.done, true);
    assert.equal(last.exitCode, code);
  });
}

test("a download that stops in time exits through the graceful path (no watchdog exit)", {
  timeout: 20000,
}, async () => {
  const emulator = new OssEmulator();
  await emulator.put("slow-bucket", "k.bin", seededBytes(2 * MiB, 10));
  emulator.setFaults({ throttle: { bytesPerSecond: 1 * MiB } });
  const memory = new MemoryFileSystem({ seed: 10 });
  memory.mkdirDurable("/data");
  const f = fakeIo(["oss://slow-bucket/k.bin", "/data/k.bin", "--json"]);
  const running = runDownload({
    io: f.io,
    output: "json",
    debug: false,
    resumeCommand: "ossdl oss://slow-bucket/k.bin /data/k.bin --json",
    stopGraceMs: 200,
    options: {
      source: "oss://slow-bucket/k.bin",
      destination: "/data/k.bin",
      endpoint: "http://127.0.0.1:9",
      partSize: 512 * 1024,
      concurrency: 2,
      progressIntervalMs: 50,
      chunkSize: 64 * 1024,
      fs: memory,
      fetch: (input, init) => emulator.handle(new Request(input, init)),
    },
  });
  for (let i = 0; i < 200 && !f.out().includes('"type":"progress"'); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  f.signal("SIGTERM");
  assert.equal((await running).exitCode, 143);
  // Longer than the grace: the watchdog was cleared with the download.
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(f.exits, []);
  assert.doesNotMatch(f.err(), /did not stop/);
});
