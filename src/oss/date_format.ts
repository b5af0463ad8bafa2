/**
 * Date renderings used by the signers: ISO 8601 basic (`20231216T162057Z`, V4) and RFC 1123 GMT
 * (`Sat, 16 Dec 2023 16:20:57 GMT`, the `Date` header and V1).
 *
 * @module
 */

/**
 * Renders `date` as `yyyymmddTHHMMSSZ` (UTC).
 *
 * @example
 * ```ts
 * import { isoBasic } from "./date_format.ts";
 * isoBasic(new Date(1702743657000)); // "20231216T162057Z"
 * ```
 */
export function isoBasic(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/**
 * Renders `date` as an RFC 1123 GMT date, e.g. `Tue, 02 Jan 2024 03:04:05 GMT`.
 *
 * @example
 * ```ts
 * import { httpDate } from "./date_format.ts";
 * httpDate(new Date(1704164645000)); // "Tue, 02 Jan 2024 03:04:05 GMT"
 * ```
 */
export function httpDate(date: Date): string {
  return date.toUTCString();
}
