/**
 * The emulator's write path, enough to seed test data from an SDK: PutObject (a simple upload,
 * `Content-MD5` checked when sent, `x-oss-meta-*` kept) and DeleteObject (204, also for a key that
 * does not exist). Everything else that writes (multipart uploads, AppendObject, PostObject,
 * CopyObject, ACLs, tagging, bucket creation) is answered with 501 `NotImplemented` and a message
 * saying so. Web standards only.
 *
 * @module
 */
import { hashBytes } from "./content_hash.ts";
import { OSS_ERRORS, type OssErrorSpec } from "./error_response.ts";
import { InvalidKeyError, type ObjectStore } from "./object_store.ts";

/** Longest object name OSS accepts, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1023;

/** Query parameters that carry a signature or a per-request option, not an operation. */
const NEUTRAL_QUERY = new Set(["OSSAccessKeyId", "Expires", "Signature", "security-token"]);

const MULTIPART = "Multipart uploads (InitiateMultipartUpload, UploadPart, " +
  "CompleteMultipartUpload, AbortMultipartUpload) are not implemented by the emulator: " +
  "upload objects with a simple PutObject.";

function notImplemented(message: string): OssErrorSpec {
  return { ...OSS_ERRORS.NotImplemented, message };
}

/**
 * Why a write request (PUT, POST, DELETE) is not one the emulator implements, as the OSS error to
 * answer with, or `null` for a plain PutObject / DeleteObject.
 *
 * @example
 * ```ts
 * import { unsupportedWrite } from "./object_writes.ts";
 * console.log(unsupportedWrite("POST", "big.bin", [["uploads", ""]], new Headers())?.code);
 * // NotImplemented
 * console.log(unsupportedWrite("PUT", "a.txt", [], new Headers())); // null
 * ```
 */
export function unsupportedWrite(
  method: string,
  key: string,
  query: [string, string][],
  headers: Headers,
): OssErrorSpec | null {
  const names = query.map(([k]) => k);
  if (names.some((k) => k === "uploads" || k === "uploadId" || k === "partNumber")) {
    return notImplemented(MULTIPART);
  }
  if (method === "POST") {
    return notImplemented(
      names.includes("append")
        ? "AppendObject is not implemented by the emulator: use a simple PutObject."
        : `POST is not implemented by the emulator (PostObject, multipart uploads, batch ` +
          `deletes); use PutObject and DeleteObject. ${MULTIPART}`,
    );
  }
  if (key === "") {
    return notImplemented(
      `${method === "PUT" ? "PutBucket" : "DeleteBucket"} and other bucket writes are not ` +
        "implemented by the emulator: buckets are the sub-directories of --root (or created by " +
        "the first put into a MemoryStore).",
    );
  }
  if (method === "PUT" && headers.has("x-oss-copy-source")) {
    return notImplemented("CopyObject is not implemented by the emulator: use PutObject.");
  }
  const other = names.find((k) => !k.startsWith("x-oss-") && !NEUTRAL_QUERY.has(k));
  if (other !== undefined) {
    return notImplemented(
      `${method} with ?${other} is not implemented by the emulator: only a plain PutObject and ` +
        "DeleteObject are.",
    );
  }
  return null;
}

/**
 * OSS's rule for object names: 1-1023 bytes of UTF-8, not starting with `/` or `\`. Returns the
 * error to answer with, or `null` for a valid name.
 *
 * @example
 * ```ts
 * import { objectNameError } from "./object_writes.ts";
 * console.log(objectNameError("/abs")?.code, objectNameError("dir/a.txt")); // InvalidObjectName null
 * ```
 */
export function objectNameError(key: string): OssErrorSpec | null {
  const bytes = new TextEncoder().encode(key).length;
  if (bytes === 0 || bytes > MAX_KEY_BYTES) {
    return {
      ...OSS_ERRORS.InvalidObjectName,
      message: "The Length of Object name must be 1-1023.",
    };
  }
  if (key.startsWith("/") || key.startsWith("\\")) return OSS_ERRORS.InvalidObjectName;
  return null;
}

