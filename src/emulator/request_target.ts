/**
 * Which bucket and key a request addresses (oss-protocol.md §5): virtual-hosted
 * (`Host: bucket.<endpoint>`) or path-style (`/bucket/key`), with the whole path percent-decoded
 * (including `%2F`), and the decoded query pairs.
 *
 * @module
 */

/** What a request addresses. */
export interface RequestTarget {
  /** The bucket, or `null` for a service-level request (`GET /`). */
  bucket: string | null;
  /** The decoded object key (`""` for a bucket-level request). */
  key: string;
  /** Decoded query pairs, in order. */
  query: [string, string][];
  /** The host the request was sent to (for `<HostId>`). */
  host: string;
}

/** How to recognise virtual-hosted requests. */
export interface TargetOptions {
  /**
   * Endpoint hosts under which `<bucket>.<host>` is always virtual-hosted (e.g.
   * `oss-cn-hangzhou.aliyuncs.com`, `localhost`). Otherwise a host whose first label is an
   * existing bucket is taken as virtual-hosted.
   */
  baseHosts?: readonly string[];
  /** Whether a bucket exists. */
  hasBucket(bucket: string): Promise<boolean>;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Parse the target of `request`. Throws `URIError` on malformed percent-encoding.
 *
 * @example
 * ```ts
 * import { parseTarget } from "./request_target.ts";
 * const t = await parseTarget(new Request("http://127.0.0.1:9000/bucket/dir%2Fa%20b"), {
 *   hasBucket: () => Promise.resolve(true),
 * });
 * console.log(t.bucket, t.key); // bucket dir/a b
 * ```
 */
export async function parseTarget(
  request: Request,
  options: TargetOptions,
): Promise<RequestTarget> {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  const hostname = host.startsWith("[") ? host : host.replace(/:\d+$/, "").toLowerCase();
  const query = [...new URLSearchParams(url.search)];
  const rawPath = url.pathname.slice(1);
  const dot = hostname.indexOf(".");
  if (dot > 0 && !IPV4_RE.test(hostname) && !hostname.startsWith("[")) {
    const candidate = hostname.slice(0, dot);
    const rest = hostname.slice(dot + 1);
    if (
      BUCKET_RE.test(candidate) &&
      ((options.baseHosts ?? []).includes(rest) || (await options.hasBucket(candidate)))
    ) {
      return { bucket: candidate, key: decodeURIComponent(rawPath), query, host };
    }
  }
  const path = decodeURIComponent(rawPath);
  if (path === "") return { bucket: null, key: "", query, host };
  const slash = path.indexOf("/");
  if (slash < 0) return { bucket: path, key: "", query, host };
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1), query, host };
}
