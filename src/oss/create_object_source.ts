/**
 * Builds the right {@linkcode ObjectSource} for a source: `oss://bucket/key` or
 * `{ bucket, key, versionId }` → {@linkcode OssObjectSource}; an http(s) URL →
 * {@linkcode UrlObjectSource}.
 *
 * @module
 */

import type { RequestOptions } from "./request_options.ts";
import { readEnv } from "../runtime/env.ts";
import {
  type Credentials,
  type CredentialsInput,
  type EnvLookup,
  resolveCredentials,
} from "./credentials.ts";
import { type EndpointOptions, resolveEndpoint } from "./endpoint.ts";
import type { ObjectSource } from "./object_source.ts";
import { OssObjectSource } from "./oss_object_source.ts";
import { assertBucketName, assertObjectKey, isOssUrl, parseOssUrl } from "./oss_url.ts";
import type { SignatureVersion } from "./sign_request.ts";
import { UrlObjectSource } from "./url_object_source.ts";
import { CredentialsRefresher } from "../credentials/credentials_refresher.ts";

/** What to download: `oss://bucket/key`, an http(s) URL, or a bucket and key. */
export type SourceSpec = string | { bucket: string; key: string; versionId?: string };

/**
 * Options of {@linkcode createObjectSource}. Only the request options (fetch, retry, userAgent,
 * timeouts) apply to URLs.
 */
export interface ObjectSourceOptions extends EndpointOptions, RequestOptions {
  /** @default "v4" */
  signatureVersion?: SignatureVersion;
  /**
   * Explicit credentials; `null` forces anonymous access; when omitted they are read from the
   * environment (`OSS_ACCESS_KEY_ID`, ... then `ALIBABA_CLOUD_*`), anonymous if none. A
   * `CredentialsRefresher` (from the credentials chain) is asked for the current keys as each
   * request is signed.
   */
  credentials?: CredentialsInput | Credentials | CredentialsRefresher | null;
  /** Environment lookup for credentials. @default readEnv (the process environment) */
  env?: EnvLookup;
  /** Object version to read. */
  versionId?: string;
  /** The clock for signing (tests). @default () => new Date() */
  now?: () => Date;
  /**
   * `x-oss-traffic-limit` (bit/s) for every GET of an OSS object; for a URL it must be part of
   * the URL (a presigned signature covers it), so giving it here is refused.
   * @default undefined (not sent)
   */
  trafficLimit?: number;
}

/**
 * Creates the {@linkcode ObjectSource} for `source`.
 *
 * @param source `oss://bucket/key`, `{ bucket, key, versionId? }` or an http(s) URL
 * @param options endpoint / region, credentials, signature version, fetch, retries, timeouts
 * @throws {TypeError} on a malformed source, bucket, key, endpoint, or conflicting version ids
 * @throws {RangeError} for a timeout that is not a positive number
 *
 * @example
 * ```ts
 * import { createObjectSource } from "./create_object_source.ts";
 * const source = createObjectSource("oss://examplebucket/big/file.zip", {
 *   region: "cn-hangzhou",
 *   credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
 * });
 * source.displayName; // "oss://examplebucket/big/file.zip"
 * const url = createObjectSource("https://example.com/file.zip", {});
 * url.identity; // "https://example.com/file.zip"
 * ```
 */
export function createObjectSource(
  source: SourceSpec,
  options: ObjectSourceOptions = {},
): ObjectSource {
  const common = {
    fetch: options.fetch,
    retry: options.retry,
    userAgent: options.userAgent,
    sleep: options.sleep,
    random: options.random,
    connectTimeoutMs: options.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
  };
  let name: { bucket: string; key: string; versionId?: string };
  if (typeof source === "string") {
    if (/^https?:\/\//i.test(source)) {
      if (options.versionId) {
        throw new TypeError(
          "a version id cannot be applied to an http(s) URL: put versionId in the URL " +
            "(and sign that URL), or use oss://bucket/key",
        );
      }
      if (options.trafficLimit !== undefined) {
        throw new TypeError(
          "a traffic limit cannot be added to an http(s) URL: put x-oss-traffic-limit in the " +
            "URL (and sign that URL), or use oss://bucket/key",
        );
      }
      return new UrlObjectSource(source, common);
    }
    if (!isOssUrl(source)) {
      throw new TypeError("the source must be oss://bucket/key or an http(s) URL");
    }
    name = parseOssUrl(source);
  } else if (source && typeof source === "object") {
    assertBucketName(source.bucket);
    assertObjectKey(source.key);
    name = source;
  } else {
    throw new TypeError("the source must be oss://bucket/key, { bucket, key } or an http(s) URL");
  }
  if (options.versionId && name.versionId && options.versionId !== name.versionId) {
    throw new TypeError("two different version ids were given (source and options.versionId)");
  }
  const versionId = options.versionId || name.versionId || undefined;
  const credentials = options.credentials instanceof CredentialsRefresher
    ? options.credentials
    : resolveCredentials({ credentials: options.credentials, env: options.env ?? readEnv });
  return new OssObjectSource({
    ...common,
    bucket: name.bucket,
    key: name.key,
    versionId,
    endpoint: resolveEndpoint(options),
    credentials,
    signatureVersion: options.signatureVersion,
    now: options.now,
    trafficLimit: options.trafficLimit,
  });
}
