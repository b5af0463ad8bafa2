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
 * The fetch of a command that talks to OSS (`get`, `verify`): it honours the proxy variables with
 * the project's one set of rules, and with `debug` prints each origin's choice (proxy credentials
 * hidden). `undefined` when the process offers no such fetch (the library's callers, tests).
 *
 * @example
 * ```ts ignore
 * import { proxiedFetch } from "./transfer_options.ts";
 * const fetchFn = proxiedFetch(io, true); // "debug: https://b.oss...: proxy http://p:3128 (from HTTPS_PROXY)"
 * ```
 */
export function proxiedFetch(io: CliIo, debug: boolean): typeof fetch | undefined {
  const fetchFn = io.proxyFetch?.((origin, choice) => {
    if (!debug) return;
    io.writeErr(
      choice.proxy === null
        ? `debug: ${origin}: no proxy (${choice.reason})\n`
        : `debug: ${origin}: proxy ${redactProxyUrl(choice.proxy)} (from ${choice.reason})\n`,
    );
  });
  // The engine calls it with a Request only.
  return fetchFn as typeof fetch | undefined;
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
  return {
    fetch: proxiedFetch(io, command.debug),
    rateLimiter: command.limitRate === undefined ? undefined : new RateLimiter(command.limitRate),
    trafficLimit: command.trafficLimit,
  };
}
