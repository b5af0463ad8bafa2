/**
 * The cost of handing 1 MiB blocks to a worker and back: by message (the buffer transferred each
 * way, as `WorkerBlockWriter` does) against shared slots (a `SharedArrayBuffer` ring, the worker
 * blocked in `Atomics.wait`, the main thread in `Atomics.waitAsync`). Prints the process's CPU
 * (user + sys, every thread) per round trip, with `--inflight` blocks outstanding and, with
 * `--crc`, the worker hashing each block (then compare with the CPU of hashing alone).
 *
 * Usage: `deno run -A bench/worker_messages.ts [--blocks 4096] [--inflight 16] [--crc]`, or `bun`.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { ARGS, runtimeName } from "./_util.ts";

const { values } = parseArgs({
  args: [...ARGS],
  options: {
    blocks: { type: "string", default: "4096" },
    inflight: { type: "string", default: "16" },
    crc: { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
    mode: { type: "string", default: "both" },
  },
});
const BLOCK = 1 << 20;
const blocks = Number(values.blocks);
const inflight = Number(values.inflight);
const workerUrl = new URL("./_worker_messages_worker.ts", import.meta.url).href;

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function start(sab?: SharedArrayBuffer): Promise<Worker> {
  const worker = new Worker(workerUrl, { type: "module" });
  await new Promise<void>((resolve) => {
    worker.onmessage = () => resolve();
    worker.postMessage({ op: "config", crc: values.crc, sab, slots: inflight, blockBytes: BLOCK });
  });
  return worker;
}

async function byMessage(): Promise<number> {
  const worker = await start();
  const free: ArrayBuffer[] = Array.from({ length: inflight }, () => new ArrayBuffer(BLOCK));
  for (const b of free) new Uint8Array(b).fill(7);
  const waiting = new Map<number, (b: ArrayBuffer) => void>();
  worker.onmessage = (e) => {
    const r = waiting.get(e.data.id)!;
    waiting.delete(e.data.id);
    r(e.data.buffer);
  };
  const c0 = cpu();
  let id = 0;
  await Promise.all(free.map(async (buffer) => {
    while (id < blocks) {
      const my = id++;
      buffer = await new Promise<ArrayBuffer>((resolve) => {
        waiting.set(my, resolve);
        worker.postMessage({ op: "write", id: my, buffer, length: BLOCK, offset: my * BLOCK }, [
          buffer,
        ]);
      });
    }
  }));
  const c = cpu() - c0;
  worker.terminate();
  return c;
}

async function shared(): Promise<number> {
  const controlBytes = (4 + inflight * 4) * 4;
  const resultBytes = inflight * 8;
  const sab = new SharedArrayBuffer(controlBytes + resultBytes + inflight * BLOCK);
  const control = new Int32Array(sab, 0, 4 + inflight * 4);
  new Uint8Array(sab, controlBytes + resultBytes).fill(7);
  const worker = await start(sab);
  const c0 = cpu();
  let submitted = 0;
  let done = 0;
  // The ring: submit up to `inflight` ahead of `done`.
  while (done < blocks) {
    while (submitted < blocks && submitted - done < inflight) {
      control[4 + (submitted % inflight) * 4] = BLOCK;
      submitted++;
      Atomics.store(control, 0, submitted);
      Atomics.notify(control, 0);
    }
    const seen = Atomics.load(control, 1);
    if (seen === done) {
      const w = Atomics.waitAsync(control, 1, done);
      if (w.async) await w.value;
    }
    done = Atomics.load(control, 1);
  }
  const c = cpu() - c0;
  control[4 + (submitted % inflight) * 4] = -1;
  Atomics.store(control, 0, submitted + 1);
  Atomics.notify(control, 0);
  worker.terminate();
  return c;
}

const out: Record<string, string[]> = { message: [], shared: [] };
for (let r = 0; r < Number(values.rounds); r++) {
  if (values.mode !== "shared") out.message.push(((await byMessage()) / blocks * 1e6).toFixed(1));
  if (values.mode !== "message") out.shared.push(((await shared()) / blocks * 1e6).toFixed(1));
}
console.log(JSON.stringify({
  runtime: runtimeName(),
  blocks,
  inflight,
  crc: values.crc,
  cpuMicrosPerBlock: out,
  rssMiB: Math.round(process.memoryUsage().rss / 1048576),
}));
