// The destination lock never admits two holders: many contenders at once (in one process, over the
// memory and the real file system, and across real processes), stale takeovers raced by several
// contenders, slow contenders that come back after a takeover, and holders told apart by host,
// boot, pid and process start time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate } from "node:timers";
import process from "node:process";
import { acquireLock, LOCK_SUFFIX, type ReleaseLock } from "../src/download/download_lock.ts";
import { DownloadLockedError, FileSystemError } from "../src/errors.ts";
import type { FileSystem } from "../src/fs/file_system.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import {
  type ProcessIdentity,
  type ProcessProbe,
  processProbe,
} from "../src/runtime/process_probe.ts";
import { seededRandom } from "../src/seeded_random.ts";
import { ROOT } from "./cli_spawn.ts";

const LOCK = "/d/f.bin" + LOCK_SUFFIX;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** This (pretend) process: pid 100 on host-a, boot-2, started at tick 5000. */
const ME: ProcessIdentity = { host: "host-a", bootId: "boot-2", pid: 100, start: 5000 };

/** A probe for `me`; `running` maps the other running pids to their start times. */
function fakeProbe(
  running: Record<number, number | null> = {},
  me: ProcessIdentity = ME,
): ProcessProbe {
  return {
    pid: me.pid,
    identity: () => ({ ...me }),
    isAlive: (pid) => pid === me.pid || pid in running,
    startTime: (pid) => (pid === me.pid ? me.start : running[pid] ?? null),
  };
}

let nonces = 0;
function nonce(): string {
  return (0xabc0000000000000n + BigInt(++nonces)).toString(16);
}

/** A lock record as this version writes it; fields default to ME's host and boot. */
function lockRecord(fields: Partial<ProcessIdentity> & { pid: number; nonce?: string }): string {
  return JSON.stringify({
    host: ME.host,
    bootId: ME.bootId,
    start: null,
    nonce: nonce(),
    since: new Date().toISOString(),
    ...fields,
  }) + "\n";
}

function nonceIn(bytes: Uint8Array | null): string | undefined {
  return bytes ? JSON.parse(dec.decode(bytes)).nonce : undefined;
}

function memoryFs(lock?: string): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.mkdirDurable("/d");
  if (lock !== undefined) fs.writeDurable(LOCK, enc.encode(lock));
  return fs;
}

type Outcome = { ok: true; release: ReleaseLock } | { ok: false; error: unknown };

function attempt(p: Promise<ReleaseLock>): Promise<Outcome> {
  return p.then((release) => ({ ok: true, release }), (error) => ({ ok: false, error }));
}

/** Exactly one winner; every loser refused with DownloadLockedError. Returns the winner's release. */
function oneWinner(outcomes: Outcome[], what: string): ReleaseLock {
  const winners = outcomes.filter((o) => o.ok);
  assert.equal(winners.length, 1, `${what}: ${winners.length} contenders hold the lock`);
  for (const o of outcomes) {
    if (!o.ok && !(o.error instanceof DownloadLockedError)) throw o.error;
  }
  return (winners[0] as { release: ReleaseLock }).release;
}

type Hook = (op: string, path: string, phase: "before" | "after") => Promise<void> | void;

/** `base`, with `hook` awaited before and after every call (handles' writes included). */
function hooked(base: FileSystem, hook: Hook): FileSystem {
  async function call<T>(op: string, path: string, run: () => Promise<T>): Promise<T> {
    await hook(op, path, "before");
    try {
      return await run();
    } finally {
      await hook(op, path, "after");
    }
  }
  return {
    open: async (path, options) => {
      const file = await call("open", path, () => base.open(path, options));
      return {
        write: (data, offset) => call("write", path, () => file.write(data, offset)),
        read: (buffer, offset) => file.read(buffer, offset),
        datasync: () => file.datasync(),
        truncate: (size) => file.truncate(size),
        size: () => file.size(),
        close: () => file.close(),
      };
    },
    readFile: (path) => call("readFile", path, () => base.readFile(path)),
    stat: (path) => call("stat", path, () => base.stat(path)),
    rename: (from, to) => call("rename", from, () => base.rename(from, to)),
    link: (existing, newPath) => call("link", newPath, () => base.link(existing, newPath)),
    remove: (path) => call("remove", path, () => base.remove(path)),
    mkdir: (path) => base.mkdir(path),
    syncDir: (path) => base.syncDir(path),
  };
}

