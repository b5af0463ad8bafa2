/**
 * Reads one ListObjectsV2 (GetBucketV2) answer: the `<ListBucketResult>` document with its
 * `<Contents>`, `<CommonPrefixes>`, `<IsTruncated>` and `<NextContinuationToken>`. With
 * `<EncodingType>url</EncodingType>` the key-like fields (Key, Prefix, StartAfter, Delimiter,
 * ContinuationToken, NextContinuationToken, CommonPrefixes/Prefix) are percent-decoded.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { childElement, childElements, parseXml, type XmlElement } from "./xml_reader.ts";

/** One object of a listing. */
export interface ListedObject {
  /** The raw (decoded) object key. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** The ETag as listed (quotes included), or `null` when the answer had none. */
  etag: string | null;
  /** `<LastModified>` as listed (ISO 8601, e.g. `2024-01-02T03:04:05.000Z`), or `null`. */
  lastModified: string | null;
}

/** One page of a ListObjectsV2 answer. */
export interface ListObjectsPage {
  /** The objects, in the order listed. */
  objects: ListedObject[];
  /** `<CommonPrefixes>` (only with a delimiter), decoded. */
  commonPrefixes: string[];
  /** `<IsTruncated>`: more keys follow. */
  truncated: boolean;
  /** `<NextContinuationToken>`, decoded, or `null`. */
  nextContinuationToken: string | null;
}

/**
 * Decodes a field of an `encoding-type=url` answer: `%XX` sequences are UTF-8 bytes, and `+` is a
 * space (form encoding). OSS percent-encodes both (a space as `%20`, a `+` as `%2B`), so a key
 * with a literal `+` round-trips; the Go SDK v2 and the Java SDK decode the same way.
 *
 * @throws {ProtocolError} on a malformed escape or bytes that are not UTF-8
 */
function urlDecode(value: string, what: string): string {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    throw new ProtocolError(`the listing's ${what} is not valid URL encoding`);
  }
}

function text(parent: XmlElement, name: string): string | undefined {
  return childElement(parent, name)?.text;
}

/**
 * Parses a ListObjectsV2 answer.
 *
 * @param xml the response body
 * @returns the page
 * @throws {ProtocolError} when the document is not well-formed XML or not a valid listing
 *
 * @example
 * ```ts
 * import { parseListObjectsV2 } from "./parse_list_result.ts";
 * const page = parseListObjectsV2(
 *   "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" +
 *     "<Contents><Key>a%20b%2Bc</Key><Size>3</Size></Contents></ListBucketResult>",
 * );
 * page.objects[0].key; // "a b+c"
 * ```
 */
export function parseListObjectsV2(xml: string): ListObjectsPage {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (e) {
    throw new ProtocolError(`the listing is not well-formed XML (${(e as Error).message})`, {
      cause: e,
    });
  }
  if (root.name !== "ListBucketResult") {
    throw new ProtocolError(`a listing was expected, got <${root.name.slice(0, 40)}>`);
  }
  try {
    return readPage(root);
  } catch (e) {
    if (e instanceof SyntaxError) throw new ProtocolError(e.message, { cause: e });
    throw e;
  }
}

/**
 * A copy of `value` that shares no memory with the string it was cut from (engines represent a
 * substring as a view into its parent, which then cannot be freed).
 */
function detached(value: string): string {
  return JSON.parse(JSON.stringify(value));
}

function readPage(root: XmlElement): ListObjectsPage {
  const encoded = text(root, "EncodingType")?.trim().toLowerCase() === "url";
  const decode = (value: string, what: string) => (encoded ? urlDecode(value, what) : value);
  const truncatedText = text(root, "IsTruncated")?.trim();
  if (truncatedText !== "true" && truncatedText !== "false") {
    throw new ProtocolError("the listing has no valid <IsTruncated>");
  }
  const objects: ListedObject[] = [];
  for (const item of childElements(root, "Contents")) {
    const rawKey = text(item, "Key");
    if (rawKey === undefined || rawKey === "") {
      throw new ProtocolError("a listed object has no <Key>");
    }
    const key = decode(rawKey, "Key");
    const sizeText = text(item, "Size")?.trim() ?? "";
    const size = /^\d{1,16}$/.test(sizeText) ? Number(sizeText) : NaN;
    if (!Number.isSafeInteger(size)) {
      throw new ProtocolError(`the listed object ${JSON.stringify(key)} has no valid <Size>`);
    }
    const etag = text(item, "ETag")?.trim() || null;
    const lastModified = text(item, "LastModified")?.trim() || null;
    // Copies: a substring may keep the whole page's text alive while the object waits in a
    // queue (a sparse shard keeps a few keys of each of thousands of pages).
    objects.push({
      key: detached(key),
      size,
      etag: etag === null ? null : detached(etag),
      lastModified: lastModified === null ? null : detached(lastModified),
    });
  }
  const commonPrefixes = childElements(root, "CommonPrefixes").map((c) => {
    const p = text(c, "Prefix");
    if (p === undefined) throw new ProtocolError("a <CommonPrefixes> has no <Prefix>");
    return decode(p, "CommonPrefixes");
  });
  const token = text(root, "NextContinuationToken");
  return {
    objects,
    commonPrefixes,
    truncated: truncatedText === "true",
    nextContinuationToken: token === undefined || token === ""
      ? null
      : decode(token, "NextContinuationToken"),
  };
}
