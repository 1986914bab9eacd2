/**
 * The dashboard's browser tests share this: Debian's Chromium, launched headless as this
 * machine allows, where screenshots go, and whether the tests can run at all.
 * @module
 */
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";

/** Debian's Chromium, which `.ci/run` installs. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where the tests write their screenshots (gitignored). */
export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

/**
 * Whether Chromium is here. In CI its absence fails the run; elsewhere the tests of `what`
 * are skipped, and a line says so.
 */
export function chromiumFor(what: string): boolean {
  let present = false;
  try {
    present = Deno.statSync(CHROMIUM).isFile;
  } catch {
    present = false;
  }
  if (present) return true;
  if (Deno.env.get("CI")) {
    throw new Error("Chromium is missing in CI: .ci/run must install chromium.");
  }
  console.error(
    `\n!!! Chromium is not installed: ${what} are SKIPPED (apt-get install -y chromium). !!!\n`,
  );
  return false;
}

/** Starts Chromium headless, without the background traffic this closed network refuses. */
export async function launch(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}