/**
 * Runs `n` contenders over one memory file system, one file-system call at a time, the next caller
 * picked by a seeded random generator: a different, reproducible interleaving per seed.
 */
async function interleaved(
  n: number,
  seed: number,
  base: FileSystem,
  run: (fs: FileSystem, i: number) => Promise<ReleaseLock>,
): Promise<Outcome[]> {
  const random = seededRandom(seed);
  const waiting = new Map<number, () => void>();
  let settled = 0;
  let free = false; // once all have settled (releases run freely)
  const all = Array.from({ length: n }, (_, i) => {
    const fs = hooked(base, (_op, _path, phase) => {
      if (phase === "before" && !free) return new Promise<void>((go) => waiting.set(i, go));
    });
    return attempt(run(fs, i)).finally(() => settled++);
  });
  while (settled < n) {
    await new Promise((resolve) => setImmediate(resolve));
    if (waiting.size === 0) continue; // all are settled or sleeping
    const ids = [...waiting.keys()];
    const id = ids[Math.floor(random() * ids.length)];
    const go = waiting.get(id)!;
    waiting.delete(id);
    go();
  }
  free = true;
  return Promise.all(all);
}

/** Contender `i` as its own process: pid 300 + i, each seeing all the others running. */
function contenderProbe(i: number, n: number): ProcessProbe {
  const running: Record<number, number> = {};
  for (let k = 0; k < n; k++) if (k !== i) running[300 + k] = 7000 + k;
  return fakeProbe(running, { ...ME, pid: 300 + i, start: 7000 + i });
}

// --- many contenders at once ----------------------------------------------------------------------

test("20 contenders in one process at once (memory fs, 50 interleavings): one holder", async () => {
  for (let seed = 1; seed <= 50; seed++) {
    const fs = memoryFs();
    const probe = processProbe();
    const outcomes = await interleaved(20, seed, fs, (f) => acquireLock(f, LOCK, probe));
    const release = oneWinner(outcomes, `seed ${seed}`);
    assert.deepEqual(fs.listFiles(), [LOCK], `seed ${seed}: only the lock is left`);
    await release();
    assert.deepEqual(fs.listFiles(), [], `seed ${seed}`);
  }
});

test("20 contenders as 20 processes at once (memory fs, 50 interleavings): one holder", async () => {
  for (let seed = 1; seed <= 50; seed++) {
    const fs = memoryFs();
    const outcomes = await interleaved(20, seed, fs, (f, i) => {
      return acquireLock(f, LOCK, contenderProbe(i, 20));
    });
    const release = oneWinner(outcomes, `seed ${seed}`);
    await release();
    assert.deepEqual(fs.listFiles(), [], `seed ${seed}`);
  }
});

