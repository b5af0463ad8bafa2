/**
 * OSS signature version 1 (`Authorization: OSS <ak>:<base64 HMAC-SHA1>`), header and presigned
 * (query) forms. The low-level pure functions are also used by the emulator to verify requests.
 *
 * @module
 */

import type { Credentials } from "./credentials.ts";
import { hmac, toBase64 } from "./crypto_util.ts";
import { httpDate } from "./date_format.ts";
import { compare } from "./uri_encode.ts";

/**
 * The query parameters that are sub-resources in V1 (the Go SDK v2 list plus `resourceGroup`).
 * Any parameter whose name starts with `x-oss-` is a sub-resource too.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  "acl",
  "bucketInfo",
  "location",
  "stat",
  "delete",
  "append",
  "tagging",
  "objectMeta",
  "uploads",
  "uploadId",
  "partNumber",
  "security-token",
  "position",
  "response-content-type",
  "response-content-language",
  "response-expires",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "restore",
  "callback",
  "callback-var",
  "versions",
  "versioning",
  "versionId",
  "sequential",
  "continuation-token",
  "regionList",
  "cloudboxes",
  "symlink",
  "resourceGroup",
]);

/** What the V1 string to sign is computed from. */
export interface V1StringToSignInput {
  /** HTTP method, e.g. `GET`. */
  method: string;
  /** `Content-MD5` header value or `""`. */
  contentMd5: string;
  /** `Content-Type` header value or `""`. */
  contentType: string;
  /** The `Date` (or `x-oss-date`) header value; for presigned URLs the `Expires` seconds. */
  date: string;
  /** All request headers; the `x-oss-*` ones are canonicalized. */
  headers: Headers;
  /** The bucket, if the request is bucket- or object-level. */
  bucket?: string;
  /** The raw (decoded) object key. */
  key?: string;
  /** Decoded query pairs; filtered here to the sub-resources. */
  query: [string, string][];
  /** Extra query names to treat as sub-resources (the Go SDK's `SubResource`). */
  subResources?: string[];
}

/**
 * The `x-oss-*` headers canonicalized for V1: lower-case names, sorted, `name:value\n` each.
 *
 * @example
 * ```ts
 * import { v1CanonicalizedOssHeaders } from "./signer_v1.ts";
 * v1CanonicalizedOssHeaders(new Headers({ "X-OSS-Meta-B": "2", "x-oss-meta-a": " 1 " }));
 * // "x-oss-meta-a:1\nx-oss-meta-b:2\n"
 * ```
 */
export function v1CanonicalizedOssHeaders(headers: Headers): string {
  const lines: string[] = [];
  for (const [name, value] of headers) { // Headers iterates lower-cased names in sorted order
    if (name.startsWith("x-oss-")) lines.push(`${name}:${value.trim()}\n`);
  }
  return lines.sort(compare).join("");
}

/**
 * The V1 CanonicalizedResource: `/bucket/key` plus the sorted sub-resources.
 *
 * @example
 * ```ts
 * import { v1CanonicalizedResource } from "./signer_v1.ts";
 * v1CanonicalizedResource("examplebucket", "", [["acl", ""], ["foo", "x"]]); // "/examplebucket/?acl"
 * ```
 */
export function v1CanonicalizedResource(
  bucket: string | undefined,
  key: string | undefined,
  query: [string, string][],
  subResources: string[] = [],
): string {
  const extra = new Set(subResources);
  const signed = query
    .filter(([k]) =>
      V1_SUB_RESOURCES.has(k) || extra.has(k) || k.toLowerCase().startsWith("x-oss-")
    )
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))
    .map(([k, v]) => (v === "" ? k : `${k}=${v}`));
  const path = "/" + (bucket ? `${bucket}/` : "") + (key ?? "");
  return signed.length ? `${path}?${signed.join("&")}` : path;
}

/**
 * The V1 string to sign (§1.1 of the protocol notes).
 *
 * @example
 * ```ts
 * import { v1StringToSign } from "./signer_v1.ts";
 * v1StringToSign({
 *   method: "GET", contentMd5: "", contentType: "", date: "1699807420", headers: new Headers(),
 *   bucket: "bucket", key: "key", query: [["versionId", "versionId"]],
 * }); // "GET\n\n\n1699807420\n/bucket/key?versionId=versionId"
 * ```
 */
export function v1StringToSign(input: V1StringToSignInput): string {
  return `${input.method}\n${input.contentMd5}\n${input.contentType}\n${input.date}\n` +
    v1CanonicalizedOssHeaders(input.headers) +
    v1CanonicalizedResource(input.bucket, input.key, input.query, input.subResources);
}

