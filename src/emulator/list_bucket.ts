/**
 * Answers a bucket-level GET (ListObjectsV2 / ListObjects) from an {@linkcode ObjectStore}: checks
 * the parameters, asks the store for one page, renders the XML.
 *
 * @module
 */
import { OSS_ERRORS, type OssErrorSpec } from "./error_response.ts";
import { parseListParams } from "./list_request.ts";
import { listResultXml } from "./list_response.ts";
import type { ObjectStore } from "./object_store.ts";

/**
 * The listing document for a GET on `bucket` with `query`, or the error to answer with: 400
 * InvalidArgument for bad parameters, 404 NoSuchBucket, 501 NotImplemented when the store cannot
 * list.
 *
 * @example
 * ```ts
 * import { listBucket } from "./list_bucket.ts";
 * import { MemoryStore } from "./memory_store.ts";
 * const store = new MemoryStore();
 * await store.put("bucket", "a.txt", new Uint8Array(3));
 * const r = await listBucket(store, "bucket", [["list-type", "2"]]);
 * if ("xml" in r) console.log(r.xml.includes("<Key>a.txt</Key>")); // true
 * ```
 */
export async function listBucket(
  store: ObjectStore,
  bucket: string,
  query: [string, string][],
): Promise<{ xml: string } | { error: OssErrorSpec }> {
  const parsed = parseListParams(query);
  if ("error" in parsed) return parsed;
  if (!store.list) {
    return {
      error: {
        ...OSS_ERRORS.NotImplemented,
        message: "This emulator's store cannot list objects.",
      },
    };
  }
  const { params } = parsed;
  const page = await store.list(bucket, {
    prefix: params.prefix,
    delimiter: params.delimiter,
    after: params.after,
    maxKeys: params.maxKeys,
  });
  if (page === null) {
    return { error: { ...OSS_ERRORS.NoSuchBucket, extra: [["BucketName", bucket]] } };
  }
  return { xml: listResultXml(bucket, params, page) };
}
