/** Reading the Temporal Web UI (a Svelte app) with playwright-core: page addresses, waiting for text, screenshots. */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** A workflow execution's page; `tab` is the path segment of a tab, e.g. `history` or `user-metadata`. */
export function workflowPage(uiUrl: string, workflowId: string, runId: string, tab: string): string {
  return `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/${tab}`;
}

/** The workflows list filtered by a visibility query, as typed in the UI's query box. */
export function workflowListPage(uiUrl: string, query: string): string {
  return `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
}

/**
 * The text of the page and of its frames: the UI renders summaries and details (markdown) in
 * iframes, whose text is not part of the main document's.
 */
export async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText({ timeout: 1000 })
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

/**
 * Waits until every one of `texts` is on the page (the UI fetches its data after the page loads),
 * then returns the page's text. Fails naming the texts still missing, the page and what it showed.
 */
export async function waitForTexts(
  page: Page,
  texts: Array<string | RegExp>,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await pageText(page);
    const missing = texts.filter((t) => (typeof t === 'string' ? !text.includes(t) : !t.test(text)));
    if (missing.length === 0) return text;
    if (Date.now() > deadline) {
      throw new Error(
        `${page.url()} did not show ${missing.map((t) => (typeof t === 'string' ? JSON.stringify(t) : String(t))).join(', ')} ` +
          `within ${timeoutMs / 1000} s; it showed:\n${text.slice(0, 3000)}`,
      );
    }
    await page.waitForTimeout(200);
  }
}

/**
 * Saves a screenshot of the window as `dir/name.png` and returns its path; with `top`, the page is
 * first scrolled so that this element is at the top of the window.
 */
export async function saveScreenshot(page: Page, dir: string, name: string, top?: Locator): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  if (top) await top.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: file });
  return file;
}
