/**
 * The CRC-64 mismatch of a stream download: unlike a file download, the bytes have already gone
 * to the consumer and cannot be taken back.
 *
 * @module
 */
import { IntegrityError } from "../errors.ts";

/**
 * An {@linkcode IntegrityError} (code `INTEGRITY_MISMATCH`) whose message says that the bytes
 * already delivered were wrong.
 *
 * @example
 * ```ts
 * import { StreamIntegrityError } from "./stream_integrity_error.ts";
 * const e = new StreamIntegrityError(1n, 2n);
 * e.code; // "INTEGRITY_MISMATCH"
 * ```
 */
export class StreamIntegrityError extends IntegrityError {
  /**
   * Make the error from the two CRC-64 values.
   *
   * @param expected the server's CRC-64
   * @param actual the CRC-64 of the bytes delivered
   */
  constructor(expected: bigint, actual: bigint) {
    super(expected, actual);
    this.name = "StreamIntegrityError";
    this.message = `CRC-64 mismatch for the streamed object: server says ${expected}, the bytes ` +
      `received give ${actual}; the bytes already written were wrong and cannot be unsent`;
    Object.defineProperty(this, "hint", {
      value: "discard everything the consumer received (e.g. the extracted files) and run again",
    });
  }
}
