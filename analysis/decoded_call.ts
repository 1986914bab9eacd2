import type { CapturedCall } from "../core/call.ts";
import { canDecode, decodeBody, encodingOf } from "../core/content_encoding.ts";

/** Most decoded bytes of one response analysis reads, as the proxy's capture cap. */
const DECODED_CAP = 32 * 1024 * 1024;

/**
 * The call as analysis reads it: a gzip, deflate or br response (which the client got as
 * the upstream sent it) decoded, as much of it as decodes. Any other call is returned as it is.
 */
export async function decodedCall(call: CapturedCall): Promise<CapturedCall> {
  const encoding = encodingOf(call.responseHeaders["content-encoding"]);
  if (encoding === null || !canDecode(encoding) || !call.responseBody?.byteLength) return call;
  const decoded = await decodeBody(encoding, call.responseBody, { cap: DECODED_CAP });
  if (decoded.bytes.byteLength === 0) return call;
  const { "content-encoding": _, ...headers } = call.responseHeaders;
  return { ...call, responseHeaders: headers, responseBody: decoded.bytes };
}
