/**
 * Which proxy a request goes through, by the conventions of curl and Go's `httpproxy`:
 * `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http URLs (the
 * lower-case name wins), and `no_proxy`/`NO_PROXY` for the exceptions. Pure: the environment is
 * passed in. The runtime adapter (`src/runtime/proxy_fetch.ts`) sends the requests.
 *
 * @module
 */

/** The proxies and their exceptions. */
export interface ProxySettings {
  /** The proxy for http:// URLs, and the variable it came from. */
  http?: { url: string; from: string };
  /** The proxy for https:// URLs, and the variable it came from. */
  https?: { url: string; from: string };
  /** The exceptions, as written (comma- or space-separated). */
  noProxy?: string;
}

/** Where a request goes. */
export interface ProxyChoice {
  /** The proxy URL (with its credentials, if any), or `null` for a direct connection. */
  proxy: string | null;
  /** Why, in a few words without secrets (e.g. `HTTPS_PROXY`, `NO_PROXY entry .internal`). */
  reason: string;
}

function first(env: (name: string) => string | undefined, names: string[]) {
  for (const name of names) {
    const value = env(name)?.trim();
    if (value) return { url: value.includes("://") ? value : `http://${value}`, from: name };
  }
  return undefined;
}

/**
 * The proxy settings of an environment.
 *
 * @example
 * ```ts
 * import { proxySettingsFromEnv } from "./proxy_settings.ts";
 * const env: Record<string, string> = { HTTPS_PROXY: "http://127.0.0.1:3128", NO_PROXY: "localhost" };
 * proxySettingsFromEnv((n) => env[n]).https; // { url: "http://127.0.0.1:3128", from: "HTTPS_PROXY" }
 * ```
 */
export function proxySettingsFromEnv(env: (name: string) => string | undefined): ProxySettings {
  return {
    http: first(env, ["http_proxy", "HTTP_PROXY"]),
    https: first(env, ["https_proxy", "HTTPS_PROXY"]),
    noProxy: env("no_proxy") || env("NO_PROXY"),
  };
}

/** The names of the variables {@linkcode proxySettingsFromEnv} reads. */
export const PROXY_ENV_NAMES: readonly string[] = [
  "http_proxy",
  "HTTP_PROXY",
  "https_proxy",
  "HTTPS_PROXY",
  "no_proxy",
  "NO_PROXY",
];

function ipv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** Whether `host` (and `port`) match one `NO_PROXY` entry. */
function matches(entry: string, host: string, port: string): boolean {
  let name = entry.toLowerCase();
  const portMatch = /^(.*?):(\d+)$/.exec(name);
  if (portMatch && !name.endsWith("]") && (name.match(/:/g)?.length ?? 0) === 1) {
    if (portMatch[2] !== port) return false;
    name = portMatch[1];
  }
  name = name.replace(/^\[|\]$/g, "");
  const cidr = /^(.+)\/(\d{1,2})$/.exec(name);
  if (cidr) {
    const net = ipv4(cidr[1]);
    const ip = ipv4(host);
    const bits = Number(cidr[2]);
    if (net === null || ip === null || bits > 32) return false;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return ((net & mask) >>> 0) === ((ip & mask) >>> 0);
  }
  if (name.startsWith("*.")) name = name.slice(1);
  if (name.startsWith(".")) return host.endsWith(name);
  return host === name || host.endsWith(`.${name}`);
}

/**
 * The proxy for `url` under `settings`: none when an entry of `noProxy` matches (`*` matches
 * every host; `example.com` the host and its subdomains; `.example.com` and `*.example.com` its
 * subdomains; `10.0.0.0/8` a block of IPv4 addresses; `host:port` that port only). Loopback hosts
 * are not exempt unless listed: a proxy set for everything is used for everything.
 *
 * @example
 * ```ts
 * import { proxyForUrl } from "./proxy_settings.ts";
 * const settings = { https: { url: "http://127.0.0.1:3128", from: "HTTPS_PROXY" }, noProxy: ".internal" };
 * proxyForUrl("https://b.oss-cn-hangzhou.aliyuncs.com/k", settings).proxy; // "http://127.0.0.1:3128"
 * proxyForUrl("https://a.internal/k", settings).proxy; // null
 * ```
 */
export function proxyForUrl(url: string | URL, settings: ProxySettings): ProxyChoice {
  const u = new URL(url);
  const chosen = u.protocol === "https:"
    ? settings.https
    : u.protocol === "http:"
    ? settings.http
    : undefined;
  if (!chosen) return { proxy: null, reason: `no ${u.protocol.slice(0, -1)}_proxy set` };
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  for (const raw of (settings.noProxy ?? "").split(/[\s,]+/)) {
    const entry = raw.trim();
    if (entry === "") continue;
    if (entry === "*" || matches(entry, host, port)) {
      return { proxy: null, reason: `NO_PROXY entry ${entry}` };
    }
  }
  return { proxy: chosen.url, reason: chosen.from };
}
