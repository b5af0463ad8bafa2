/**
 * An {@linkcode ObjectSource} for an OSS object addressed by bucket and key (and version): HEAD
 * for `stat`, ranged GET with `x-oss-range-behavior: standard` and `If-Match` for `read`, each
 * request signed (V4 or V1) with a fresh date, or unsigned for anonymous access.
 *
 * @module
 */

import { type RequestOptions, requestTimeouts, statRetryOptions } from "./request_options.ts";
import { ProtocolError } from "../errors.ts";
import { Credentials } from "./credentials.ts";
import { CredentialsRefresher } from "../credentials/credentials_refresher.ts";
import { staticProvider } from "../credentials/credentials_provider.ts";
import { objectUrl, type ResolvedEndpoint } from "./endpoint.ts";
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
import { type SignatureVersion, signHeaders } from "./sign_request.ts";
import { sendSigned } from "./signed_send.ts";
import {
  isValidTrafficLimit,
  MAX_TRAFFIC_LIMIT,
  MIN_TRAFFIC_LIMIT,
  TRAFFIC_LIMIT_HEADER,
} from "../throttle/traffic_limit.ts";

/** Options of {@linkcode OssObjectSource}. */
export interface OssObjectSourceOptions extends RequestOptions {
  /** The bucket. */
  bucket: string;
  /** The raw object key. */
  key: string;
  /** The object version, sent as `versionId`. */
  versionId?: string;
  /** Where to send requests (see `resolveEndpoint`). */
  endpoint: ResolvedEndpoint;
  /**
   * Who signs: fixed keys, or a refresher shared by all requests (asked for the current keys as
   * each request is signed); `null` sends unsigned (anonymous) requests.
   */
  credentials: Credentials | CredentialsRefresher | null;
  /** @default "v4" */
  signatureVersion?: SignatureVersion;
  /** The clock for signing. @default () => new Date() */
  now?: () => Date;
  /** Sent as `x-oss-traffic-limit` (bit/s) on every GET, signed. @default undefined (not sent) */
  trafficLimit?: number;
}

/**
 * Reads an OSS object through the OSS API.
 *
 * @example
 * ```ts
 * import { OssObjectSource } from "./oss_object_source.ts";
 * import { resolveEndpoint } from "./endpoint.ts";
 * const source = new OssObjectSource({
 *   bucket: "examplebucket", key: "big/file.zip",
 *   endpoint: resolveEndpoint({ region: "cn-hangzhou" }), credentials: null,
 * });
 * source.displayName; // "oss://examplebucket/big/file.zip"
 * ```
 */
export class OssObjectSource implements ObjectSource {
  /** Endpoint origin, bucket, key and version, as a JSON array. */
  readonly identity: string;
  /** `oss://bucket/key`, plus the version when one is set. */
  readonly displayName: string;
  #options: OssObjectSourceOptions;
  #url: URL;
  #fetch: FetchFunction;
  #timeouts: SendOptions;
  #refresher: CredentialsRefresher | null;

  /**
   * @param options what to read and how
   * @throws {TypeError} for V4 signing without a known region, or a bad bucket / key
   * @throws {RangeError} for a timeout that is not a positive number
   */
  constructor(options: OssObjectSourceOptions) {
    const { bucket, key, versionId, endpoint } = options;
    if (options.credentials && options.signatureVersion !== "v1" && !endpoint.region) {
      throw new TypeError(
        `signature V4 needs the region: the endpoint ${endpoint.host} does not show it ` +
          `(pass region, e.g. cn-hangzhou, or use signature V1)`,
      );
    }
    if (options.trafficLimit !== undefined && !isValidTrafficLimit(options.trafficLimit)) {
      throw new RangeError(
        `trafficLimit must be from ${MIN_TRAFFIC_LIMIT} to ${MAX_TRAFFIC_LIMIT} bit/s, got ${options.trafficLimit}`,
      );
    }
    this.#timeouts = requestTimeouts(options);
    this.#options = options;
    this.#url = objectUrl(endpoint, bucket, key, versionId ? [["versionId", versionId]] : []);
    this.#fetch = options.fetch ?? defaultFetch;
    this.#refresher = toRefresher(options.credentials);
    this.identity = JSON.stringify([
      "oss",
      `${endpoint.protocol}//${endpoint.host}`,
      bucket,
      key,
      versionId ?? null,
    ]);
    this.displayName = `oss://${bucket}/${key}${versionId ? ` (version ${versionId})` : ""}`;
  }

