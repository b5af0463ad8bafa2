/**
 * The body of the CRC-64 worker of stream downloads ({@linkcode WorkerCrc}): it hashes each buffer
 * it receives (transferred, not copied) and sends it back with its CRC-64. Not an API.
 *
 * @module
 */
import { createCrc64 } from "../crc64/crc64.ts";

/** A buffer to hash. */
interface HashRequest {
  id: number;
  buffer: ArrayBuffer;
  length: number;
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
const hasher = await createCrc64();
scope.onmessage = (event: MessageEvent<HashRequest>) => {
  const { id, buffer, length } = event.data;
  hasher.reset();
  hasher.update(new Uint8Array(buffer, 0, length));
  scope.postMessage({ id, crc: hasher.digest().toString(), buffer }, [buffer]);
};
scope.postMessage({ ready: true });
