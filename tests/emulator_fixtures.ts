// Shared helpers for the emulator tests (not a test file).
import { OssEmulator, type OssEmulatorOptions } from "../src/emulator/oss_emulator.ts";

/** Deterministic bytes: byte i is (i * 31 + 7) & 255. */
export function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 255;
  return out;
}

/** An emulator with `bucket/obj.bin` (1000 bytes) and `bucket/dir/a b+c~!.txt`. */
export async function emulatorWithObjects(
  options: OssEmulatorOptions = {},
): Promise<{ emulator: OssEmulator; data: Uint8Array; etag: string; versionId: string }> {
  const emulator = new OssEmulator(options);
  const data = pattern(1000);
  const { etag, versionId } = await emulator.put("bucket", "obj.bin", data, {
    lastModified: new Date("2024-01-02T03:04:05Z"),
  });
  await emulator.put("bucket", "dir/a b+c~!.txt", new TextEncoder().encode("hello"));
  return { emulator, data, etag, versionId };
}

/** GET/HEAD `path` on the emulator with optional headers. */
export function call(
  emulator: OssEmulator,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return emulator.handle(new Request(`http://127.0.0.1:9000${path}`, init));
}

/** The body as bytes. */
export async function bytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** The text of an XML element. */
export function xmlField(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}
