/** Pixel dimensions of an image. */
export interface ImageSize {
  width: number;
  height: number;
}

/** Tokens an image or file costs, and whether that is an estimate. */
export interface MediaTokens {
  tokens: number;
  estimated: boolean;
}

/** Base64 characters decoded at most to find an image's size: 64 KiB of image header. */
const HEADER_BASE64_CHARS = 87_384;

/** Splits a `data:` URL into its media type and base64 payload. */
export function parseDataUrl(url: string): { mediaType: string; base64: string } | null {
  const match = /^data:([^;,]*)(;[^,]*)?,/.exec(url.slice(0, 256));
  if (!match || !(match[2] ?? "").includes("base64")) return null;
  return { mediaType: match[1], base64: url.slice(match[0].length) };
}

/** Bytes a base64 payload decodes to, without decoding it. */
export function base64Bytes(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor(base64.length * 3 / 4) - padding);
}

/** Reads PNG, GIF, JPEG or WebP dimensions from the start of a base64 payload only. */
export function imageSizeFromBase64(base64: string): ImageSize | null {
  let bytes: Uint8Array;
  try {
    const head = base64.slice(0, HEADER_BASE64_CHARS).replace(/[^A-Za-z0-9+/]/g, "");
    bytes = Uint8Array.from(
      atob(head.slice(0, head.length - (head.length % 4))),
      (c) => c.charCodeAt(0),
    );
  } catch {
    return null;
  }
  return imageSize(bytes);
}

/** Reads PNG, GIF, JPEG or WebP dimensions from an image's first bytes. */
export function imageSize(b: Uint8Array): ImageSize | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ascii = (at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
  if (b.length >= 24 && b[0] === 0x89 && ascii(1, 3) === "PNG") {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (b.length >= 10 && ascii(0, 4) === "GIF8") {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (b.length >= 30 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") {
    const kind = ascii(12, 4);
    if (kind === "VP8 ") {
      return {
        width: view.getUint16(26, true) & 0x3fff,
        height: view.getUint16(28, true) & 0x3fff,
      };
    }
    if (kind === "VP8L") {
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (kind === "VP8X") {
      return {
        width: 1 + (b[24] | b[25] << 8 | b[26] << 16),
        height: 1 + (b[27] | b[28] << 8 | b[29] << 16),
      };
    }
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let at = 2;
    while (at + 9 < b.length) {
      if (b[at] !== 0xff) return null;
      const marker = b[at + 1];
      const length = view.getUint16(at + 2);
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
        marker !== 0xcc;
      if (isFrame) return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
      at += 2 + length;
    }
  }
  return null;
}

/**
 * OpenAI's published image cost for GPT-4o-class models: 85 tokens at low detail;
 * otherwise fit in 2048×2048, shortest side to 768, then 170 per 512-pixel tile plus 85.
 * An image of unknown size is estimated as 1024×1024 (765 tokens).
 */
export function openaiImageTokens(size: ImageSize | null, detail: string): MediaTokens {
  if (detail === "low") return { tokens: 85, estimated: false };
  const known = size !== null && size.width > 0 && size.height > 0;
  let { width, height } = known ? size : { width: 1024, height: 1024 };
  const fit = Math.min(1, 2048 / Math.max(width, height));
  width *= fit;
  height *= fit;
  const shortest = Math.min(1, 768 / Math.min(width, height));
  width *= shortest;
  height *= shortest;
  const tiles = Math.ceil(width / 512) * Math.ceil(height / 512);
  return { tokens: 85 + 170 * tiles, estimated: !known };
}

/**
 * Anthropic's published image cost: width × height / 750 after scaling the long edge
 * to at most 1568 pixels and the image to at most about 1,600 tokens (1.2 MP). Unknown: 1,600 tokens.
 */
export function anthropicImageTokens(size: ImageSize | null): MediaTokens {
  if (size === null || size.width <= 0 || size.height <= 0) {
    return { tokens: 1_600, estimated: true };
  }
  let { width, height } = size;
  const edge = Math.min(1, 1568 / Math.max(width, height));
  width *= edge;
  height *= edge;
  const area = Math.min(1, Math.sqrt(1_200_000 / (width * height)));
  width = Math.floor(width * area);
  height = Math.floor(height * area);
  return { tokens: Math.ceil((width * height) / 750), estimated: false };
}

/**
 * Estimate for a document (PDF and the like) known only by its size: each page costs
 * about 1,600 tokens as an image plus its text, and a page is taken as about 50 KB.
 */
export function documentTokens(bytes: number): MediaTokens {
  const pages = Math.max(1, Math.round(bytes / 50_000));
  return { tokens: pages * 1_600, estimated: true };
}

/** Tokens per tile or small image, in Google's published counting for Gemini 2.x and later. */
const GEMINI_TILE = 258;

/**
 * Google's published media costs for Gemini: an image with both sides at most 384 pixels is
 * 258 tokens, a larger one 258 per 768×768 tile; a PDF 258 per page (a page taken as about
 * 50 KB when only the size is known); video 263 and audio 32 tokens per second (a second of
 * audio taken as 16 KB, of video as 250 KB). Anything of unknown size is one tile, estimated.
 */
export function geminiMediaTokens(
  mimeType: string,
  size: ImageSize | null,
  bytes: number | null,
): MediaTokens {
  if (mimeType.startsWith("image/")) {
    if (size === null || size.width <= 0 || size.height <= 0) {
      return { tokens: GEMINI_TILE, estimated: true };
    }
    if (size.width <= 384 && size.height <= 384) return { tokens: GEMINI_TILE, estimated: false };
    const tiles = Math.ceil(size.width / 768) * Math.ceil(size.height / 768);
    return { tokens: GEMINI_TILE * tiles, estimated: false };
  }
  if (bytes === null || bytes <= 0) return { tokens: GEMINI_TILE, estimated: true };
  if (mimeType.startsWith("audio/")) {
    return { tokens: 32 * Math.max(1, Math.round(bytes / 16_000)), estimated: true };
  }
  if (mimeType.startsWith("video/")) {
    return { tokens: 263 * Math.max(1, Math.round(bytes / 250_000)), estimated: true };
  }
  return { tokens: GEMINI_TILE * Math.max(1, Math.round(bytes / 50_000)), estimated: true };
}
