/**
 * A proxy URL fit for printing: user name and password replaced by `***`.
 *
 * @module
 */

/**
 * `url` without its credentials (`http://user:pass@host:3128` → `http://***:***@host:3128`);
 * text that is not a URL loses everything up to its last `@`.
 *
 * @example
 * ```ts
 * import { redactProxyUrl } from "./redact_proxy_url.ts";
 * redactProxyUrl("http://me:secret@127.0.0.1:3128"); // "http://***:***@127.0.0.1:3128"
 * ```
 */
export function redactProxyUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username) u.username = "***";
    if (u.password) u.password = "***";
    return u.href.replace(/\/$/, "");
  } catch {
    const at = url.lastIndexOf("@");
    return at < 0 ? url : `***@${url.slice(at + 1)}`;
  }
}
