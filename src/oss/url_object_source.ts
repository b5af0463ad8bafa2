/**
 * An {@linkcode ObjectSource} for an http(s) URL: a presigned OSS URL, a public object, or any
 * server that supports `Range`. No `x-oss-*` header is ever added (a presigned V4 signature
 * covers the `x-oss-*` request headers, so an extra one would break it).
 *
 * @module
 */

import { type RequestOptions, requestTimeouts, statRetryOptions } from "./request_options.ts";
import { ProtocolError } from "../errors.ts";
import { parseContentRange } from "./content_range.ts";
import {
  defaultFetch,
  discardBody,
  type FetchFunction,
  send,
  type SendOptions,
} from "./http_send.ts";
import type {
  ObjectMeta,
  ObjectSource,
  ReadRequest,
  ReadResponse,
  StatOptions,
} from "./object_source.ts";
import { errorFromResponse } from "./parse_error.ts";
import { assertReadRequest, rangeHeader, toReadResponse } from "./read_response.ts";
import { objectMetaFromHeaders, parseContentLength } from "./response_meta.ts";
import { withRetries } from "./retry.ts";

/** Query parameters that carry a signature, a credential or an expiry (compared lower-cased). */
export const SIGNATURE_PARAMS: ReadonlySet<string> = new Set([
  "signature",
  "ossaccesskeyid",
  "expires",
  "security-token",
  "x-oss-signature",
  "x-oss-credential",
  "x-oss-date",
  "x-oss-expires",
  "x-oss-signature-version",
  "x-oss-security-token",
  "x-oss-additional-headers",
  // S3-style presigned URLs (any server with Range is a valid source).
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-signedheaders",
  "x-amz-signature",
  "x-amz-security-token",
]);

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

/**
 * The URL without signature, credential and expiry parameters, user info or fragment: stable
 * across re-signing and free of secrets. Other parameters keep their original encoding and order.
 *
 * @example
 * ```ts
 * import { stripSignature } from "./url_object_source.ts";
 * stripSignature("https://b.oss-cn-hangzhou.aliyuncs.com/k?versionId=1&x-oss-signature=abc");
 * // "https://b.oss-cn-hangzhou.aliyuncs.com/k?versionId=1"
 * ```
 */
export function stripSignature(url: string | URL): string {
  const u = new URL(url);
  const kept = u.search.slice(1).split("&").filter((part) => {
    if (part === "") return false;
    const name = decodeName(part.split("=", 1)[0]).toLowerCase();
    return !SIGNATURE_PARAMS.has(name);
  });
  return `${u.protocol}//${u.host}${u.pathname}${kept.length ? `?${kept.join("&")}` : ""}`;
}

/** Options of {@linkcode UrlObjectSource}. */
export type UrlObjectSourceOptions = RequestOptions;

/**
 * Reads an object from an http(s) URL.
 *
 * @example
 * ```ts
 * import { UrlObjectSource } from "./url_object_source.ts";
 * const source = new UrlObjectSource("https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-signature=s");
 * source.identity; // "https://b.oss-cn-hangzhou.aliyuncs.com/k"
 * ```
 */
export class UrlObjectSource implements ObjectSource {
  /** The URL without signature parameters. */
  readonly identity: string;
  /** The URL without signature parameters. */
  readonly displayName: string;
  #url: URL;
  #options: UrlObjectSourceOptions;
  #fetch: FetchFunction;
  #timeouts: SendOptions;

  /**
   * @param url an http or https URL
   * @param options fetch, retries, user agent, timeouts
   * @throws {TypeError} when `url` is not an http(s) URL
   * @throws {RangeError} for a timeout that is not a positive number
   */
  constructor(url: string | URL, options: UrlObjectSourceOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError("not a valid URL (expected http:// or https://)");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`unsupported URL scheme ${parsed.protocol} (expected http or https)`);
    }
    parsed.hash = "";
    this.#timeouts = requestTimeouts(options);
    this.#url = parsed;
    this.#options = options;
    this.#fetch = options.fetch ?? defaultFetch;
    this.identity = stripSignature(parsed);
    this.displayName = this.identity;
  }

  async #get(headers: Headers, signal?: AbortSignal): Promise<Response> {
    headers.set("accept-encoding", "identity");
    if (this.#options.userAgent) headers.set("user-agent", this.#options.userAgent);
    const request = new Request(this.#url, { headers });
    return await send(this.#fetch, request, { ...this.#timeouts, signal });
  }

  /**
   * Probes the object with `GET` and `Range: bytes=0-0` (with retries): 206 gives the size from
   * `Content-Range`; 200 means ranges are not supported (size from `Content-Length`); 416 means
   * an empty object.
   *
   * @example
   * ```ts
   * import type { UrlObjectSource } from "./url_object_source.ts";
   * declare const source: UrlObjectSource;
   * const meta = await source.stat({});
   * console.log(meta.size, meta.acceptsRanges);
   * ```
   */
  stat(options: StatOptions): Promise<ObjectMeta> {
    const { signal } = options;
    return withRetries(async () => {
      const response = await this.#get(new Headers({ range: "bytes=0-0" }), signal);
      const h = response.headers;
      if (response.status === 416) {
        await discardBody(response);
        const header = h.get("content-range");
        const total = header === null ? 0 : parseContentRange(header).total;
        if (total !== 0) {
          throw new ProtocolError(`416 to bytes=0-0 with Content-Range ${header}`);
        }
        return objectMetaFromHeaders(h, 0, true);
      }
      if (response.status < 200 || response.status > 299) {
        throw await errorFromResponse(response);
      }
      await discardBody(response);
      if (response.status === 206) {
        const header = h.get("content-range");
        if (header === null) throw new ProtocolError("206 without Content-Range");
        const cr = parseContentRange(header);
        if (cr.unsatisfied || cr.start !== 0 || cr.total === null) {
          throw new ProtocolError(`Content-Range ${header} does not answer bytes=0-0`);
        }
        return objectMetaFromHeaders(h, cr.total, true);
      }
      if (response.status === 200) {
        const size = parseContentLength(h);
        if (size === null) throw new ProtocolError("200 without Content-Length: size unknown");
        return objectMetaFromHeaders(h, size, false);
      }
      throw new ProtocolError(`status ${response.status} to a ranged GET`);
    }, statRetryOptions(this.#options, options));
  }

  /**
   * GETs `[start, end)` (or the whole object when `whole`), no retries, checking the answer.
   *
   * @example
   * ```ts
   * import type { UrlObjectSource } from "./url_object_source.ts";
   * declare const source: UrlObjectSource;
   * const r = await source.read({ start: 0, end: 10, etag: null });
   * await r.body.cancel();
   * ```
   */
  async read(request: ReadRequest): Promise<ReadResponse> {
    assertReadRequest(request);
    const headers = new Headers();
    if (!request.whole) headers.set("range", rangeHeader(request.start, request.end));
    if (request.etag !== null) headers.set("if-match", request.etag);
    const response = await this.#get(headers, request.signal);
    return await toReadResponse(response, request);
  }
}