/**
 * The V1 signature: base64(HMAC-SHA1(secret, stringToSign)).
 *
 * @example
 * ```ts
 * import { v1Signature } from "./signer_v1.ts";
 * await v1Signature("sk", "GET\n\n\n1699807420\n/bucket/key?versionId=versionId");
 * // "dcLTea+Yh9ApirQ8o8dOPqtvJXQ="
 * ```
 */
export async function v1Signature(accessKeySecret: string, stringToSign: string): Promise<string> {
  return toBase64(await hmac("SHA-1", accessKeySecret, stringToSign));
}

/** A request to sign in place. */
export interface V1HeaderSignInput {
  /** HTTP method. */
  method: string;
  /** The request URL (its query is read, decoded). */
  url: URL;
  /** The request headers; `Date`, `x-oss-security-token` and `Authorization` are set. */
  headers: Headers;
  /** The bucket. */
  bucket?: string;
  /** The raw object key. */
  key?: string;
  /** Who signs. */
  credentials: Credentials;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * Signs a request in V1 header mode: sets `Date` (RFC 1123), `x-oss-security-token` with STS, and
 * `Authorization: OSS <ak>:<signature>`. An `x-oss-date` header already present is what gets signed
 * on the Date line (OSS gives it precedence over `Date`).
 *
 * @example
 * ```ts
 * import { signHeadersV1 } from "./signer_v1.ts";
 * import { Credentials } from "./credentials.ts";
 * const headers = new Headers();
 * await signHeadersV1({
 *   method: "GET", url: new URL("https://b.oss-cn-hangzhou.aliyuncs.com/k"), headers,
 *   bucket: "b", key: "k", credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
 * });
 * headers.get("authorization"); // "OSS ak:..."
 * ```
 */
export async function signHeadersV1(input: V1HeaderSignInput): Promise<void> {
  const { headers, credentials } = input;
  const date = httpDate((input.now ?? (() => new Date()))());
  headers.delete("authorization");
  headers.set("date", date);
  if (credentials.securityToken) headers.set("x-oss-security-token", credentials.securityToken);
  const stringToSign = v1StringToSign({
    method: input.method,
    contentMd5: headers.get("content-md5") ?? "",
    contentType: headers.get("content-type") ?? "",
    date: headers.get("x-oss-date") ?? date, // OSS prefers x-oss-date when both are sent
    headers,
    bucket: input.bucket,
    key: input.key,
    query: [...input.url.searchParams],
  });
  const signature = await v1Signature(credentials.accessKeySecret, stringToSign);
  headers.set("authorization", `OSS ${credentials.accessKeyId}:${signature}`);
}

/** A V1 presigned query to compute. */
export interface V1PresignInput {
  /** HTTP method. */
  method: string;
  /** The bucket. */
  bucket?: string;
  /** The raw object key. */
  key?: string;
  /** Decoded query pairs the URL carries besides the auth parameters. */
  query: [string, string][];
  /** Headers the client will send (`content-type`, `content-md5`, `x-oss-*` are signed). */
  headers?: Headers;
  /** Who signs. */
  credentials: Credentials;
  /** Expiry as Unix seconds. */
  expires: number;
}

/**
 * Computes the query pairs of a V1 presigned URL: the given ones plus `OSSAccessKeyId`, `Expires`,
 * `Signature` (and `security-token` with STS).
 *
 * @example
 * ```ts
 * import { presignQueryV1 } from "./signer_v1.ts";
 * import { Credentials } from "./credentials.ts";
 * const q = await presignQueryV1({
 *   method: "GET", bucket: "bucket", key: "key", query: [["versionId", "versionId"]],
 *   credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }), expires: 1699807420,
 * });
 * // q includes ["Signature", "dcLTea+Yh9ApirQ8o8dOPqtvJXQ="]
 * ```
 */
export async function presignQueryV1(input: V1PresignInput): Promise<[string, string][]> {
  const headers = input.headers ?? new Headers();
  const query: [string, string][] = [...input.query];
  if (input.credentials.securityToken) {
    query.push(["security-token", input.credentials.securityToken]);
  }
  const expires = String(Math.floor(input.expires));
  const stringToSign = v1StringToSign({
    method: input.method,
    contentMd5: headers.get("content-md5") ?? "",
    contentType: headers.get("content-type") ?? "",
    date: expires,
    headers,
    bucket: input.bucket,
    key: input.key,
    query,
  });
  const signature = await v1Signature(input.credentials.accessKeySecret, stringToSign);
  return [
    ...query,
    ["OSSAccessKeyId", input.credentials.accessKeyId],
    ["Expires", expires],
    ["Signature", signature],
  ];
}
