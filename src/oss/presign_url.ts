/**
 * Presigned URLs (V4 by default, or V1) for an OSS object: anyone holding the URL can GET the
 * object until it expires.
 *
 * @module
 */

import { Credentials, type CredentialsInput } from "./credentials.ts";
import { type EndpointOptions, objectUrl, resolveEndpoint } from "./endpoint.ts";
import { isOssUrl, type OssObjectName, parseOssUrl } from "./oss_url.ts";
import type { SignatureVersion } from "./sign_request.ts";
import { presignQueryV1 } from "./signer_v1.ts";
import { presignQueryV4 } from "./signer_v4.ts";

/** Options of {@linkcode presignUrl}. */
export interface PresignOptions extends EndpointOptions {
  /** Who signs (required: a presigned URL without credentials means nothing). */
  credentials: CredentialsInput | Credentials;
  /** Signature version. @default "v4" */
  signatureVersion?: SignatureVersion;
  /** Lifetime in seconds (V4: at most 604800 = 7 days). @default 900 */
  expiresInSeconds?: number;
  /** HTTP method the URL is for. @default "GET" */
  method?: string;
  /** Object version to address. */
  versionId?: string;
  /** Extra query parameters (e.g. `response-content-type`), decoded. */
  query?: [string, string][];
  /** Headers the client will send; `content-type`, `content-md5` and `x-oss-*` get signed. */
  headers?: HeadersInit;
  /** V4: more header names to sign. @default [] */
  additionalHeaders?: string[];
  /** V4 product. @default "oss" */
  product?: string;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * Makes a presigned URL for an object.
 *
 * @param source `oss://bucket/key` or `{ bucket, key, versionId? }`
 * @param options endpoint / region, credentials, lifetime, version
 * @returns the URL (query parameters sorted by name)
 * @throws {TypeError} on a bad source, missing region for V4, bad endpoint
 * @throws {RangeError} on a lifetime out of range
 *
 * @example
 * ```ts
 * import { presignUrl } from "./presign_url.ts";
 * const url = await presignUrl("oss://examplebucket/dir/file.bin", {
 *   region: "cn-hangzhou",
 *   credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
 *   expiresInSeconds: 3600,
 * });
 * // https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/file.bin?x-oss-credential=...
 * ```
 */
export async function presignUrl(
  source: string | (OssObjectName & { versionId?: string }),
  options: PresignOptions,
): Promise<string> {
  const name = typeof source === "string"
    ? (isOssUrl(source) ? parseOssUrl(source) : badSource(source))
    : source;
  const versionId = options.versionId ??
    (typeof source === "string" ? undefined : source.versionId);
  const endpoint = resolveEndpoint(options);
  const credentials = options.credentials instanceof Credentials
    ? options.credentials
    : new Credentials(options.credentials);
  const method = (options.method ?? "GET").toUpperCase();
  const expiresIn = options.expiresInSeconds ?? 900;
  const now = (options.now ?? (() => new Date()))();
  const headers = new Headers(options.headers);
  const query: [string, string][] = [...(options.query ?? [])];
  if (versionId) query.push(["versionId", versionId]);
  let signed: [string, string][];
  if ((options.signatureVersion ?? "v4") === "v1") {
    if (!Number.isInteger(expiresIn) || expiresIn < 1) {
      throw new RangeError(`expiresInSeconds must be a positive integer, not ${expiresIn}`);
    }
    signed = await presignQueryV1({
      method,
      bucket: name.bucket,
      key: name.key,
      query,
      headers,
      credentials,
      expires: Math.floor(now.getTime() / 1000) + expiresIn,
    });
  } else {
    if (!endpoint.region) {
      throw new TypeError("signature V4 needs the region when the endpoint does not show it");
    }
    signed = await presignQueryV4({
      method,
      bucket: name.bucket,
      key: name.key,
      query,
      headers,
      additionalHeaders: options.additionalHeaders,
      credentials,
      region: endpoint.region,
      product: options.product,
      now,
      expiresInSeconds: expiresIn,
    });
  }
  return objectUrl(endpoint, name.bucket, name.key, signed).href;
}

function badSource(source: string): never {
  throw new TypeError(
    `expected oss://bucket/key or { bucket, key }, got a string starting ${
      JSON.stringify(source.slice(0, 8))
    }`,
  );
}
