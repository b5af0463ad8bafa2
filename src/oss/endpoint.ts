/**
 * Endpoints and addressing: which host to talk to, which region to sign for, and how the bucket
 * goes into the URL (virtual-hosted, path style or CNAME).
 *
 * @module
 */

import { encodeQuery, escapeKey } from "./uri_encode.ts";
import { assertBucketName, assertObjectKey } from "./oss_url.ts";

/** How the bucket is placed in the URL. */
export type AddressingStyle = "virtual" | "path" | "cname";

/** Where to send requests. */
export interface EndpointOptions {
  /**
   * The endpoint: a host (`oss-cn-hangzhou.aliyuncs.com`), `host:port`, or a URL with scheme
   * (`http://127.0.0.1:9000`). Derived from `region` when omitted. Default scheme: https.
   */
  endpoint?: string;
  /** The region id (`cn-hangzhou`; a leading `oss-` is dropped). Inferred from the endpoint. */
  region?: string;
  /** Use the internal (VPC) endpoint `oss-<region>-internal.aliyuncs.com`. @default false */
  internal?: boolean;
  /** Use the global acceleration endpoint `oss-accelerate.aliyuncs.com`. @default false */
  accelerate?: boolean;
  /** The endpoint is a custom domain bound to the bucket (bucket not in the URL). @default false */
  cname?: boolean;
  /**
   * Put the bucket in the path (`https://endpoint/bucket/key`). Default: only when the endpoint
   * host is an IP address or `localhost`.
   */
  pathStyle?: boolean;
}

/** A resolved endpoint. */
export interface ResolvedEndpoint {
  /** `https:` or `http:`. */
  protocol: "https:" | "http:";
  /** Host with optional port, e.g. `oss-cn-hangzhou.aliyuncs.com` or `127.0.0.1:9000`. */
  host: string;
  /** The region id for V4 signing, when known. */
  region: string | undefined;
  /** The addressing style. */
  style: AddressingStyle;
}

const REGION_RE = /^[a-z0-9-]+$/;
const OSS_HOST_RE = /^oss-([a-z0-9-]+?)(-internal)?\.aliyuncs\.com$/;
const DUALSTACK_RE = /^([a-z0-9-]+)\.oss\.aliyuncs\.com$/;

/**
 * Normalizes a region id: lower-cases it and drops a leading `oss-`.
 *
 * @throws {TypeError} when the region has characters other than `a-z 0-9 -`
 *
 * @example
 * ```ts
 * import { normalizeRegion } from "./endpoint.ts";
 * normalizeRegion("oss-cn-hangzhou"); // "cn-hangzhou"
 * ```
 */
export function normalizeRegion(region: string): string {
  const r = region.trim().toLowerCase().replace(/^oss-/, "");
  if (!REGION_RE.test(r)) throw new TypeError(`invalid region ${JSON.stringify(region)}`);
  return r;
}

/**
 * Infers the region id from an OSS host: `oss-<region>[-internal].aliyuncs.com` or
 * `<region>.oss.aliyuncs.com`; `undefined` for acceleration endpoints and other hosts.
 *
 * @example
 * ```ts
 * import { regionFromHost } from "./endpoint.ts";
 * regionFromHost("oss-cn-hangzhou-internal.aliyuncs.com"); // "cn-hangzhou"
 * regionFromHost("oss-accelerate.aliyuncs.com"); // undefined
 * ```
 */
export function regionFromHost(host: string): string | undefined {
  const h = host.toLowerCase().replace(/:\d+$/, "");
  const m = OSS_HOST_RE.exec(h) ?? DUALSTACK_RE.exec(h);
  if (!m || m[1].startsWith("accelerate")) return undefined;
  return m[1];
}

