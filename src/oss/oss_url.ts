/**
 * `oss://bucket/key` URIs and bucket-name validation.
 *
 * @module
 */

/** A bucket and an object key, as named by `oss://bucket/key`. */
export interface OssObjectName {
  /** The bucket name. */
  bucket: string;
  /** The raw object key (not percent-decoded; may contain spaces, `+`, `~`, `/`, unicode). */
  key: string;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * Whether `name` is a valid OSS bucket name: 3-63 characters of `a-z 0-9 -`, not starting or
 * ending with `-`.
 *
 * @example
 * ```ts
 * import { isValidBucketName } from "./oss_url.ts";
 * isValidBucketName("my-bucket"); // true
 * isValidBucketName("My_Bucket"); // false
 * ```
 */
export function isValidBucketName(name: string): boolean {
  return BUCKET_RE.test(name);
}

/**
 * Throws a `TypeError` when `name` is not a valid bucket name.
 *
 * @example
 * ```ts
 * import { assertBucketName } from "./oss_url.ts";
 * assertBucketName("examplebucket"); // ok
 * ```
 */
export function assertBucketName(name: string): void {
  if (!isValidBucketName(name)) {
    throw new TypeError(
      `invalid bucket name ${JSON.stringify(name)}: use 3-63 characters of a-z, 0-9 and "-", ` +
        `not starting or ending with "-"`,
    );
  }
}

/**
 * Throws a `TypeError` when `key` cannot name an object: empty, longer than 1023 UTF-8 bytes, or
 * holding a `.` or `..` path segment (URL parsers would rewrite those, so no request could reach
 * the object).
 *
 * @example
 * ```ts
 * import { assertObjectKey } from "./oss_url.ts";
 * assertObjectKey("dir/a b+c~!.txt"); // ok
 * ```
 */
export function assertObjectKey(key: string): void {
  if (key === "") throw new TypeError("the object key is empty");
  if (new TextEncoder().encode(key).length > 1023) {
    throw new TypeError("the object key is longer than 1023 bytes");
  }
  if (key.split("/").some((s) => s === "." || s === "..")) {
    throw new TypeError(
      `the object key ${JSON.stringify(key)} has a "." or ".." segment, which HTTP clients ` +
        `rewrite; it cannot be downloaded with fetch`,
    );
  }
}

/**
 * Parses `oss://bucket/key`. Everything after the first `/` following the bucket is the key,
 * taken literally (no percent-decoding; `?` and `#` are part of the key).
 *
 * @param uri the `oss://` URI
 * @returns the bucket and the key
 * @throws {TypeError} on a missing scheme, an invalid bucket name or an empty / invalid key
 *
 * @example
 * ```ts
 * import { parseOssUrl } from "./oss_url.ts";
 * parseOssUrl("oss://my-bucket/dir/a b+c.txt"); // { bucket: "my-bucket", key: "dir/a b+c.txt" }
 * ```
 */
export function parseOssUrl(uri: string): OssObjectName {
  if (!/^oss:\/\//i.test(uri)) {
    throw new TypeError(`not an oss:// URI: ${JSON.stringify(uri)} (expected oss://bucket/key)`);
  }
  const rest = uri.slice(6);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? "" : rest.slice(slash + 1);
  assertBucketName(bucket);
  if (key === "") {
    throw new TypeError(`no object key in ${JSON.stringify(uri)} (expected oss://bucket/key)`);
  }
  assertObjectKey(key);
  return { bucket, key };
}

/**
 * Whether `source` looks like an `oss://` URI.
 *
 * @example
 * ```ts
 * import { isOssUrl } from "./oss_url.ts";
 * isOssUrl("oss://b/k"); // true
 * isOssUrl("https://b.oss-cn-hangzhou.aliyuncs.com/k"); // false
 * ```
 */
export function isOssUrl(source: string): boolean {
  return /^oss:\/\//i.test(source);
}
