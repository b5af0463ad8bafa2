/**
 * Request authentication for the emulator: V1 (`Authorization: OSS ak:sig`, presigned
 * `OSSAccessKeyId`/`Expires`/`Signature`) and V4 (`OSS4-HMAC-SHA256` header, presigned
 * `x-oss-signature-version`...). Signatures are recomputed with the project's own signer, so client
 * and emulator agree by construction; the checks around them (key id, token, expiry, clock skew,
 * V4 scope region and product) follow oss-protocol.md §1-§2.
 *
 * @module
 */
import { v1Signature, v1StringToSign } from "../oss/signer_v1.ts";
import { v4CanonicalRequest, v4Scope, v4Signature, v4StringToSign } from "../oss/signer_v4.ts";
import { OSS_ERRORS, type OssErrorSpec } from "./error_response.ts";

/** The one identity the emulator accepts. */
export interface EmulatorCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Access key secret. */
  accessKeySecret: string;
  /** STS token that requests must carry, when set. */
  securityToken?: string;
}

/** What authentication needs from the request. */
export interface AuthInput {
  /** The HTTP request (method and headers are read). */
  request: Request;
  /** Bucket addressed, or `null`. */
  bucket: string | null;
  /** Decoded key (`""` for none). */
  key: string;
  /** Decoded query pairs. */
  query: [string, string][];
  /** The emulator's clock, ms since the epoch. */
  now: number;
}

