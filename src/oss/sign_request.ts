/**
 * Signs a request in header mode with V1 or V4, choosing by `signatureVersion`.
 *
 * @module
 */

import type { Credentials } from "./credentials.ts";
import { signHeadersV1 } from "./signer_v1.ts";
import { signHeadersV4 } from "./signer_v4.ts";

/** The OSS signature versions. */
export type SignatureVersion = "v1" | "v4";

/** How to sign. */
export interface SignOptions {
  /** Who signs. */
  credentials: Credentials;
  /** @default "v4" */
  signatureVersion?: SignatureVersion;
  /** The bucket (signed even when it is not in the URL, e.g. CNAME). */
  bucket?: string;
  /** The raw object key. */
  key?: string;
  /** The region id; required for V4. */
  region?: string;
  /** V4 product. @default "oss" */
  product?: string;
  /** V4 extra headers to sign. @default [] */
  additionalHeaders?: string[];
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * Signs `headers` in place for a request of `method` to `url` (sets the date headers, the STS
 * token header and `Authorization`).
 *
 * @throws {TypeError} for V4 without a region
 *
 * @example
 * ```ts
 * import { signHeaders } from "./sign_request.ts";
 * import { Credentials } from "./credentials.ts";
 * const headers = new Headers({ range: "bytes=0-99" });
 * await signHeaders("GET", new URL("https://b.oss-cn-hangzhou.aliyuncs.com/k"), headers, {
 *   credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
 *   bucket: "b", key: "k", region: "cn-hangzhou",
 * });
 * ```
 */
export async function signHeaders(
  method: string,
  url: URL,
  headers: Headers,
  options: SignOptions,
): Promise<void> {
  const common = {
    method,
    url,
    headers,
    bucket: options.bucket,
    key: options.key,
    credentials: options.credentials,
    now: options.now,
  };
  if ((options.signatureVersion ?? "v4") === "v1") return await signHeadersV1(common);
  if (!options.region) {
    throw new TypeError(
      "signature V4 needs the region (e.g. --region cn-hangzhou) when the endpoint does not show it",
    );
  }
  await signHeadersV4({
    ...common,
    region: options.region,
    product: options.product,
    additionalHeaders: options.additionalHeaders,
  });
}

/**
 * Returns a copy of `request` signed in header mode.
 *
 * @example
 * ```ts
 * import { signRequest } from "./sign_request.ts";
 * import { Credentials } from "./credentials.ts";
 * const signed = await signRequest(
 *   new Request("https://b.oss-cn-hangzhou.aliyuncs.com/k", { method: "HEAD" }),
 *   {
 *     credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
 *     bucket: "b", key: "k", region: "cn-hangzhou",
 *   },
 * );
 * signed.headers.has("authorization"); // true
 * ```
 */
export async function signRequest(request: Request, options: SignOptions): Promise<Request> {
  const headers = new Headers(request.headers);
  await signHeaders(request.method, new URL(request.url), headers, options);
  return new Request(request, { headers });
}
