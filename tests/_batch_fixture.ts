/**
 * What the prefix-download tests share: an emulator holding test objects under `bucket/`, one
 * `downloadPrefix()` call over it into `/out` on a given file system, and a file system with some
 * of its methods replaced (to count or fail calls).
 */
import { downloadPrefix } from "../src/batch/download_prefix.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import type { FileSystem } from "../src/fs/file_system.ts";
import { testBytes } from "./_engine_fixture.ts";

/** The directory every prefix test downloads into. */
export const DIR = "/out";

/** An emulator holding `keys` (key -> size) with seeded bytes; with or without server CRC-64s. */
export async function emulatorWith(
  keys: Record<string, number>,
  seed: number,
  crc64 = true,
): Promise<{ emulator: OssEmulator; objects: Map<string, Uint8Array> }> {
  const emulator = new OssEmulator();
  const objects = new Map<string, Uint8Array>();
  let i = 0;
  for (const [key, size] of Object.entries(keys)) {
    const bytes = testBytes(size, seed * 1000 + i++);
    objects.set(key, bytes);
    await emulator.put("bucket", key, bytes, { crc64 });
  }
  return { emulator, objects };
}

/** `downloadPrefix()` of `oss://bucket/data/` into {@linkcode DIR}, small parts, fast retries. */
export function runPrefix(
  emulator: OssEmulator,
  fs: FileSystem,
  extra: Partial<Parameters<typeof downloadPrefix>[0]> = {},
  beforeRequest?: (request: Request) => Promise<void> | void,
): ReturnType<typeof downloadPrefix> {
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    await beforeRequest?.(request);
    return emulator.handle(request);
  };
  return downloadPrefix({
    source: "oss://bucket/data/",
    directory: DIR,
    endpoint: "http://127.0.0.1:9",
    fs,
    fetch: fetcher as typeof fetch,
    env: () => undefined,
    partSize: 64 * 1024,
    chunkSize: 16 * 1024,
    retryBaseDelayMs: 1,
    maxAttempts: 3,
    jobs: 4,
    caseInsensitive: false,
    ...extra,
  });
}

/** `fs` with the methods in `overrides` replaced; the others are `fs`'s own. */
export function withOverrides(fs: FileSystem, overrides: Partial<FileSystem>): FileSystem {
  return new Proxy(fs, {
    get(target, name) {
      if (Object.hasOwn(overrides, name)) return overrides[name as keyof FileSystem];
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
