/**
 * Debian's `chromium` for the browser tests, driven by playwright-core (no
 * browser download). `.ci/run` installs the package when it is missing.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CANDIDATES = [process.env.OBOL_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (p): p is string => !!p,
);

/** Launches headless Chromium; fails with the command that installs it when absent. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = CANDIDATES.find((p) => existsSync(p));
  if (!executablePath)
    throw new Error(
      `Chromium not found (looked at ${CANDIDATES.join(", ")}): run \`apt-get install -y chromium\` or set OBOL_CHROMIUM`,
    );
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
}
