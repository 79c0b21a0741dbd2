import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; `npx playwright install` cannot download here. */
export const CHROMIUM = process.env.DPLAB_CHROMIUM ?? '/usr/bin/chromium';

export class BrowserError extends Error {}

/** Headless Chromium for the report; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new BrowserError(`${CHROMIUM} not found (apt-get install chromium, or set DPLAB_CHROMIUM)`);
  // Runs as root here: Chromium's sandbox refuses root.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A report (an HTML file) in a new page of `browser`, once its charts have drawn. */
export async function openReport(browser: Browser, html: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport ? { viewport } : {});
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction(() => (globalThis as { dplabChartsReady?: boolean }).dplabChartsReady === true, undefined, { timeout: 30_000 });
  return page;
}

/** Renders report.html to PDF and/or PNG (full page), after its charts have drawn. */
export async function renderReportFiles(html: string, out: { pdf?: string; png?: string }): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await openReport(browser, html, { width: 1280, height: 900 });
    if (out.png) await page.screenshot({ path: out.png, fullPage: true });
    if (out.pdf)
      await page.pdf({
        path: out.pdf,
        format: 'A4',
        landscape: true,
        printBackground: true,
        margin: { top: '10mm', bottom: '10mm', left: '8mm', right: '8mm' },
      });
  } finally {
    await browser.close();
  }
}
