/**
 * The transfer options of `get` shared by its three forms (one object, a prefix, stdout): the
 * fetch that honours the proxy variables (its choices printed with `--debug`, proxy credentials
 * hidden), one process-wide `--limit-rate`, and `--traffic-limit`.
 *
 * @module
 */
import { redactProxyUrl } from "../proxy/redact_proxy_url.ts";
import { RateLimiter } from "../throttle/rate_limiter.ts";
import type { CliIo } from "./cli_io.ts";
import type { GetCommand } from "./parse_command.ts";

/** What every download of the command gets. */
export interface TransferOptions {
  /** The fetch (proxies), when the process offers one. */
  fetch?: typeof fetch;
  /** The one limiter of the process, with `--limit-rate`. */
  rateLimiter?: RateLimiter;
  /** `--traffic-limit` in bit/s. */
  trafficLimit?: number;
}

/**
 * The transfer options of `command`.
 *
 * @example
 * ```ts ignore
 * import { transferOptions } from "./transfer_options.ts";
 * const t = transferOptions(command, io); // { fetch, rateLimiter, trafficLimit }
 * ```
 */
export function transferOptions(command: GetCommand, io: CliIo): TransferOptions {
  const fetchFn = io.proxyFetch?.((origin, choice) => {
    if (!command.debug) return;
    io.writeErr(
      choice.proxy === null
        ? `debug: ${origin}: no proxy (${choice.reason})\n`
        : `debug: ${origin}: proxy ${redactProxyUrl(choice.proxy)} (from ${choice.reason})\n`,
    );
  });
  return {
    // The engine calls it with a Request only.
    fetch: fetchFn as typeof fetch | undefined,
    rateLimiter: command.limitRate === undefined ? undefined : new RateLimiter(command.limitRate),
    trafficLimit: command.trafficLimit,
  };
}
