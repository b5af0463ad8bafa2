/**
 * Where a writable directory store keeps what a file cannot hold (the `Content-Type` and the
 * `x-oss-meta-*` of an object): one small JSON file per object under `<root>/.ossdl-meta/<bucket>/`,
 * named by the SHA-256 of the key. That folder is not a valid bucket name and lies outside every
 * bucket directory, so it can neither collide with an object key nor appear in a listing; a flat
 * hashed name cannot clash with another key's sidecar the way `<key>.json` could. A sidecar names
 * the size and mtime of the file it describes and is ignored when they no longer match (the file
 * was replaced by something else). Web standards only.
 *
 * @module
 */

/** The folder under the root that holds sidecars and temporary files. */
export const META_DIRECTORY = ".ossdl-meta";

/** What a sidecar records. */
export interface ObjectSidecar {
  /** The object key (checked on read). */
  key: string;
  /** Size of the file it describes. */
  size: number;
  /** Modification time of the file it describes, ms since the epoch. */
  mtimeMs: number;
  /** `Content-Type` sent for the object. */
  contentType: string;
  /** User metadata, names lower-case without `x-oss-meta-`. */
  metadata: Record<string, string>;
}

/**
 * The sidecar's path relative to `<root>/.ossdl-meta`: `<bucket>/<sha256(key) in hex>.json`.
 *
 * @example
 * ```ts
 * import { sidecarPath } from "./metadata_sidecar.ts";
 * console.log(await sidecarPath("bucket", "a.txt")); // bucket/<64 hex digits>.json
 * ```
 */
export async function sidecarPath(bucket: string, key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${bucket}/${hex}.json`;
}

/**
 * Serialize a sidecar.
 *
 * @example
 * ```ts
 * import { encodeSidecar } from "./metadata_sidecar.ts";
 * const bytes = encodeSidecar({ key: "k", size: 1, mtimeMs: 0, contentType: "text/plain", metadata: {} });
 * ```
 */
export function encodeSidecar(sidecar: ObjectSidecar): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(sidecar) + "\n");
}

/**
 * Parse a sidecar and check that it describes `key` as a file of `size` bytes modified at
 * `mtimeMs`; `null` when it is damaged, names another key, or is stale.
 *
 * @example
 * ```ts
 * import { decodeSidecar, encodeSidecar } from "./metadata_sidecar.ts";
 * const s = { key: "k", size: 1, mtimeMs: 5, contentType: "text/plain", metadata: { a: "b" } };
 * console.log(decodeSidecar(encodeSidecar(s), "k", 1, 5)?.metadata); // { a: "b" }
 * ```
 */
export function decodeSidecar(
  bytes: Uint8Array,
  key: string,
  size: number,
  mtimeMs: number,
): ObjectSidecar | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const s = value as Partial<ObjectSidecar>;
  if (s.key !== key || s.size !== size || s.mtimeMs !== mtimeMs) return null;
  if (typeof s.contentType !== "string" || typeof s.metadata !== "object" || !s.metadata) {
    return null;
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.metadata)) {
    if (typeof v === "string") metadata[k] = v;
  }
  return { key, size, mtimeMs, contentType: s.contentType, metadata };
}