  async #request(method: string, headers: Headers, signal?: AbortSignal): Promise<Response> {
    const o = this.#options;
    headers.set("accept-encoding", "identity");
    if (o.userAgent) headers.set("user-agent", o.userAgent);
    return await sendSigned(
      this.#refresher,
      async (credentials) => {
        const signed = new Headers(headers);
        if (credentials) {
          await signHeaders(method, this.#url, signed, {
            credentials,
            signatureVersion: o.signatureVersion,
            bucket: o.bucket,
            key: o.key,
            region: o.endpoint.region,
            now: o.now,
          });
        }
        return new Request(this.#url, { method, headers: signed });
      },
      (request) => send(this.#fetch, request, { ...this.#timeouts, signal }),
    );
  }

  /**
   * HEADs the object (with retries).
   *
   * @example
   * ```ts
   * import type { OssObjectSource } from "./oss_object_source.ts";
   * declare const source: OssObjectSource;
   * const meta = await source.stat({});
   * console.log(meta.size, meta.etag, meta.crc64);
   * ```
   */
  stat(options: StatOptions): Promise<ObjectMeta> {
    const { signal } = options;
    return withRetries(async () => {
      const response = await this.#request("HEAD", new Headers(), signal);
      if (response.status < 200 || response.status > 299) {
        throw await errorFromResponse(response);
      }
      await discardBody(response);
      const size = parseContentLength(response.headers);
      if (size === null) throw new ProtocolError("HEAD answer without Content-Length");
      return objectMetaFromHeaders(response.headers, size, true);
    }, statRetryOptions(this.#options, options));
  }

  /**
   * GETs `[start, end)` (no retries), checking the answer.
   *
   * @example
   * ```ts
   * import type { OssObjectSource } from "./oss_object_source.ts";
   * declare const source: OssObjectSource;
   * const r = await source.read({ start: 0, end: 1024, etag: null });
   * await r.body.cancel();
   * ```
   */
  async read(request: ReadRequest): Promise<ReadResponse> {
    assertReadRequest(request);
    const headers = new Headers();
    if (!request.whole) {
      headers.set("range", rangeHeader(request.start, request.end));
      headers.set("x-oss-range-behavior", "standard");
    }
    if (request.etag !== null) headers.set("if-match", request.etag);
    const limit = this.#options.trafficLimit;
    if (limit !== undefined) headers.set(TRAFFIC_LIMIT_HEADER, String(limit));
    const response = await this.#request("GET", headers, request.signal);
    return await toReadResponse(response, request);
  }
}

/**
 * The refresher for `credentials`: itself, a fixed one around plain keys, or `null`.
 *
 * @example
 * ```ts
 * import { toRefresher } from "./oss_object_source.ts";
 * import { Credentials } from "./credentials.ts";
 * toRefresher(new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }))?.refreshable; // false
 * ```
 */
export function toRefresher(
  credentials: Credentials | CredentialsRefresher | null,
): CredentialsRefresher | null {
  if (credentials === null) return null;
  if (credentials instanceof CredentialsRefresher) return credentials;
  if (credentials instanceof Credentials) {
    return new CredentialsRefresher(staticProvider("the given credentials", credentials));
  }
  throw new TypeError("credentials must be Credentials, a CredentialsRefresher or null");
}
