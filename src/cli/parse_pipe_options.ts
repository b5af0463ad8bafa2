/**
 * The `get` options of bandwidth and piping: `--limit-rate SIZE` (bytes per second for the whole
 * process), `--traffic-limit BITS` (OSS's `x-oss-traffic-limit`), and the destination `-`
 * (stdout). Pure; every problem is a {@linkcode UsageError}.
 *
 * @module
 */
import { MAX_TRAFFIC_LIMIT, MIN_TRAFFIC_LIMIT } from "../throttle/traffic_limit.ts";
import { parseSize } from "./parse_size.ts";
import { UsageError } from "./usage_error.ts";

/** The parseArgs specs of these options. */
export const PIPE_OPTIONS: Record<string, { type: "string" }> = {
  "limit-rate": { type: "string" },
  "traffic-limit": { type: "string" },
};

/** What these options give. */
export interface PipeOptions {
  /** `--limit-rate` in bytes per second. */
  limitRate?: number;
  /** `--traffic-limit` in bit/s. */
  trafficLimit?: number;
}

/**
 * Parses `--traffic-limit`: a whole number of bit/s from 819200 to 838860800, as OSS accepts.
 *
 * @example
 * ```ts
 * import { parseTrafficLimit } from "./parse_pipe_options.ts";
 * parseTrafficLimit("819200"); // 819200
 * ```
 */
export function parseTrafficLimit(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < MIN_TRAFFIC_LIMIT || n > MAX_TRAFFIC_LIMIT) {
    throw new UsageError(
      `bad --traffic-limit ${JSON.stringify(text)}`,
      `give bit/s from ${MIN_TRAFFIC_LIMIT} (100 KiB/s) to ${MAX_TRAFFIC_LIMIT} (100 MiB/s), ` +
        `as OSS accepts`,
    );
  }
  return n;
}

/**
 * Reads and checks the options of this file from parsed `get` values.
 *
 * @param values what parseArgs gave
 * @param source the source positional
 * @param destination the destination positional (`-` is stdout)
 * @throws {UsageError} for a bad value or a combination that cannot work
 *
 * @example
 * ```ts
 * import { pipeOptions } from "./parse_pipe_options.ts";
 * pipeOptions({ "limit-rate": "20MiB" }, "oss://b/k", "-"); // { limitRate: 20971520 }
 * ```
 */
export function pipeOptions(
  values: Record<string, unknown>,
  source: string,
  destination: string,
): PipeOptions {
  const rate = values["limit-rate"];
  const traffic = values["traffic-limit"];
  const trafficLimit = typeof traffic === "string" ? parseTrafficLimit(traffic) : undefined;
  if (trafficLimit !== undefined && !/^oss:\/\//i.test(source)) {
    throw new UsageError(
      "--traffic-limit needs an oss:// source",
      "for a URL, put x-oss-traffic-limit=BITS in the URL when it is signed",
    );
  }
  if (destination === "-") {
    for (const name of ["recursive", "checkpoint", "no-resume", "force"]) {
      if (values[name] !== undefined) {
        throw new UsageError(
          `--${name} cannot be used with the destination - (stdout)`,
          "stdout keeps no journal: to continue an interrupted stream, use --range START-",
        );
      }
    }
  }
  // Only the options given: a command without them looks exactly as before.
  const options: PipeOptions = {};
  if (typeof rate === "string") options.limitRate = parseSize(rate, "--limit-rate");
  if (trafficLimit !== undefined) options.trafficLimit = trafficLimit;
  return options;
}
