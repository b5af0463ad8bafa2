/**
 * OSS's own per-connection limit, `x-oss-traffic-limit` (bit/s), and the values OSS accepts.
 *
 * @module
 */

/** The smallest `x-oss-traffic-limit` OSS accepts: 819200 bit/s (100 KiB/s). */
export const MIN_TRAFFIC_LIMIT = 819_200;
/** The largest `x-oss-traffic-limit` OSS accepts: 838860800 bit/s (100 MiB/s). */
export const MAX_TRAFFIC_LIMIT = 838_860_800;
/** The header that carries it. */
export const TRAFFIC_LIMIT_HEADER = "x-oss-traffic-limit";

/**
 * Whether `bits` per second is a value OSS accepts for `x-oss-traffic-limit`: a whole number
 * from 819200 to 838860800.
 *
 * @example
 * ```ts
 * import { isValidTrafficLimit } from "./traffic_limit.ts";
 * isValidTrafficLimit(819200); // true
 * isValidTrafficLimit(1000); // false
 * ```
 */
export function isValidTrafficLimit(bits: number): boolean {
  return Number.isSafeInteger(bits) && bits >= MIN_TRAFFIC_LIMIT && bits <= MAX_TRAFFIC_LIMIT;
}
