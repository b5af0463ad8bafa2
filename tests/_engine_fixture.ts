/** Shared set-up for the engine tests: an emulator as `fetch`, a memory file system, test data. */
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import type { DownloadOptions } from "../src/download/options.ts";

/** Deterministic pseudo-random bytes. */
export function testBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const ENDPOINT = "http://127.0.0.1:9";
export const DEST = "/data/out.bin";

export interface Fixture {
  emulator: OssEmulator;
  fs: MemoryFileSystem;
  object: Uint8Array;
  options(extra?: Partial<DownloadOptions>): DownloadOptions;
}

/** An emulator holding `bucket/dir/object.bin` and a memory file system with a durable /data. */
export async function fixture(size: number, seed = 1): Promise<Fixture> {
  const emulator = new OssEmulator();
  const object = testBytes(size, seed);
  await emulator.put("bucket", "dir/object.bin", object);
  const fs = new MemoryFileSystem({ seed });
  fs.mkdirDurable("/data");
  const fetcher = (input: RequestInfo | URL, init?: RequestInit) =>
    emulator.handle(new Request(input, init));
  return {
    emulator,
    fs,
    object,
    options: (extra = {}) => ({
      source: "oss://bucket/dir/object.bin",
      destination: DEST,
      endpoint: ENDPOINT,
      fs,
      fetch: fetcher as typeof fetch,
      env: () => undefined,
      partSize: 64 * 1024,
      chunkSize: 16 * 1024,
      commitBytes: 32 * 1024,
      concurrency: 4,
      retryBaseDelayMs: 1,
      ...extra,
    }),
  };
}

/** Bytes equal, with a short message instead of a huge diff. */
export function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
