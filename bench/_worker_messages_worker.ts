/**
 * The worker of `worker_messages.ts`: answers blocks sent by message (transferred) or placed in
 * shared slots. With `crc`, it hashes each block as the block writer does. Bench-only.
 *
 * @module
 */
import { createCrc64 } from "../src/crc64/crc64.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as Scope;
const hasherReady = createCrc64();
let hasher: Awaited<typeof hasherReady>;
let crc = false;

function work(bytes: Uint8Array): bigint {
  if (!crc) return 0n;
  hasher.reset();
  hasher.update(bytes);
  return hasher.digest();
}

scope.onmessage = (event: MessageEvent) => {
  const m = event.data;
  if (m.op === "config") {
    crc = m.crc;
    hasherReady.then((h) => {
      hasher = h;
      if (m.sab) runShared(m.sab, m.slots, m.blockBytes);
      else scope.postMessage({ op: "ready" });
    });
    return;
  }
  if (m.op === "write") {
    const crc64 = work(new Uint8Array(m.buffer, 0, m.length));
    scope.postMessage({ op: "written", id: m.id, crc64, buffer: m.buffer }, [m.buffer]);
  }
};

/** control: [0] submitted count, [1] done count; per slot i: meta at 4 + i*4 (length). */
async function runShared(sab: SharedArrayBuffer, slots: number, blockBytes: number): Promise<void> {
  const control = new Int32Array(sab, 0, 4 + slots * 4);
  const results = new BigUint64Array(sab, control.byteLength, slots);
  const dataStart = control.byteLength + results.byteLength;
  scope.postMessage({ op: "ready" });
  let head = 0;
  for (;;) {
    while (Atomics.load(control, 0) === head) {
      const w = Atomics.waitAsync(control, 0, head);
      if (w.async) await w.value;
    }
    const slot = head % slots;
    const length = control[4 + slot * 4];
    if (length < 0) return;
    const bytes = new Uint8Array(sab, dataStart + slot * blockBytes, length);
    results[slot] = work(bytes);
    head++;
    Atomics.store(control, 1, head);
    Atomics.notify(control, 1);
  }
}
