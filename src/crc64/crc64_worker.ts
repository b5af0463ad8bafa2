/**
 * The body of the CRC-64 hashing worker: it receives blocks (transferred, not copied), hashes
 * each one independently and sends back its CRC-64 together with the block, so that the caller can
 * reuse the memory. Started by {@linkcode WorkerBlockHasher}; not an API.
 *
 * @module
 */
import { createCrc64 } from "./crc64.ts";

/** A block to hash. */
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
const hasher = createCrc64();
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event: MessageEvent<HashRequest>) => {
  const { id, buffer, length } = event.data;
  queue = queue.then(async () => {
    try {
      const h = await hasher;
      h.reset();
      h.update(new Uint8Array(buffer, 0, length));
      scope.postMessage({ id, crc: h.digest(), buffer }, [buffer]);
    } catch (error) {
      scope.postMessage({ id, error: String(error), buffer }, [buffer]);
    }
  });
};
