/**
 * The listing server of `bench/many_objects.sh`: the project's emulator over a directory, whose
 * ListObjectsV2 pages give each object nginx's ETag (`"<mtime hex>-<size hex>"`) instead of the
 * emulator's MD5, so that the listing and the GETs nginx answers agree as they do on OSS (`get -r`
 * sends the listed ETag in `If-Match`). Prints `{"url"}` once listening, then runs until killed.
 *
 * Usage: `deno run -A bench/serve_listing.ts ROOT PORT`
 *
 * @module
 */
import { nodeDirectoryStore } from "../src/emulator/directory_store_node.ts";
import type { ListEntry, ObjectStore } from "../src/emulator/object_store.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { ARGS } from "./_util.ts";

const [root, port] = [ARGS[0], Number(ARGS[1] ?? 0)];
if (!root || !Number.isSafeInteger(port)) throw new Error("usage: serve_listing.ts ROOT PORT");

/** nginx's strong ETag of a static file: its mtime in seconds and its size, in hex. */
function nginxEtag(entry: ListEntry): string {
  const seconds = Math.floor(entry.lastModified.getTime() / 1000);
  return `"${seconds.toString(16)}-${entry.size.toString(16)}"`;
}

const directory = nodeDirectoryStore(root);
const store: ObjectStore = {
  hasBucket: (bucket) => directory.hasBucket(bucket),
  lookup: (bucket, key, versionId) => directory.lookup(bucket, key, versionId),
  list: async (bucket, query) => {
    const page = await directory.list!(bucket, query);
    if (page === null) return null;
    return { ...page, entries: page.entries.map((e) => ({ ...e, etag: nginxEtag(e) })) };
  },
};
const emulator = new OssEmulator({ store, maxLogEntries: 100 });
const server = await serveEmulator((request) => emulator.handle(request), { port });
console.log(JSON.stringify({ url: server.url }));
