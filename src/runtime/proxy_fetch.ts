/**
 * Sends requests through the proxy that {@linkcode proxyForUrl} chooses, explicitly: on Deno with
 * a `Deno.createHttpClient({ proxy })` per proxy, on Bun with `fetch(request, { proxy })`. Both
 * runtimes also apply the proxy variables on their own, each with its own reading of `NO_PROXY`
 * (Deno 2 ignores `*` and `host:port`; both let `NO_PROXY` override even an explicit proxy), so
 * {@linkcode takeProxyEnvironment} moves the variables out of the process environment first: then
 * only the rules of `src/proxy/proxy_settings.ts` apply, identically on both runtimes.
 *
 * @module
 */
import process from "node:process";
import type { FetchFunction } from "../oss/http_send.ts";
import {
  PROXY_ENV_NAMES,
  type ProxyChoice,
  proxyForUrl,
  type ProxySettings,
  proxySettingsFromEnv,
} from "../proxy/proxy_settings.ts";

interface DenoHttp {
  Deno?: {
    createHttpClient(options: {
      proxy: { url: string; basicAuth?: { username: string; password: string } };
    }): unknown;
  };
}

/**
 * Reads the proxy variables and removes them from this process's environment (so the runtime's
 * own proxy handling stays out of the way). For a CLI process; a library should not call it.
 *
 * @example
 * ```ts ignore
 * import { takeProxyEnvironment } from "./proxy_fetch.ts";
 * const settings = takeProxyEnvironment();
 * ```
 */
export function takeProxyEnvironment(): ProxySettings {
  const settings = proxySettingsFromEnv((name) => process.env[name]);
  for (const name of PROXY_ENV_NAMES) delete process.env[name];
  return settings;
}

function denoClient(proxy: string): unknown {
  const deno = (globalThis as DenoHttp).Deno!;
  const u = new URL(proxy);
  const basicAuth = u.username
    ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
    : undefined;
  u.username = "";
  u.password = "";
  return deno.createHttpClient({ proxy: { url: u.href, basicAuth } });
}

/**
 * A fetch that sends each request through the proxy chosen for its URL by `settings` (or
 * directly), told to `onChoice` the first time each origin is seen.
 *
 * @example
 * ```ts ignore
 * import { proxyFetch } from "./proxy_fetch.ts";
 * const f = proxyFetch({ https: { url: "http://127.0.0.1:3128", from: "HTTPS_PROXY" } });
 * await f(new Request("https://example.com/"));
 * ```
 */
export function proxyFetch(
  settings: ProxySettings,
  onChoice?: (origin: string, choice: ProxyChoice) => void,
): FetchFunction {
  const clients = new Map<string, unknown>();
  const seen = new Set<string>();
  const isDeno = "Deno" in globalThis;
  return (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const choice = proxyForUrl(url, settings);
    if (!seen.has(url.origin)) {
      seen.add(url.origin);
      onChoice?.(url.origin, choice);
    }
    const proxy = choice.proxy;
    if (proxy === null) return fetch(request);
    if (isDeno) {
      let client = clients.get(proxy);
      if (!client) clients.set(proxy, client = denoClient(proxy));
      return fetch(request, { client } as RequestInit);
    }
    return fetch(request, { proxy } as RequestInit);
  };
}
