/**
 * OSS error responses (oss-protocol.md §3.5): the `<Error>` XML body with Code, Message,
 * RequestId, HostId, EC; the `x-oss-ec` and `x-oss-request-id` headers; on HEAD no body and the XML
 * base64-encoded in `x-oss-err`.
 *
 * @module
 */

/** One OSS error: status, Code, Message, EC, plus extra elements (e.g. `Key`). */
export interface OssErrorSpec {
  /** HTTP status. */
  status: number;
  /** OSS `Code`. */
  code: string;
  /** OSS `Message`. */
  message: string;
  /** OSS `EC`. */
  ec: string;
  /** Extra elements placed between HostId and EC, in order. */
  extra?: [string, string][];
}

type Spec = Omit<OssErrorSpec, "extra">;

/**
 * The errors the emulator sends. ECs marked (doc) come from OSS documentation; the others are
 * plausible values chosen by the emulator.
 *
 * @example
 * ```ts
 * import { OSS_ERRORS } from "./error_response.ts";
 * console.log(OSS_ERRORS.NoSuchKey.status); // 404
 * ```
 */
export const OSS_ERRORS: Readonly<Record<string, Spec>> = {
  NoSuchKey: {
    status: 404,
    code: "NoSuchKey",
    message: "The specified key does not exist.",
    ec: "0026-00000001",
  }, // doc
  NoSuchBucket: {
    status: 404,
    code: "NoSuchBucket",
    message: "The specified bucket does not exist.",
    ec: "0015-00000101",
  }, // doc
  NoSuchVersion: {
    status: 404,
    code: "NoSuchVersion",
    message: "The specified version does not exist.",
    ec: "0026-00000009",
  },
  PreconditionFailed: {
    status: 412,
    code: "PreconditionFailed",
    message: "At least one of the pre-conditions you specified did not hold",
    ec: "0017-00001001",
  }, // doc
  InvalidRange: {
    status: 416,
    code: "InvalidRange",
    message: "The requested range cannot be satisfied",
    ec: "0017-00000101",
  },
  AccessDenied: {
    status: 403,
    code: "AccessDenied",
    message: "You have no right to access this object because of bucket acl.",
    ec: "0003-00000001",
  },
  RequestExpired: {
    status: 403,
    code: "AccessDenied",
    message: "Request has expired.",
    ec: "0002-00000069",
  }, // doc
  InvalidAccessKeyId: {
    status: 403,
    code: "InvalidAccessKeyId",
    message: "The OSS Access Key Id you provided does not exist in our records.",
    ec: "0002-00000003",
  },
  SignatureDoesNotMatch: {
    status: 403,
    code: "SignatureDoesNotMatch",
    message:
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    ec: "0002-00000040",
  },
  InvalidSecurityToken: {
    status: 403,
    code: "InvalidSecurityToken",
    message: "The security token you provided is invalid.",
    ec: "0002-00000016",
  },
  RequestTimeTooSkewed: {
    status: 403,
    code: "RequestTimeTooSkewed",
    message: "The difference between the request time and the current time is too large.",
    ec: "0002-00000504",
  }, // doc
  InvalidArgument: {
    status: 400,
    code: "InvalidArgument",
    message: "The request is malformed.",
    ec: "0002-00000070",
  },
  // Seen in replies from OSS quoted in SDK issues (aliyun/alibabacloud-oss-go-sdk-v2#29 and #85:
  // V4 scope with a wrong region; aliyun/alibabacloud-oss-python-sdk-v2#74: wrong product).
  InvalidSigningRegion: {
    status: 400,
    code: "InvalidArgument",
    message: "Invalid signing region in Authorization header.",
    ec: "0002-00000226",
  },
  InvalidSigningProduct: {
    status: 400,
    code: "InvalidArgument",
    message: "Invalid signing product in Authorization header.",
    ec: "0002-00000227",
  },
  InvalidURI: {
    status: 400,
    code: "InvalidURI",
    message: "The URI is not valid.",
    ec: "0005-00000001",
  },
  MethodNotAllowed: {
    status: 405,
    code: "MethodNotAllowed",
    message: "The specified method is not allowed against this resource.",
    ec: "0005-00000002",
  },
  NotImplemented: {
    status: 501,
    code: "NotImplemented",
    message:
      "The emulator only implements GetObject, HeadObject, PutObject, DeleteObject and ListObjects(V2).",
    ec: "0005-00000003",
  },
  InvalidObjectName: {
    status: 400,
    code: "InvalidObjectName",
    message: "The specified object is not valid.",
    ec: "0016-00000005",
  },
  InvalidDigest: {
    status: 400,
    code: "InvalidDigest",
    message: "The Content-MD5 you specified is not valid.",
    ec: "0017-00000502",
  }, // doc
  BadDigest: {
    status: 400,
    code: "BadDigest",
    message: "The Content-MD5 you specified did not match what was received.",
    ec: "0017-00000503",
  },
  ServiceUnavailable: {
    status: 503,
    code: "ServiceUnavailable",
    message: "Thread pool is almost full, please retry later",
    ec: "0001-00000503",
  },
  InternalError: {
    status: 500,
    code: "InternalError",
    message: "We encountered an internal error. Please try again.",
    ec: "0001-00000500",
  },
};

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The `<Error>` document for `spec`.
 *
 * @example
 * ```ts
 * import { errorXml, OSS_ERRORS } from "./error_response.ts";
 * console.log(errorXml(OSS_ERRORS.NoSuchKey, "REQ1", "b.example"));
 * ```
 */
export function errorXml(spec: OssErrorSpec, requestId: string, hostId: string): string {
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<Error>`,
    `  <Code>${xmlEscape(spec.code)}</Code>`,
    `  <Message>${xmlEscape(spec.message)}</Message>`,
    `  <RequestId>${xmlEscape(requestId)}</RequestId>`,
    `  <HostId>${xmlEscape(hostId)}</HostId>`,
    ...(spec.extra ?? []).map(([k, v]) => `  <${k}>${xmlEscape(v)}</${k}>`),
    `  <EC>${xmlEscape(spec.ec)}</EC>`,
    `  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=${spec.ec}</RecommendDoc>`,
    `</Error>`,
  ];
  return lines.join("\n") + "\n";
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * An OSS error response. On HEAD the body is empty and the XML travels base64 in `x-oss-err`.
 *
 * @example
 * ```ts
 * import { errorResponse, OSS_ERRORS } from "./error_response.ts";
 * const r = errorResponse(OSS_ERRORS.NoSuchKey, { method: "HEAD", requestId: "R", hostId: "h" });
 * console.log(r.status, r.headers.get("x-oss-ec")); // 404 0026-00000001
 * ```
 */
export function errorResponse(
  spec: OssErrorSpec,
  context: { method: string; requestId: string; hostId: string; headers?: Headers },
): Response {
  const xml = new TextEncoder().encode(errorXml(spec, context.requestId, context.hostId));
  const headers = context.headers ?? new Headers();
  headers.set("content-type", "application/xml");
  headers.set("x-oss-request-id", context.requestId);
  headers.set("x-oss-ec", spec.ec);
  if (context.method === "HEAD") {
    headers.set("x-oss-err", base64(xml));
    headers.set("content-length", "0");
    return new Response(null, { status: spec.status, headers });
  }
  headers.set("content-length", String(xml.length));
  return new Response(xml, { status: spec.status, headers });
}
