/**
 * The `<ListBucketResult>` document of a listing: ListObjectsV2 (Name, Prefix, StartAfter,
 * ContinuationToken, MaxKeys, Delimiter, EncodingType, IsTruncated, NextContinuationToken,
 * Contents, CommonPrefixes, KeyCount) or ListObjects V1 (Marker, NextMarker). With
 * `encoding-type=url`, the key-like fields are percent-encoded (every byte but
 * `A-Z a-z 0-9 - . _ ~`, so a space is `%20` and a `+` is `%2B`); other text is XML-escaped, control
 * characters as character references.
 *
 * @module
 */
import { uriEncode } from "../oss/uri_encode.ts";
import { encodeContinuationToken } from "./continuation_token.ts";
import type { ListParams } from "./list_request.ts";
import type { ListEntry, ListPage } from "./object_store.ts";

const NAMED: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Escapes text for XML character data: the five special characters by name, control characters
 * (and DEL) as `&#N;`.
 *
 * @example
 * ```ts
 * import { escapeXmlText } from "./list_response.ts";
 * escapeXmlText('a<b & "c"\r'); // "a&lt;b &amp; &quot;c&quot;&#13;"
 * ```
 */
export function escapeXmlText(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[&<>"'\x00-\x1F\x7F]/g, (c) => NAMED[c] ?? `&#${c.charCodeAt(0)};`);
}

function element(name: string, value: string): string {
  return `<${name}>${escapeXmlText(value)}</${name}>`;
}

function contents(entry: ListEntry, name: string, owner: boolean): string {
  return [
    "  <Contents>",
    `    ${element("Key", name)}`,
    `    ${element("LastModified", entry.lastModified.toISOString())}`,
    `    ${element("ETag", entry.etag)}`,
    `    ${element("Type", entry.objectType)}`,
    `    <Size>${entry.size}</Size>`,
    "    <StorageClass>Standard</StorageClass>",
    ...(owner
      ? [
        "    <Owner>",
        "      <ID>emulator</ID>",
        "      <DisplayName>emulator</DisplayName>",
        "    </Owner>",
      ]
      : []),
    "  </Contents>",
  ].join("\n");
}

/**
 * The listing document for `page` of `bucket`, answering `params`.
 *
 * @example
 * ```ts
 * import { listResultXml } from "./list_response.ts";
 * import { parseListParams } from "./list_request.ts";
 * const r = parseListParams([["list-type", "2"], ["encoding-type", "url"]]);
 * if ("params" in r) {
 *   const xml = listResultXml("bucket", r.params, {
 *     entries: [], commonPrefixes: ["a b/"], truncated: false, nextAfter: null,
 *   });
 *   xml.includes("<Prefix>a%20b%2F</Prefix>"); // true
 * }
 * ```
 */
export function listResultXml(bucket: string, params: ListParams, page: ListPage): string {
  const key = (value: string) => (params.urlEncoded ? uriEncode(value) : value);
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`, "<ListBucketResult>"];
  const add = (name: string, value: string) => lines.push(`  ${element(name, value)}`);
  add("Name", bucket);
  add("Prefix", key(params.prefix));
  if (params.version === 2) {
    if (params.startAfter !== null) add("StartAfter", key(params.startAfter));
    if (params.continuationToken !== null) {
      add("ContinuationToken", key(params.continuationToken));
    }
  } else {
    add("Marker", key(params.marker ?? ""));
  }
  add("MaxKeys", String(params.maxKeys));
  add("Delimiter", key(params.delimiter));
  if (params.urlEncoded) add("EncodingType", "url");
  add("IsTruncated", String(page.truncated));
  if (page.truncated && page.nextAfter !== null) {
    if (params.version === 2) {
      add("NextContinuationToken", key(encodeContinuationToken(page.nextAfter)));
    } else {
      add("NextMarker", key(page.nextAfter));
    }
  }
  for (const entry of page.entries) lines.push(contents(entry, key(entry.key), params.fetchOwner));
  for (const prefix of page.commonPrefixes) {
    lines.push(`  <CommonPrefixes>${element("Prefix", key(prefix))}</CommonPrefixes>`);
  }
  if (params.version === 2) {
    add("KeyCount", String(page.entries.length + page.commonPrefixes.length));
  }
  lines.push("</ListBucketResult>");
  return lines.join("\n") + "\n";
}
