import { assertEquals } from "../testing/assert.ts";
import {
  anthropicImageTokens,
  base64Bytes,
  imageSize,
  imageSizeFromBase64,
  openaiImageTokens,
  parseDataUrl,
} from "./images.ts";

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

Deno.test("imageSize reads PNG, GIF, JPEG and WebP headers", () => {
  assertEquals(imageSize(png(640, 480)), { width: 640, height: 480 });
  assertEquals(
    imageSize(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x03, 0x58, 0x02])),
    { width: 800, height: 600 },
  );
  const jpeg = new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0,
    4,
    0,
    0,
    0xff,
    0xc0,
    0,
    11,
    8,
    0x01,
    0xe0,
    0x02,
    0x80,
    3,
    0,
    0,
  ]);
  assertEquals(imageSize(jpeg), { width: 640, height: 480 });
  const webp = new Uint8Array(30);
  webp.set(new TextEncoder().encode("RIFF"), 0);
  webp.set(new TextEncoder().encode("WEBPVP8X"), 8);
  webp.set([0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00], 24);
  assertEquals(imageSize(webp), { width: 640, height: 480 });
  assertEquals(imageSize(new Uint8Array([1, 2, 3])), null);
});

Deno.test("imageSizeFromBase64 decodes only the header of a large payload", () => {
  const payload = base64(png(1024, 768)) + "A".repeat(20_000_000);
  assertEquals(imageSizeFromBase64(payload), { width: 1024, height: 768 });
  assertEquals(parseDataUrl("data:image/png;base64,QUJD"), {
    mediaType: "image/png",
    base64: "QUJD",
  });
  assertEquals(parseDataUrl("https://example.com/a.png"), null);
  assertEquals(base64Bytes("QUJD"), 3);
});

Deno.test("openaiImageTokens follows OpenAI's published tile examples", () => {
  assertEquals(openaiImageTokens({ width: 1024, height: 1024 }, "high").tokens, 765);
  assertEquals(openaiImageTokens({ width: 2048, height: 4096 }, "high").tokens, 1105);
  assertEquals(openaiImageTokens({ width: 4096, height: 8192 }, "low").tokens, 85);
  assertEquals(openaiImageTokens(null, "auto"), { tokens: 765, estimated: true });
});

Deno.test("anthropicImageTokens follows Anthropic's pixel-area formula", () => {
  assertEquals(anthropicImageTokens({ width: 1000, height: 1000 }).tokens, 1334);
  assertEquals(anthropicImageTokens({ width: 200, height: 200 }).tokens, 54);
  assertEquals(anthropicImageTokens({ width: 1092, height: 1092 }).tokens, 1590);
  assertEquals(anthropicImageTokens(null), { tokens: 1600, estimated: true });
});
