/**
 * The error of a verification that cannot be done: the server gives no CRC-64 for the object.
 *
 * @module
 */
import { OssdlError } from "../errors.ts";

/**
 * The server sent no `x-oss-hash-crc64ecma` for the object (an http server that is not OSS, or an
 * object OSS keeps no CRC-64 for), so a local file cannot be checked against it. Neither a match
 * nor a mismatch: code `CRC64_UNAVAILABLE` (the CLI exits with 12).
 *
 * @example
 * ```ts
 * import { Crc64UnavailableError } from "./crc64_unavailable_error.ts";
 * const e = new Crc64UnavailableError("https://example.com/a.bin");
 * console.log(e.code); // CRC64_UNAVAILABLE
 * ```
 */
export class Crc64UnavailableError extends OssdlError {
  /** The object, as named in messages (no secrets). */
  readonly source: string;

  /**
   * Make the error for an object without a server CRC-64.
   *
   * @param source the object's display name
   */
  constructor(source: string) {
    super(
      "CRC64_UNAVAILABLE",
      `cannot verify: the server gives no CRC-64 (x-oss-hash-crc64ecma) for ${source}`,
      "there is nothing to compare the file with; compare sizes, ETags or a checksum published " +
        "with the object",
    );
    this.name = "Crc64UnavailableError";
    this.source = source;
  }
}
