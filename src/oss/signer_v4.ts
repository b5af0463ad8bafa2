/**
 * OSS signature version 4 (`OSS4-HMAC-SHA256`), header and presigned (query) forms. The low-level
 * pure functions are also used by the emulator to verify requests.
 *
 * @module
 */

import type { Credentials } from "./credentials.ts";
import { hmac, sha256Hex, toHex } from "./crypto_util.ts";
import { httpDate, isoBasic } from "./date_format.ts";
import { compare, uriEncode } from "./uri_encode.ts";

/** The V4 algorithm name. */
export const V4_ALGORITHM = "OSS4-HMAC-SHA256";
/** The payload hash OSS downloads use. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** The longest presigned V4 URL lifetime OSS accepts: 7 days. */
export const V4_MAX_EXPIRES_SECONDS = 604800;

/** What the V4 canonical request is computed from. */
export interface V4CanonicalRequestInput {
  /** HTTP method. */
  method: string;
  /** The bucket (always part of the canonical URI, whatever the addressing style). */
  bucket?: string;
  /** The raw (decoded) object key. */
  key?: string;
  /** All decoded query pairs; for presigned URLs including the auth params but `x-oss-signature`. */
  query: [string, string][];
  /** The request headers. */
  headers: Headers;
  /** Extra header names to sign (normalized with {@linkcode v4AdditionalHeaders}). */
  additionalHeaders: string[];
}

function signedByDefault(name: string): boolean {
  return name.startsWith("x-oss-") || name === "content-type" || name === "content-md5";
}

/**
 * Normalizes the AdditionalHeaders list: lower-cases, drops names signed by default (`x-oss-*`,
 * `content-type`, `content-md5`) and names absent from (or empty in) `headers`, sorts, dedupes.
 *
 * @example
 * ```ts
 * import { v4AdditionalHeaders } from "./signer_v4.ts";
 * const h = new Headers({ abc: "value", ZAbc: "value" });
 * v4AdditionalHeaders(["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"], h); // ["abc", "zabc"]
 * ```
 */
export function v4AdditionalHeaders(names: string[], headers: Headers): string[] {
  const set = new Set<string>();
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!name || signedByDefault(name)) continue;
    const value = headers.get(name);
    if (value !== null && value.trim() !== "") set.add(name);
  }
  return [...set].sort(compare);
}

/**
 * The V4 canonical query string: every pair URI-encoded, sorted by encoded key, `key` alone when
 * the value is empty.
 *
 * @example
 * ```ts
 * import { v4CanonicalQuery } from "./signer_v4.ts";
 * v4CanonicalQuery([["versionId", "CAEQ+abc/="], ["acl", ""]]); // "acl&versionId=CAEQ%2Babc%2F%3D"
 * ```
 */
export function v4CanonicalQuery(query: [string, string][]): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))
    .map(([k, v]) => (v === "" ? k : `${k}=${v}`))
    .join("&");
}

/**
 * The V4 canonical request (§2.1 of the protocol notes).
 *
 * @example
 * ```ts
 * import { v4CanonicalRequest } from "./signer_v4.ts";
 * v4CanonicalRequest({
 *   method: "GET", bucket: "b", key: "a b.txt", query: [],
 *   headers: new Headers({ "x-oss-date": "20240102T030405Z" }), additionalHeaders: [],
 * }); // "GET\n/b/a%20b.txt\n\nx-oss-date:20240102T030405Z\n\n\nUNSIGNED-PAYLOAD"
 * ```
 */
export function v4CanonicalRequest(input: V4CanonicalRequestInput): string {
  const { headers } = input;
  const uri = uriEncode("/" + (input.bucket ? `${input.bucket}/` : "") + (input.key ?? ""), true);
  const additional = v4AdditionalHeaders(input.additionalHeaders, headers);
  const extra = new Set(additional);
  const lines: string[] = [];
  for (const [name, value] of headers) {
    if (signedByDefault(name) || extra.has(name)) lines.push(`${name}:${value.trim()}\n`);
  }
  lines.sort(compare);
  return [
    input.method,
    uri,
    v4CanonicalQuery(input.query),
    lines.join(""),
    additional.join(";"),
    headers.get("x-oss-content-sha256") ?? UNSIGNED_PAYLOAD,
  ].join("\n");
}