/**
 * Whether a host (optionally with port) is an IP address or `localhost`, where virtual-hosted
 * addressing cannot work.
 *
 * @example
 * ```ts
 * import { isIpOrLocalhost } from "./endpoint.ts";
 * isIpOrLocalhost("127.0.0.1:9000"); // true
 * isIpOrLocalhost("[::1]:9000"); // true
 * isIpOrLocalhost("oss-cn-hangzhou.aliyuncs.com"); // false
 * ```
 */
export function isIpOrLocalhost(host: string): boolean {
  const h = host.toLowerCase();
  if (h.startsWith("[")) return true; // IPv6 literal
  const name = h.replace(/:\d+$/, "");
  return name === "localhost" || /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
}

/**
 * Resolves where requests go, from an endpoint and/or a region.
 *
 * @throws {TypeError} when neither is given, or the endpoint is not a plain http(s) origin
 *
 * @example
 * ```ts
 * import { resolveEndpoint } from "./endpoint.ts";
 * resolveEndpoint({ region: "cn-hangzhou" });
 * // { protocol: "https:", host: "oss-cn-hangzhou.aliyuncs.com", region: "cn-hangzhou", style: "virtual" }
 * resolveEndpoint({ endpoint: "http://127.0.0.1:9000", region: "cn-hangzhou" }).style; // "path"
 * ```
 */
export function resolveEndpoint(options: EndpointOptions): ResolvedEndpoint {
  let region = options.region ? normalizeRegion(options.region) : undefined;
  let protocol: "https:" | "http:" = "https:";
  let host: string;
  if (options.endpoint) {
    const text = options.endpoint.trim();
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new TypeError(`invalid endpoint ${JSON.stringify(options.endpoint)}`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TypeError(`endpoint ${JSON.stringify(options.endpoint)}: use http or https`);
    }
    if (url.username || url.password || url.search || url.hash || url.pathname !== "/") {
      throw new TypeError(
        `endpoint ${JSON.stringify(options.endpoint)}: give only scheme, host and port`,
      );
    }
    protocol = url.protocol;
    host = url.host;
    region ??= regionFromHost(host);
  } else if (options.accelerate) {
    host = "oss-accelerate.aliyuncs.com";
  } else if (region) {
    host = `oss-${region}${options.internal ? "-internal" : ""}.aliyuncs.com`;
  } else {
    throw new TypeError("give a region (e.g. cn-hangzhou) or an endpoint");
  }
  const style: AddressingStyle = options.cname
    ? "cname"
    : (options.pathStyle ?? isIpOrLocalhost(host))
    ? "path"
    : "virtual";
  return { protocol, host, region, style };
}

/**
 * The URL of an object (or of a bucket when `key` is omitted), with the key escaped per OSS
 * (`A-Za-z0-9-._~/` kept) and the query encoded and sorted.
 *
 * @param endpoint the resolved endpoint
 * @param bucket the bucket
 * @param key the raw object key
 * @param query decoded query pairs
 * @returns the URL
 *
 * @example
 * ```ts
 * import { objectUrl, resolveEndpoint } from "./endpoint.ts";
 * const ep = resolveEndpoint({ region: "cn-hangzhou" });
 * objectUrl(ep, "examplebucket", "dir/a b.txt").href;
 * // "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.txt"
 * ```
 */
export function objectUrl(
  endpoint: ResolvedEndpoint,
  bucket: string,
  key?: string,
  query: readonly (readonly [string, string])[] = [],
): URL {
  assertBucketName(bucket);
  if (key !== undefined) assertObjectKey(key);
  const path = key === undefined ? "" : escapeKey(key);
  let base: string;
  switch (endpoint.style) {
    case "virtual":
      base = `${endpoint.protocol}//${bucket}.${endpoint.host}/${path}`;
      break;
    case "path":
      base = `${endpoint.protocol}//${endpoint.host}/${bucket}/${path}`;
      break;
    case "cname":
      base = `${endpoint.protocol}//${endpoint.host}/${path}`;
      break;
  }
  const q = encodeQuery(query);
  return new URL(q ? `${base}?${q}` : base);
}
