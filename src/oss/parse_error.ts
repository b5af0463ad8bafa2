/**
 * Turns an error response into a typed error: the OSS error XML body (or, on HEAD, the base64
 * `x-oss-err` header), falling back to the status and the `x-oss-request-id` / `x-oss-ec` headers.
 * A 412 becomes an `ObjectChangedError`.
 *
 * @module
 */

import { ObjectChangedError, type OssdlError, OssServiceError } from "../errors.ts";
import { redactUrls } from "./redact.ts";

/** The flat fields of an OSS `<Error>` document (empty strings when missing). */
export interface OssErrorFields {
  /** `<Code>`. */
  ossCode: string;
  /** `<Message>`. */
  ossMessage: string;
  /** `<RequestId>`. */
  requestId: string;
  /** `<EC>`. */
  ec: string;
}

const MAX_ERROR_BODY = 64 * 1024;

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[lower];
  });
}

function element(xml: string, name: string): string {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!m) return "";
  const inner = m[1].replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, "$1");
  return unescapeXml(inner).trim();
}

/**
 * Reads the flat fields of an OSS error document; `null` when `xml` has no `<Error>` element.
 *
 * @example
 * ```ts
 * import { parseErrorXml } from "./parse_error.ts";
 * parseErrorXml("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>")?.ossCode;
 * // "NoSuchKey"
 * ```
 */
export function parseErrorXml(xml: string): OssErrorFields | null {
  const m = /<Error>([\s\S]*)<\/Error>/.exec(xml);
  if (!m) return null;
  return {
    ossCode: element(m[1], "Code"),
    ossMessage: element(m[1], "Message"),
    requestId: element(m[1], "RequestId"),
    ec: element(m[1], "EC"),
  };
}

/**
 * Decodes the base64 `x-oss-err` header (the error XML OSS sends with HEAD errors).
 *
 * @returns the XML text, or `null` when the value is not valid base64
 *
 * @example
 * ```ts
 * import { decodeErrHeader } from "./parse_error.ts";
 * decodeErrHeader(btoa("<Error><Code>NoSuchKey</Code></Error>")); // "<Error>...</Error>"
 * ```
 */
export function decodeErrHeader(value: string): string | null {
  try {
    const binary = atob(value.trim());
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return null;
  }
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // a broken error body: fall back to the headers
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(all.subarray(0, MAX_ERROR_BODY));
}

/**
 * Builds the typed error for a non-success response (consumes the body, at most 64 KiB).
 * 412 → `ObjectChangedError` (its `cause` is the `OssServiceError`); anything else →
 * `OssServiceError` with Code, Message, RequestId and EC.
 *
 * @example
 * ```ts
 * import { errorFromResponse } from "./parse_error.ts";
 * const e = await errorFromResponse(
 *   new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 }),
 * );
 * e.message; // "NoSuchKey (404), ..."
 * ```
 */
export async function errorFromResponse(response: Response): Promise<OssdlError> {
  const body = await readLimited(response);
  let fields = parseErrorXml(body);
  const errHeader = response.headers.get("x-oss-err");
  if (!fields && errHeader) {
    const xml = decodeErrHeader(errHeader);
    if (xml) fields = parseErrorXml(xml);
  }
  const error = new OssServiceError({
    status: response.status,
    ossCode: fields?.ossCode ?? "",
    ossMessage: redactUrls(fields?.ossMessage || response.statusText || ""),
    requestId: fields?.requestId || response.headers.get("x-oss-request-id") || "",
    ec: fields?.ec || response.headers.get("x-oss-ec") || "",
  });
  if (response.status === 412) {
    return new ObjectChangedError(
      `a conditional request failed (${error.ossCode || "HTTP 412"}: the ETag no longer matches)`,
      { cause: error },
    );
  }
  return error;
}
