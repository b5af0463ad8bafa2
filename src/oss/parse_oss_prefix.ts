/**
 * `oss://bucket/prefix` URIs, as a prefix download names what to list.
 *
 * @module
 */

import { utf8Length } from "./key_order.ts";
import { assertBucketName } from "./oss_url.ts";

/** A bucket and a key prefix, as named by `oss://bucket/prefix`. */
export interface OssPrefix {
  /** The bucket name. */
  bucket: string;
  /** The raw key prefix (not percent-decoded); `""` for the whole bucket. */
  prefix: string;
}

/**
 * Parses `oss://bucket`, `oss://bucket/` or `oss://bucket/some/prefix`. Everything after the
 * first `/` following the bucket is the prefix, taken literally like a key (no percent-decoding;
 * it may be empty or end in `/`).
 *
 * @param uri the `oss://` URI
 * @returns the bucket and the prefix
 * @throws {TypeError} on a missing scheme, an invalid bucket name or a prefix longer than 1023
 *   UTF-8 bytes
 *
 * @example
 * ```ts
 * import { parseOssPrefix } from "./parse_oss_prefix.ts";
 * parseOssPrefix("oss://my-bucket/photos/2024/"); // { bucket: "my-bucket", prefix: "photos/2024/" }
 * parseOssPrefix("oss://my-bucket"); // { bucket: "my-bucket", prefix: "" }
 * ```
 */
export function parseOssPrefix(uri: string): OssPrefix {
  if (!/^oss:\/\//i.test(uri)) {
    throw new TypeError(
      `not an oss:// URI: ${JSON.stringify(uri)} (expected oss://bucket/prefix)`,
    );
  }
  const rest = uri.slice(6);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1);
  assertBucketName(bucket);
  if (utf8Length(prefix) > 1023) {
    throw new TypeError("the prefix is longer than 1023 bytes");
  }
  return { bucket, prefix };
}