/** The `x-oss-meta-*` headers of a request, names lower-case and without the prefix. */
function userMetadata(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower.startsWith("x-oss-meta-")) metadata[lower.slice("x-oss-meta-".length)] = value;
  });
  return metadata;
}

function hexToBase64(hex: string): string {
  let s = "";
  for (let i = 0; i < hex.length; i += 2) {
    s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  }
  return btoa(s);
}

/** `Content-MD5` as sent: base64 of exactly 16 bytes, else `null`. */
function parseContentMd5(value: string): string | null {
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value.trim())) return null;
  return value.trim();
}

/** What a successful PutObject answers with. */
export interface PutObjectOutcome {
  /** Headers to add to the common ones (ETag, CRC-64, Content-MD5, version id). */
  headers: [string, string][];
}

/**
 * PutObject: read the whole body, check `Content-MD5` when sent (400 InvalidDigest when it is not
 * base64 of 16 bytes, 400 BadDigest when it differs from the body's MD5), and store the object with
 * its `Content-Type` and `x-oss-meta-*` headers. A key the store cannot hold is 400
 * InvalidObjectName. The body is held in memory: this is for seeding test data, not for huge
 * uploads.
 *
 * @example
 * ```ts
 * import { putObject } from "./object_writes.ts";
 * import { MemoryStore } from "./memory_store.ts";
 * const store = new MemoryStore();
 * const request = new Request("http://127.0.0.1/bucket/a.txt", { method: "PUT", body: "hello" });
 * const outcome = await putObject(store, "bucket", "a.txt", request);
 * console.log("headers" in outcome); // true
 * ```
 */
export async function putObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  request: Request,
): Promise<PutObjectOutcome | OssErrorSpec> {
  if (!store.put) {
    return notImplemented("This emulator's store is read-only: PutObject is not available.");
  }
  const nameError = objectNameError(key);
  if (nameError) return nameError;
  const bytes = new Uint8Array(await request.arrayBuffer());
  const sentMd5 = request.headers.get("content-md5");
  const hashes = await hashBytes(bytes);
  const md5 = hexToBase64(hashes.etag.slice(1, -1));
  if (sentMd5 !== null) {
    const given = parseContentMd5(sentMd5);
    if (given === null) return OSS_ERRORS.InvalidDigest;
    if (given !== md5) return OSS_ERRORS.BadDigest;
  }
  let result;
  try {
    result = await store.put(bucket, key, bytes, {
      contentType: request.headers.get("content-type") ?? undefined,
      metadata: userMetadata(request.headers),
    });
  } catch (error) {
    if (error instanceof InvalidKeyError) {
      return { ...OSS_ERRORS.InvalidObjectName, message: error.message };
    }
    throw error;
  }
  const headers: [string, string][] = [
    ["etag", result.etag],
    ["x-oss-hash-crc64ecma", result.crc64.toString()],
    ["content-md5", md5],
  ];
  if (result.versionId !== "null") headers.push(["x-oss-version-id", result.versionId]);
  return { headers };
}

/**
 * DeleteObject: remove the key; like OSS, a key that does not exist is no error (both answer 204).
 *
 * @example
 * ```ts
 * import { deleteObject } from "./object_writes.ts";
 * import { MemoryStore } from "./memory_store.ts";
 * console.log(await deleteObject(new MemoryStore(), "bucket", "none")); // null
 * ```
 */
export async function deleteObject(
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<OssErrorSpec | null> {
  if (!store.delete) {
    return notImplemented("This emulator's store is read-only: DeleteObject is not available.");
  }
  const nameError = objectNameError(key);
  if (nameError) return nameError;
  try {
    await store.delete(bucket, key);
  } catch (error) {
    if (error instanceof InvalidKeyError) {
      return { ...OSS_ERRORS.InvalidObjectName, message: error.message };
    }
    throw error;
  }
  return null;
}