/** Server-side settings of {@linkcode authenticate}. */
export interface AuthOptions {
  /**
   * The region V4 signatures must be scoped to (region ID such as `cn-hangzhou`; a leading `oss-`
   * is dropped). When unset, any region in the V4 scope is accepted.
   */
  region?: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const V4_ALGORITHM = "OSS4-HMAC-SHA256";

function fail(base: OssErrorSpec, message?: string, extra?: [string, string][]): OssErrorSpec {
  return { ...base, message: message ?? base.message, extra };
}

function first(query: [string, string][], name: string): string | undefined {
  return query.find(([k]) => k === name)?.[1];
}

function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function parseIsoBasic(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

const RFC1123_GMT_RE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The time a V4 header-signed request was signed at: `x-oss-date` (ISO 8601 basic) when present,
 * else the `Date` header (RFC 1123 GMT), as the Go SDK v1 sends it. `datetime` is the raw string
 * the client put on the string-to-sign's timestamp line.
 */
function v4RequestTime(headers: Headers): { datetime: string; ms: number } | null {
  const ossDate = headers.get("x-oss-date");
  if (ossDate !== null) {
    const ms = parseIsoBasic(ossDate);
    return Number.isNaN(ms) ? null : { datetime: ossDate, ms };
  }
  const date = headers.get("date");
  if (date === null || !RFC1123_GMT_RE.test(date)) return null;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? null : { datetime: date, ms };
}

/** `yyyymmdd` of a time, in UTC. */
function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll("-", "");
}

function skewError(requestMs: number, now: number): OssErrorSpec | null {
  if (Math.abs(requestMs - now) <= MAX_SKEW_MS) return null;
  return fail(OSS_ERRORS.RequestTimeTooSkewed, undefined, [
    ["RequestTime", new Date(requestMs).toISOString()],
    ["ServerTime", new Date(now).toISOString()],
    ["MaxAllowedSkewMilliseconds", String(MAX_SKEW_MS)],
  ]);
}

function tokenError(expected: string | undefined, got: string | undefined): OssErrorSpec | null {
  if ((expected ?? "") === (got ?? "")) return null;
  return OSS_ERRORS.InvalidSecurityToken;
}

function mismatch(stringToSign: string): OssErrorSpec {
  return fail(OSS_ERRORS.SignatureDoesNotMatch, undefined, [["StringToSign", stringToSign]]);
}

/**
 * Check a request against `credentials`. Returns `null` when it is authentic, else the OSS error
 * to answer with (anonymous requests get `AccessDenied`).
 *
 * @example
 * ```ts
 * import { authenticate } from "./authenticate.ts";
 * const error = await authenticate(
 *   { request: new Request("http://h/b/k"), bucket: "b", key: "k", query: [], now: Date.now() },
 *   { accessKeyId: "ak", accessKeySecret: "sk" },
 *   { region: "cn-hangzhou" },
 * );
 * console.log(error?.code); // AccessDenied
 * ```
 */
export function authenticate(
  input: AuthInput,
  credentials: EmulatorCredentials,
  options: AuthOptions = {},
): Promise<OssErrorSpec | null> {
  const region = options.region?.replace(/^oss-/, "");
  const auth = input.request.headers.get("authorization");
  const q = input.query;
  const v1Query = first(q, "Signature") !== undefined || first(q, "OSSAccessKeyId") !== undefined;
  const v4Query = first(q, "x-oss-signature") !== undefined ||
    first(q, "x-oss-signature-version") !== undefined;
  if (auth !== null && (v1Query || v4Query)) {
    return Promise.resolve(
      fail(
        OSS_ERRORS.InvalidArgument,
        "Only one auth mechanism allowed; found both header and query.",
      ),
    );
  }
  if (auth !== null) {
    if (auth.startsWith("OSS ")) return v1Header(input, credentials, auth.slice(4));
    if (auth.startsWith(V4_ALGORITHM + " ")) {
      return v4Header(input, credentials, region, auth.slice(V4_ALGORITHM.length + 1));
    }
    return Promise.resolve(
      fail(OSS_ERRORS.InvalidArgument, "Authorization header is invalid."),
    );
  }
  if (v1Query) return v1Presigned(input, credentials);
  if (v4Query) return v4Presigned(input, credentials, region);
  return Promise.resolve(
    fail(OSS_ERRORS.AccessDenied, "You have no right to access this object because of bucket acl."),
  );
}

async function v1Check(
  input: AuthInput,
  credentials: EmulatorCredentials,
  date: string,
  provided: string,
): Promise<OssErrorSpec | null> {
  const headers = input.request.headers;
  const stringToSign = v1StringToSign({
    method: input.request.method,
    contentMd5: headers.get("content-md5") ?? "",
    contentType: headers.get("content-type") ?? "",
    date,
    headers,
    bucket: input.bucket ?? undefined,
    key: input.key === "" ? undefined : input.key,
    query: input.query,
  });
  const expected = await v1Signature(credentials.accessKeySecret, stringToSign);
  return sameString(expected, provided) ? null : mismatch(stringToSign);
}

async function v1Header(
  input: AuthInput,
  credentials: EmulatorCredentials,
  value: string,
): Promise<OssErrorSpec | null> {
  const colon = value.lastIndexOf(":");
  if (colon <= 0) return fail(OSS_ERRORS.InvalidArgument, "Authorization header is invalid.");
  const accessKeyId = value.slice(0, colon).trim();
  if (accessKeyId !== credentials.accessKeyId) return OSS_ERRORS.InvalidAccessKeyId;
  const headers = input.request.headers;
  const date = headers.get("x-oss-date") ?? headers.get("date");
  const ms = date === null ? NaN : Date.parse(date);
  if (date === null || Number.isNaN(ms)) {
    return fail(OSS_ERRORS.AccessDenied, "Authentication requires a valid Date.");
  }
  return skewError(ms, input.now) ??
    tokenError(credentials.securityToken, headers.get("x-oss-security-token") ?? undefined) ??
    await v1Check(input, credentials, date, value.slice(colon + 1));
}

async function v1Presigned(
  input: AuthInput,
  credentials: EmulatorCredentials,
): Promise<OssErrorSpec | null> {
  const q = input.query;
  const accessKeyId = first(q, "OSSAccessKeyId");
  const expires = first(q, "Expires");
  const signature = first(q, "Signature");
  if (accessKeyId === undefined || expires === undefined || signature === undefined) {
    return fail(OSS_ERRORS.InvalidArgument, "OSSAccessKeyId, Expires and Signature are required.");
  }
  if (accessKeyId !== credentials.accessKeyId) return OSS_ERRORS.InvalidAccessKeyId;
  if (!/^\d+$/.test(expires)) {
    return fail(OSS_ERRORS.InvalidArgument, "Invalid expiration time in the URL.");
  }
  if (input.now > Number(expires) * 1000) return OSS_ERRORS.RequestExpired;
  return tokenError(credentials.securityToken, first(q, "security-token")) ??
    await v1Check(input, credentials, expires, signature);
}

interface V4Parts {
  accessKeyId: string;
  date: string;
  region: string;
  product: string;
}

function parseCredential(value: string): V4Parts | null {
  const parts = value.split("/");
  if (parts.length !== 5 || parts[4] !== "aliyun_v4_request" || !/^\d{8}$/.test(parts[1])) {
    return null;
  }
  return { accessKeyId: parts[0], date: parts[1], region: parts[2], product: parts[3] };
}

/**
 * OSS answers a V4 scope naming another region or a product other than `oss` with 400
 * InvalidArgument (EC 0002-00000226 / 0002-00000227, as quoted in SDK issues; see
 * `OSS_ERRORS.InvalidSigningRegion`). The same answer is assumed for presigned URLs, whose exact
 * message is undocumented.
 */
function scopeError(scope: V4Parts, region: string | undefined): OssErrorSpec | null {
  if (scope.product !== "oss") return OSS_ERRORS.InvalidSigningProduct;
  if (region !== undefined && scope.region !== region) return OSS_ERRORS.InvalidSigningRegion;
  return null;
}

async function v4Check(
  input: AuthInput,
  credentials: EmulatorCredentials,
  scope: V4Parts,
  datetime: string,
  additionalHeaders: string[],
  query: [string, string][],
  provided: string,
): Promise<OssErrorSpec | null> {
  const canonical = v4CanonicalRequest({
    method: input.request.method,
    bucket: input.bucket ?? undefined,
    key: input.key === "" ? undefined : input.key,
    query,
    headers: input.request.headers,
    additionalHeaders,
  });
  const stringToSign = await v4StringToSign(
    datetime,
    v4Scope(scope.date, scope.region, scope.product),
    canonical,
  );
  const expected = await v4Signature(
    credentials.accessKeySecret,
    scope.date,
    scope.region,
    scope.product,
    stringToSign,
  );
  return sameString(expected, provided.toLowerCase()) ? null : mismatch(stringToSign);
}

async function v4Header(
  input: AuthInput,
  credentials: EmulatorCredentials,
  region: string | undefined,
  value: string,
): Promise<OssErrorSpec | null> {
  const fields = new Map<string, string>();
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = parseCredential(fields.get("Credential") ?? "");
  const signature = fields.get("Signature");
  if (scope === null || signature === undefined) {
    return fail(OSS_ERRORS.InvalidArgument, "Authorization header is invalid.");
  }
  const badScope = scopeError(scope, region);
  if (badScope) return badScope;
  if (scope.accessKeyId !== credentials.accessKeyId) return OSS_ERRORS.InvalidAccessKeyId;
  const headers = input.request.headers;
  const time = v4RequestTime(headers);
  if (time === null) {
    return fail(
      OSS_ERRORS.AccessDenied,
      "Authentication requires a valid x-oss-date (or, without it, a valid GMT Date).",
    );
  }
  const { datetime, ms } = time;
  if (utcDay(ms) !== scope.date) {
    return fail(OSS_ERRORS.InvalidArgument, "The credential date does not match the request time.");
  }
  const additional = (fields.get("AdditionalHeaders") ?? "").split(";").filter((h) => h !== "");
  return skewError(ms, input.now) ??
    tokenError(credentials.securityToken, headers.get("x-oss-security-token") ?? undefined) ??
    await v4Check(input, credentials, scope, datetime, additional, input.query, signature);
}

async function v4Presigned(
  input: AuthInput,
  credentials: EmulatorCredentials,
  region: string | undefined,
): Promise<OssErrorSpec | null> {
  const q = input.query;
  const version = first(q, "x-oss-signature-version");
  const scope = parseCredential(first(q, "x-oss-credential") ?? "");
  const datetime = first(q, "x-oss-date") ?? "";
  const expires = first(q, "x-oss-expires") ?? "";
  const signature = first(q, "x-oss-signature");
  if (version !== V4_ALGORITHM || scope === null || signature === undefined) {
    return fail(OSS_ERRORS.InvalidArgument, "The V4 presigned URL parameters are invalid.");
  }
  const badScope = scopeError(scope, region);
  if (badScope) return badScope;
  if (scope.accessKeyId !== credentials.accessKeyId) return OSS_ERRORS.InvalidAccessKeyId;
  const ms = parseIsoBasic(datetime);
  const seconds = /^\d+$/.test(expires) ? Number(expires) : NaN;
  if (Number.isNaN(ms) || !(seconds >= 1 && seconds <= 604800)) {
    return fail(OSS_ERRORS.InvalidArgument, "Invalid x-oss-date or x-oss-expires in the URL.");
  }
  if (datetime.slice(0, 8) !== scope.date) {
    return fail(OSS_ERRORS.InvalidArgument, "The credential date does not match x-oss-date.");
  }
  if (input.now > ms + seconds * 1000) return OSS_ERRORS.RequestExpired;
  if (ms - input.now > MAX_SKEW_MS) return skewError(ms, input.now);
  const additional = (first(q, "x-oss-additional-headers") ?? "").split(";").filter((h) =>
    h !== ""
  );
  const query = q.filter(([k]) => k !== "x-oss-signature");
  return tokenError(credentials.securityToken, first(q, "x-oss-security-token")) ??
    await v4Check(input, credentials, scope, datetime, additional, query, signature);
}
