// How long the search page of a built site takes to show results, in headless Chromium:
//   node tests/e2e/search_latency.mjs SITE_FOLDER ["query"]   (3 page loads; prints each)
import { serve } from "./e2e.mjs";
import { chromium } from "playwright-core";
const site = process.argv[2], q = process.argv[3] || "coroutines gevent";
const server = await serve(site);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const page = await browser.newPage();
for (let i = 0; i < 3; i++) {
  const t0 = Date.now();
  await page.goto(`${base}/search/?q=${encodeURIComponent(q)}`);
  await page.waitForSelector(".pagefind-ui__result-link", { timeout: 120000 });
  const t1 = Date.now();
  const n = await page.locator(".pagefind-ui__result-link").count();
  const boxes = await page.locator(".pagefind-ui__filter-checkbox").count();
  const msg = await page.locator(".pagefind-ui__message").innerText();
  console.log(`run ${i + 1}: first results after ${t1 - t0} ms; ${n} shown; "${msg}"; ${boxes} filter checkboxes`);
}
await browser.close();
server.close();