/**
 * The V4 scope: `<yyyymmdd>/<region>/<product>/aliyun_v4_request`.
 *
 * @example
 * ```ts
 * import { v4Scope } from "./signer_v4.ts";
 * v4Scope("20231216", "cn-hangzhou"); // "20231216/cn-hangzhou/oss/aliyun_v4_request"
 * ```
 */
export function v4Scope(date: string, region: string, product = "oss"): string {
  return `${date}/${region}/${product}/aliyun_v4_request`;
}

/**
 * The V4 string to sign: algorithm, timestamp, scope and the hex SHA-256 of the canonical request.
 *
 * @example
 * ```ts
 * import { v4StringToSign } from "./signer_v4.ts";
 * const s = await v4StringToSign("20231216T162057Z", "20231216/cn-hangzhou/oss/aliyun_v4_request", "...");
 * s.split("\n")[0]; // "OSS4-HMAC-SHA256"
 * ```
 */
export async function v4StringToSign(
  datetime: string,
  scope: string,
  canonicalRequest: string,
): Promise<string> {
  return `${V4_ALGORITHM}\n${datetime}\n${scope}\n${await sha256Hex(canonicalRequest)}`;
}

/**
 * The V4 signing key: HMAC chain over `"aliyun_v4" + secret`, date, region, product and
 * `aliyun_v4_request`.
 *
 * @example
 * ```ts
 * import { v4SigningKey } from "./signer_v4.ts";
 * (await v4SigningKey("sk", "20231216", "cn-hangzhou", "oss")).length; // 32
 * ```
 */
export async function v4SigningKey(
  accessKeySecret: string,
  date: string,
  region: string,
  product: string,
): Promise<Uint8Array> {
  const kDate = await hmac("SHA-256", "aliyun_v4" + accessKeySecret, date);
  const kRegion = await hmac("SHA-256", kDate, region);
  const kProduct = await hmac("SHA-256", kRegion, product);
  return await hmac("SHA-256", kProduct, "aliyun_v4_request");
}

/**
 * The V4 signature: lower-case hex HMAC-SHA256 of the string to sign under the signing key.
 *
 * @example
 * ```ts
 * import { v4Signature } from "./signer_v4.ts";
 * const sig = await v4Signature("sk", "20231216", "cn-hangzhou", "oss", "OSS4-HMAC-SHA256\n...");
 * sig.length; // 64
 * ```
 */
export async function v4Signature(
  accessKeySecret: string,
  date: string,
  region: string,
  product: string,
  stringToSign: string,
): Promise<string> {
  const key = await v4SigningKey(accessKeySecret, date, region, product);
  return toHex(await hmac("SHA-256", key, stringToSign));
}

