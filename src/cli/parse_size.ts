/**
 * Sizes as a person types them: `1048576`, `512KiB`, `8MiB`, `1.5GiB`, `8M`, `8MB`. Every unit is
 * a binary multiple (K = KiB = 1024, M = MiB = 1024², G, T), whatever its spelling or case.
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

const MULTIPLIERS: Record<string, number> = {
  "": 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;

/**
 * Parses a size: a whole number of bytes, optionally with a unit `K`/`M`/`G`/`T`, written alone or
 * as `KiB`/`KB` etc., any case. All units are binary (`8MB` = `8MiB` = 8388608). A fraction is
 * allowed when the result is a whole number of bytes (`1.5KiB` = 1536).
 *
 * @param text what was typed
 * @param what the option name, for the error message
 * @returns the size in bytes, a positive safe integer
 * @throws {UsageError} on anything else (empty, negative, zero, unknown unit, fractional bytes)
 *
 * @example
 * ```ts
 * import { parseSize } from "./parse_size.ts";
 * parseSize("8MiB"); // 8388608
 * parseSize("512K"); // 524288
 * parseSize("1048576"); // 1048576
 * ```
 */
export function parseSize(text: string, what = "size"): number {
  const m = SIZE_RE.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `bad ${what} ${JSON.stringify(text)}`,
      "give bytes or a binary unit, e.g. 1048576, 512KiB, 8MiB, 1GiB (K, M, G, T also mean KiB...)",
    );
  }
  const unit = m[2].toUpperCase();
  const value = Number(m[1]) * MULTIPLIERS[unit];
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      `bad ${what} ${JSON.stringify(text)}: not a whole number of bytes (or too large)`,
    );
  }
  if (value <= 0) throw new UsageError(`bad ${what} ${JSON.stringify(text)}: must be positive`);
  return value;
}