test("20 contenders at once on the real file system, 50 rounds: one holder", async () => {
  const fs = await defaultFileSystem();
  const dir = await mkdtemp(join(tmpdir(), "ossdl-lock-"));
  try {
    const lock = join(dir, "f.bin" + LOCK_SUFFIX);
    const probe = processProbe();
    for (let round = 0; round < 50; round++) {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => attempt(acquireLock(fs, lock, probe))),
      );
      const release = oneWinner(outcomes, `round ${round}`);
      assert.deepEqual(await readdir(dir), ["f.bin" + LOCK_SUFFIX]);
      await release();
      assert.deepEqual(await readdir(dir), []);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// --- stale takeover races -------------------------------------------------------------------------

test("2 to 5 contenders taking over one stale lock at once (300 interleavings): one wins", async () => {
  for (let seed = 1; seed <= 300; seed++) {
    const n = 2 + (seed % 4);
    const fs = memoryFs(lockRecord({ pid: 200, start: 1 })); // pid 200 is not running
    const outcomes = await interleaved(n, seed, fs, (f, i) => {
      return acquireLock(f, LOCK, contenderProbe(i, n));
    });
    const release = oneWinner(outcomes, `seed ${seed}, ${n} contenders`);
    assert.deepEqual(fs.listFiles(), [LOCK], `seed ${seed}: no token or temporary file is left`);
    await release();
    assert.deepEqual(fs.listFiles(), []);
  }
});

test("20 contenders taking over one stale lock on the real file system, 30 rounds", async () => {
  const fs = await defaultFileSystem();
  const dir = await mkdtemp(join(tmpdir(), "ossdl-lock-"));
  try {
    const lock = join(dir, "f.bin" + LOCK_SUFFIX);
    const probe = processProbe();
    const me = probe.identity();
    for (let round = 0; round < 30; round++) {
      // A record of this host and boot whose process is gone (its start time is not its pid's).
      const stale = lockRecord({ ...me, pid: deadPid(probe), start: 1 });
      await writeFile(lock, stale);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => attempt(acquireLock(fs, lock, probe))),
      );
      const release = oneWinner(outcomes, `round ${round}`);
      assert.deepEqual(await readdir(dir), ["f.bin" + LOCK_SUFFIX]);
      await release();
      assert.deepEqual(await readdir(dir), []);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a slow contender that judged a lock stale cannot displace the one that took it over", async () => {
  const fs = memoryFs(lockRecord({ pid: 200, start: 1 }));
  const probeA = fakeProbe({ 300: 7000 }); // A: pid 100; B (pid 300) runs
  const probeB = fakeProbe({ 100: ME.start }, { ...ME, pid: 300, start: 7000 });
  let reached!: () => void;
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let first = true;
  // A reads the stale record, then stalls before acting on it.
  const slow = hooked(fs, async (op, path, phase) => {
    if (op === "readFile" && path === LOCK && phase === "after" && first) {
      first = false;
      reached();
      await gate;
    }
  });
  const a = attempt(acquireLock(slow, LOCK, probeA));
  await atGate;
  const releaseB = await acquireLock(fs, LOCK, probeB); // B takes the stale lock over
  const nonceB = nonceIn(fs.readLive(LOCK));
  open();
  const outcomeA = await a;
  assert.equal(outcomeA.ok, false, "A must not get the lock B holds");
  assert.ok(!outcomeA.ok && outcomeA.error instanceof DownloadLockedError);
  assert.equal(outcomeA.error.pid, 300);
  assert.equal(nonceIn(fs.readLive(LOCK)), nonceB, "B's lock is untouched");
  assert.deepEqual(fs.listFiles(), [LOCK]);
  await releaseB();
  assert.deepEqual(fs.listFiles(), []);
});

test("a contender that died holding the takeover token: its token is taken over in turn", async () => {
  const staleNonce = nonce();
  const fs = memoryFs(lockRecord({ pid: 200, nonce: staleNonce }));
  fs.writeDurable(`${LOCK}.next-${staleNonce}`, enc.encode(lockRecord({ pid: 201 })));
  const release = await acquireLock(fs, LOCK, fakeProbe());
  assert.deepEqual(fs.listFiles(), [LOCK]);
  assert.equal(JSON.parse(dec.decode(fs.readLive(LOCK)!)).pid, ME.pid);
  await release();
  assert.deepEqual(fs.listFiles(), []);
});

test("taking over a killed holder's lock also removes the temporary file it left", async () => {
  const staleNonce = nonce();
  const fs = memoryFs(lockRecord({ pid: 200, nonce: staleNonce }));
  fs.writeDurable(`${LOCK}.${staleNonce}.tmp`, fs.readLive(LOCK)!);
  const release = await acquireLock(fs, LOCK, fakeProbe());
  assert.deepEqual(fs.listFiles(), [LOCK]);
  await release();
});

test("a live contender holding the takeover token: refused, nothing touched", async () => {
  const staleNonce = nonce();
  const token = `${LOCK}.next-${staleNonce}`;
  const fs = memoryFs(lockRecord({ pid: 200, nonce: staleNonce }));
  fs.writeDurable(token, enc.encode(lockRecord({ pid: 300, start: 7000 })));
  const before = [fs.readLive(LOCK), fs.readLive(token)];
  await assert.rejects(acquireLock(fs, LOCK, fakeProbe({ 300: 7000 })), (e: unknown) => {
    assert.ok(e instanceof DownloadLockedError);
    assert.equal(e.pid, 300);
    assert.equal(e.lockPath, LOCK);
    return true;
  });
  assert.deepEqual([fs.readLive(LOCK), fs.readLive(token)], before);
  assert.deepEqual(fs.listFiles(), [LOCK, token]);
});

test("a chain of dead takeover tokens too deep: a clear error naming the file to remove", async () => {
  const fs = memoryFs();
  let path = LOCK;
  for (let depth = 0; depth <= 3; depth++) {
    const n = nonce();
    fs.writeDurable(path, enc.encode(lockRecord({ pid: 200 + depth, nonce: n })));
    if (depth < 3) path = `${path}.next-${n}`;
  }
  const files = fs.listFiles();
  await assert.rejects(acquireLock(fs, LOCK, fakeProbe()), (e: unknown) => {
    assert.ok(e instanceof DownloadLockedError);
    assert.equal(e.lockPath, path);
    assert.ok(e.hint.includes(`remove ${path}`), e.hint);
    return true;
  });
  assert.deepEqual(fs.listFiles(), files);
  await fs.remove(path); // what the hint says
  const release = await acquireLock(fs, LOCK, fakeProbe());
  assert.deepEqual(fs.listFiles(), [LOCK]);
  await release();
});

// --- who holds it ---------------------------------------------------------------------------------

test("a lock whose holder is gone is taken over: dead pid, reused pid, older boot", async () => {
  const running = { 200: 9000 };
  const cases: Array<[string, string]> = [
    ["its pid is not running", lockRecord({ pid: 201, start: 9000 })],
    ["its pid runs but started at another time (reused)", lockRecord({ pid: 200, start: 8999 })],
    ["the machine rebooted since", lockRecord({ pid: 200, start: 9000, bootId: "boot-1" })],
    ["this process's pid, another start (reused)", lockRecord({ pid: ME.pid, start: 4000 })],
    ["this process's identity, but not held here", lockRecord({ pid: ME.pid, start: ME.start })],
    ["an older version's record, pid not running", JSON.stringify({ pid: 201, since: "x" })],
  ];
  for (const [what, record] of cases) {
    const fs = memoryFs(record);
    const release = await acquireLock(fs, LOCK, fakeProbe(running)).catch((e) => {
      assert.fail(`${what}: ${e}`);
    });
    assert.equal(JSON.parse(dec.decode(fs.readLive(LOCK)!)).pid, ME.pid, what);
    assert.deepEqual(fs.listFiles(), [LOCK], what);
    await release();
    assert.deepEqual(fs.listFiles(), [], what);
  }
});

test("a live holder is refused: same pid and start, unknown start, older version's record", async () => {
  const running = { 200: 9000, 201: null };
  const cases: Array<[string, string, number]> = [
    ["pid running with the recorded start", lockRecord({ pid: 200, start: 9000 }), 200],
    ["pid running, start unknown here", lockRecord({ pid: 201, start: 77 }), 201],
    ["pid running, no start recorded", lockRecord({ pid: 200, start: null }), 200],
    ["no boot id here", lockRecord({ pid: 200, start: 9000, bootId: null }), 200],
    ["an older version's record, pid running", JSON.stringify({ pid: 200, since: "x" }), 200],
  ];
  for (const [what, record, pid] of cases) {
    const fs = memoryFs(record);
    await assert.rejects(acquireLock(fs, LOCK, fakeProbe(running)), (e: unknown) => {
      assert.ok(e instanceof DownloadLockedError, what);
      assert.equal(e.pid, pid, what);
      assert.equal(e.lockPath, LOCK);
      assert.ok(e.message.includes(`process ${pid}`), e.message);
      assert.ok(e.hint.includes(`remove ${LOCK}`), e.hint);
      return true;
    });
    assert.equal(dec.decode(fs.readLive(LOCK)!), record, what);
    assert.deepEqual(fs.listFiles(), [LOCK], what);
  }
});

test("a lock held on another host is refused, naming the host; the hint says what to remove", async () => {
  const fs = memoryFs(lockRecord({ host: "host-b", bootId: "boot-9", pid: 1, start: 3 }));
  await assert.rejects(acquireLock(fs, LOCK, fakeProbe()), (e: unknown) => {
    assert.ok(e instanceof DownloadLockedError);
    assert.equal(e.host, "host-b");
    assert.equal(e.pid, 1);
    assert.match(e.message, /process 1 on host host-b/);
    assert.match(e.hint, /host-b/);
    assert.ok(e.hint.includes(`remove ${LOCK}`), e.hint);
    return true;
  });
  assert.deepEqual(fs.listFiles(), [LOCK]);
});

test("real probe: a running process with its start time is alive; with another, stale", async () => {
  const probe = processProbe();
  const me = probe.identity();
  const parentStart = probe.startTime(process.ppid);
  const live = lockRecord({ ...me, pid: process.ppid, start: parentStart });
  const fs = memoryFs(live);
  await assert.rejects(acquireLock(fs, LOCK, probe), DownloadLockedError);
  assert.equal(dec.decode(fs.readLive(LOCK)!), live);
  if (parentStart === null) return; // no /proc: liveness by pid only
  for (
    const record of [
      lockRecord({ ...me, pid: process.ppid, start: parentStart + 1 }), // the parent's pid, reused
      lockRecord({ ...me, pid: process.pid, start: me.start! - 1 }), // this pid, reused
      lockRecord({ ...me, bootId: "00000000-0000-0000-0000-000000000000", pid: process.ppid }),
    ]
  ) {
    const fs2 = memoryFs(record);
    const release = await acquireLock(fs2, LOCK, probe);
    assert.equal(nonceIn(fs2.readLive(LOCK)) === nonceIn(enc.encode(record)), false);
    await release();
  }
});

test("two downloads in one process to one destination: the second is refused", async () => {
  const fs = memoryFs();
  const probe = processProbe();
  const release = await acquireLock(fs, LOCK, probe);
  await assert.rejects(acquireLock(fs, LOCK, probe), (e: unknown) => {
    assert.ok(e instanceof DownloadLockedError);
    assert.equal(e.pid, probe.pid);
    return true;
  });
  await assert.rejects(acquireLock(fs, "/d/./f.bin" + LOCK_SUFFIX, probe), DownloadLockedError);
  assert.deepEqual(fs.listFiles(), [LOCK]);
  await release();
  await release(); // idempotent
  const again = await acquireLock(fs, LOCK, probe);
  await again();
  assert.deepEqual(fs.listFiles(), []);
});

test("release removes the lock only while it is still this acquisition's", async () => {
  const fs = memoryFs();
  const release = await acquireLock(fs, LOCK, fakeProbe());
  const other = lockRecord({ pid: 300, start: 7000 });
  fs.writeDurable(LOCK, enc.encode(other)); // (replaced behind its back)
  await release();
  assert.equal(dec.decode(fs.readLive(LOCK)!), other);
});

test("a damaged or empty lock is stale once it stays so for the grace period", async () => {
  for (const content of ["", "{", "not json", '{"pid":"x"}', '{"pid":200,"nonce":"../x"}']) {
    const fs = memoryFs(content);
    const release = await acquireLock(fs, LOCK, fakeProbe(), { malformedGraceMs: 5 });
    assert.equal(JSON.parse(dec.decode(fs.readLive(LOCK)!)).pid, ME.pid, content);
    assert.deepEqual(fs.listFiles(), [LOCK], JSON.stringify(content));
    await release();
  }
});

test("without hard links (FAT, some shares): 5 contenders at once, 10 interleavings, one holder", async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const fs = memoryFs();
    const noLinks: FileSystem = {
      ...hooked(fs, () => {}),
      link: (_a, b) => Promise.reject(new FileSystemError("FS_PERMISSION", "link", b)),
    };
    const outcomes = await interleaved(5, seed, noLinks, (f, i) => {
      return acquireLock(f, LOCK, contenderProbe(i, 5), { malformedGraceMs: 300 });
    });
    const release = oneWinner(outcomes, `seed ${seed}`);
    assert.deepEqual(fs.listFiles(), [LOCK]);
    await release();
    assert.deepEqual(fs.listFiles(), []);
  }
});

