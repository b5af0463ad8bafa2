/**
 * Checks the answer to a ranged (or whole) GET against what was asked, and turns it into a
 * {@linkcode ReadResponse}. A body is never returned at an offset the server did not confirm.
 *
 * @module
 */

import { ObjectChangedError, ProtocolError } from "../errors.ts";
import { parseContentRange } from "./content_range.ts";
import { discardBody } from "./http_send.ts";
import { typedBody } from "./network_failure.ts";
import type { ReadRequest, ReadResponse } from "./object_source.ts";
import { errorFromResponse } from "./parse_error.ts";
import { parseContentLength, parseCrc64 } from "./response_meta.ts";

/**
 * Throws a `RangeError` unless `0 <= start < end` are safe integers.
 *
 * @example
 * ```ts
 * import { assertReadRequest } from "./read_response.ts";
 * assertReadRequest({ start: 0, end: 10, etag: null }); // ok
 * ```
 */
export function assertReadRequest(request: ReadRequest): void {
  const { start, end } = request;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) {
    throw new RangeError(`bad read range [${start}, ${end}): need 0 <= start < end`);
  }
}

/**
 * The `Range` header value for `[start, end)`.
 *
 * @example
 * ```ts
 * import { rangeHeader } from "./read_response.ts";
 * rangeHeader(0, 100); // "bytes=0-99"
 * ```
 */
export function rangeHeader(start: number, end: number): string {
  return `bytes=${start}-${end - 1}`;
}

function emptyBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (c) => c.close() });
}

function sizeChanged(size: number, expected: number): ObjectChangedError {
  return new ObjectChangedError(`its size is ${size} bytes instead of ${expected}`);
}

/** The total of a `bytes *\/total` header, or `null` when absent or not of that form. */
function unsatisfiedTotal(header: string | null): number | null {
  if (header === null) return null;
  try {
    const cr = parseContentRange(header);
    return cr.unsatisfied ? cr.total : null;
  } catch {
    return null;
  }
}

async function fail(response: Response, error: Error): Promise<never> {
  await discardBody(response);
  throw error;
}

/**
 * Validates a GET response for `request` and wraps it.
 *
 * - non-2xx → the typed error of {@linkcode errorFromResponse} (412 → `ObjectChangedError`);
 * - an ETag differing from `request.etag` → `ObjectChangedError`;
 * - with `request.objectSize`: an answer showing another object size (the total of a 206's
 *   `Content-Range`, a 200's `Content-Length`, a 416's `bytes *\/total`) → `ObjectChangedError`;
 * - 206 whose `Content-Range` is not exactly the requested range → `ProtocolError`;
 * - 200 → `ranged: false`, `start: 0`, `end` = `Content-Length` (required);
 * - a compressed body (`Content-Encoding` other than identity) → `ProtocolError`.
 *
 * @example
 * ```ts
 * import { toReadResponse } from "./read_response.ts";
 * const r = await toReadResponse(
 *   new Response("abc", { status: 206, headers: { "content-range": "bytes 5-7/10" } }),
 *   { start: 5, end: 8, etag: null },
 * );
 * r.ranged; // true
 * ```
 */
export async function toReadResponse(
  response: Response,
  request: ReadRequest,
): Promise<ReadResponse> {
  if (response.status === 416 && request.objectSize !== undefined) {
    const total = unsatisfiedTotal(response.headers.get("content-range"));
    if (total !== null && total !== request.objectSize) {
      return fail(response, sizeChanged(total, request.objectSize));
    }
  }
  if (response.status < 200 || response.status > 299) throw await errorFromResponse(response);
  const h = response.headers;
  const encoding = h.get("content-encoding");
  if (encoding && encoding.trim().toLowerCase() !== "identity") {
    return fail(response, new ProtocolError(`the server compressed the body (${encoding})`));
  }
  const etag = h.get("etag");
  if (request.etag !== null && etag !== null && etag !== request.etag) {
    return fail(response, new ObjectChangedError(`ETag ${etag} instead of ${request.etag}`));
  }
  let crc64: bigint | null;
  let length: number | null;
  try {
    crc64 = parseCrc64(h.get("x-oss-hash-crc64ecma"));
    length = parseContentLength(h);
  } catch (e) {
    return fail(response, e as Error);
  }
  let start: number;
  let end: number;
  let ranged: boolean;
  if (response.status === 206 && !request.whole) {
    const header = h.get("content-range");
    if (header === null) return fail(response, new ProtocolError("206 without Content-Range"));
    let cr;
    try {
      cr = parseContentRange(header);
    } catch (e) {
      return fail(response, e as Error);
    }
    const { objectSize } = request;
    if (objectSize !== undefined && cr.total !== null && cr.total !== objectSize) {
      return fail(response, sizeChanged(cr.total, objectSize));
    }
    if (cr.unsatisfied || cr.start !== request.start || cr.end !== request.end) {
      return fail(
        response,
        new ProtocolError(
          `Content-Range ${header} does not match ${rangeHeader(request.start, request.end)}`,
        ),
      );
    }
    if (length !== null && length !== cr.end - cr.start) {
      return fail(response, new ProtocolError(`Content-Length ${length} disagrees with ${header}`));
    }
    ({ start, end } = cr);
    ranged = true;
  } else if (response.status === 200) {
    if (length === null) {
      return fail(response, new ProtocolError("200 without Content-Length: size unknown"));
    }
    if (request.objectSize !== undefined && length !== request.objectSize) {
      return fail(response, sizeChanged(length, request.objectSize));
    }
    start = 0;
    end = length;
    ranged = false;
  } else {
    return fail(
      response,
      new ProtocolError(`status ${response.status} to a ${request.whole ? "plain" : "ranged"} GET`),
    );
  }
  const body = typedBody(response.body ?? emptyBody(), request.signal);
  return { ranged, start, end, etag, crc64, body };
}