/** A request to sign in place with V4. */
export interface V4HeaderSignInput {
  /** HTTP method. */
  method: string;
  /** The request URL (its query is read, decoded). */
  url: URL;
  /** The headers; `x-oss-date`, `Date`, `x-oss-content-sha256`, token and `Authorization` are set. */
  headers: Headers;
  /** The bucket. */
  bucket?: string;
  /** The raw object key. */
  key?: string;
  /** Who signs. */
  credentials: Credentials;
  /** The region id, e.g. `cn-hangzhou`. */
  region: string;
  /** The product. @default "oss" */
  product?: string;
  /** Extra headers to sign. @default [] */
  additionalHeaders?: string[];
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * Signs a request in V4 header mode.
 *
 * @example
 * ```ts
 * import { signHeadersV4 } from "./signer_v4.ts";
 * import { Credentials } from "./credentials.ts";
 * const headers = new Headers();
 * await signHeadersV4({
 *   method: "GET", url: new URL("https://b.oss-cn-hangzhou.aliyuncs.com/k"), headers, bucket: "b",
 *   key: "k", region: "cn-hangzhou",
 *   credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
 * });
 * headers.get("authorization")?.startsWith("OSS4-HMAC-SHA256 Credential=ak/"); // true
 * ```
 */
export async function signHeadersV4(input: V4HeaderSignInput): Promise<void> {
  const { headers, credentials } = input;
  const product = input.product ?? "oss";
  const now = (input.now ?? (() => new Date()))();
  const datetime = isoBasic(now);
  const date = datetime.slice(0, 8);
  headers.delete("authorization");
  headers.set("x-oss-date", datetime);
  headers.set("date", httpDate(now));
  if (!headers.has("x-oss-content-sha256")) headers.set("x-oss-content-sha256", UNSIGNED_PAYLOAD);
  if (credentials.securityToken) headers.set("x-oss-security-token", credentials.securityToken);
  const additional = v4AdditionalHeaders(input.additionalHeaders ?? [], headers);
  const canonical = v4CanonicalRequest({
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    query: [...input.url.searchParams],
    headers,
    additionalHeaders: additional,
  });
  const scope = v4Scope(date, input.region, product);
  const stringToSign = await v4StringToSign(datetime, scope, canonical);
  const signature = await v4Signature(
    credentials.accessKeySecret,
    date,
    input.region,
    product,
    stringToSign,
  );
  const extra = additional.length ? `,AdditionalHeaders=${additional.join(";")}` : "";
  headers.set(
    "authorization",
    `${V4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}${extra},Signature=${signature}`,
  );
}

/** A V4 presigned query to compute. */
export interface V4PresignInput {
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
  /** Extra headers to sign. @default [] */
  additionalHeaders?: string[];
  /** Who signs. */
  credentials: Credentials;
  /** The region id. */
  region: string;
  /** The product. @default "oss" */
  product?: string;
  /** Signing time. */
  now: Date;
  /** Lifetime in seconds, 1..604800. */
  expiresInSeconds: number;
}

/**
 * Computes the query pairs of a V4 presigned URL: the given ones plus `x-oss-signature-version`,
 * `x-oss-date`, `x-oss-expires`, `x-oss-credential`, optionally `x-oss-additional-headers` and
 * `x-oss-security-token`, and finally `x-oss-signature`.
 *
 * @throws {RangeError} when `expiresInSeconds` is not an integer in 1..604800
 *
 * @example
 * ```ts
 * import { presignQueryV4 } from "./signer_v4.ts";
 * import { Credentials } from "./credentials.ts";
 * const q = await presignQueryV4({
 *   method: "GET", bucket: "b", key: "k", query: [], region: "cn-hangzhou",
 *   credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
 *   now: new Date(), expiresInSeconds: 3600,
 * });
 * q.at(-1)?.[0]; // "x-oss-signature"
 * ```
 */
export async function presignQueryV4(input: V4PresignInput): Promise<[string, string][]> {
  const expires = input.expiresInSeconds;
  if (!Number.isInteger(expires) || expires < 1 || expires > V4_MAX_EXPIRES_SECONDS) {
    throw new RangeError(
      `a V4 presigned URL expires after 1 to ${V4_MAX_EXPIRES_SECONDS} seconds, not ${expires}`,
    );
  }
  const headers = input.headers ?? new Headers();
  const product = input.product ?? "oss";
  const datetime = isoBasic(input.now);
  const date = datetime.slice(0, 8);
  const scope = v4Scope(date, input.region, product);
  const additional = v4AdditionalHeaders(input.additionalHeaders ?? [], headers);
  const query: [string, string][] = [
    ...input.query,
    ["x-oss-signature-version", V4_ALGORITHM],
    ["x-oss-date", datetime],
    ["x-oss-expires", String(expires)],
    ["x-oss-credential", `${input.credentials.accessKeyId}/${scope}`],
  ];
  if (additional.length) query.push(["x-oss-additional-headers", additional.join(";")]);
  if (input.credentials.securityToken) {
    query.push(["x-oss-security-token", input.credentials.securityToken]);
  }
  const canonical = v4CanonicalRequest({
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    query,
    headers,
    additionalHeaders: additional,
  });
  const stringToSign = await v4StringToSign(datetime, scope, canonical);
  const signature = await v4Signature(
    input.credentials.accessKeySecret,
    date,
    input.region,
    product,
    stringToSign,
  );
  return [...query, ["x-oss-signature", signature]];
}