// --- real processes -------------------------------------------------------------------------------

function deadPid(probe: ProcessProbe): number {
  for (let pid = 4_000_000;; pid--) if (!probe.isAlive(pid)) return pid;
}

/** Runs `tests/_lock_contender.ts` with the runtime running this test. */
function contender(args: string[]): { pid: number; kill: () => void; exited: Promise<string> } {
  const script = "tests/_lock_contender.ts";
  const runtimeArgs = "Deno" in globalThis ? ["run", "-A", "--quiet", script] : [script];
  const child = spawn(process.execPath, [...runtimeArgs, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => void (stderr += d));
  const exited = new Promise<string>((resolve) => {
    child.on("close", (code, signal) => resolve(`exit ${code ?? signal}: ${stderr}`));
  });
  return { pid: child.pid!, kill: () => child.kill("SIGKILL"), exited };
}

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = await readFile(path, "utf8").catch(() => "");
    if (text.endsWith("\n")) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${path} after ${timeoutMs} ms`);
}

test("6 processes contending for one lock, 3 rounds (2 over a stale lock): no overlap", async () => {
  const probe = processProbe();
  for (let round = 0; round < 3; round++) {
    const dir = await mkdtemp(join(tmpdir(), "ossdl-lock-"));
    try {
      const lock = join(dir, "f.bin" + LOCK_SUFFIX);
      if (round > 0) {
        await writeFile(lock, lockRecord({ ...probe.identity(), pid: deadPid(probe), start: 1 }));
      }
      const goAt = Date.now() + 2000;
      const runs = Array.from({ length: 6 }, (_, i) => {
        const out = join(dir, `out-${i}.txt`);
        const args = [lock, out, "retry", String(goAt), "50", String(goAt + 30_000)];
        return contender(args).exited;
      });
      const exits = await Promise.all(runs);
      for (const e of exits) assert.match(e, /^exit 0: $/);
      const holds: Array<[number, number]> = [];
      for (let i = 0; i < 6; i++) {
        const text = await readFile(join(dir, `out-${i}.txt`), "utf8");
        const m = /^hold (\d+) (\d+)\n$/.exec(text);
        assert.ok(m, `contender ${i}: ${text}`);
        holds.push([Number(m[1]), Number(m[2])]);
      }
      holds.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < holds.length; i++) {
        assert.ok(
          holds[i][0] >= holds[i - 1][1],
          `round ${round}: holds overlap: ${JSON.stringify(holds)}`,
        );
      }
      const left = (await readdir(dir)).filter((n) => !n.startsWith("out-"));
      assert.deepEqual(left, [], `round ${round}: files left`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});

test("a live process's lock is refused; once it is killed, its lock is taken over", async () => {
  const fs = await defaultFileSystem();
  const probe = processProbe();
  const dir = await mkdtemp(join(tmpdir(), "ossdl-lock-"));
  const lock = join(dir, "f.bin" + LOCK_SUFFIX);
  const holder = contender([lock, join(dir, "out.txt"), "hold", "0", "0", "0"]);
  try {
    assert.equal(await waitForFile(join(dir, "out.txt"), 30_000), "held\n");
    await assert.rejects(acquireLock(fs, lock, probe), (e: unknown) => {
      assert.ok(e instanceof DownloadLockedError);
      assert.equal(e.pid, holder.pid);
      assert.equal(e.host, probe.identity().host);
      return true;
    });
    holder.kill();
    await holder.exited;
    const release = await acquireLock(fs, lock, probe);
    assert.equal(JSON.parse(await readFile(lock, "utf8")).pid, process.pid);
    await release();
    assert.deepEqual(await readdir(dir), ["out.txt"]);
  } finally {
    holder.kill();
    await holder.exited;
    await rm(dir, { recursive: true, force: true });
  }
});
