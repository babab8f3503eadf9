/** Headless Chromium for the UI test: Debian's package driven by playwright-core (no bundled browser). */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The browser: `RLAIF_CHROMIUM` when set, else Debian's `chromium` package. */
export function chromiumPath(): string {
  return process.env.RLAIF_CHROMIUM ?? '/usr/bin/chromium';
}

/**
 * Chromium's background services (updates, sync, field trials, QUIC) dial the internet; on a closed
 * network their refused connections can stall page loads, so they are all switched off.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium; fails naming the missing file and how to get it. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: run "npm run test:ui" (it installs Debian's chromium ` +
        'package when it can) or set RLAIF_CHROMIUM to a Chromium binary',
    );
  }
  return chromium.launch({ executablePath, args: FLAGS });
}
