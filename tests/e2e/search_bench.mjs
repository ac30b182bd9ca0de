// Search speed in headless Chromium over loopback, on a built site (for the
// README: a build of all of ../shared/data/pyvideo). Medians of 20 queries:
//   node tests/e2e/search_bench.mjs SITE
// * first results: navigation to /search/?q=… until the first result is in the
//   page and the frame after it starts (the filter counts come later);
// * filters: navigation until the facet counts are in too (#search[data-ready]);
// * keystroke: one more letter typed once the index is loaded, until the new
//   result set shows;
// * type-ahead: a letter typed in the speaker filter until its suggestions show.
// Times are taken in the page (performance.now(), a MutationObserver and the
// keydown event's time stamp): Playwright's waitForSelector polls with back-off
// (0, 20, 50, 100, 100, 500, then 1000 ms), which rounds a wait of 600 ms up
// to about 1 s.
import { serve } from "./e2e.mjs";
import { chromium } from "playwright-core";

const site = process.argv[2];
if (!site) throw new Error("usage: node search_bench.mjs SITE");
const QUERIES = ["django", "coroutines gevent", "Raymond Hettinger", "p", "?speaker=David%20Beazley", "numpy", "testing",
  "async", "machine learning", "flask", "pandas", "web", "security", "packaging", "Guido", "data science", "pypy",
  "?year=2012", "docker", "unicode"];
const server = await serve(site);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const first = [], facets = [], key = [], ahead = [];
// In every page, before its scripts: when the first result and each later
// change of the status line or of the speaker suggestions happen.
const probe = () => {
  const seen = (window.__bench = { first: null, keys: [], status: [], suggest: [] });
  addEventListener("keydown", (e) => seen.keys.push(e.timeStamp), true);
  new MutationObserver(() => {
    if (!seen.ready && document.querySelector("#search[data-ready]")) seen.ready = performance.now();
    if (seen.first === null && document.querySelector(".results li")) {
      seen.first = performance.now();
      requestAnimationFrame(() => (seen.frame = performance.now()));
    }
    const list = document.querySelector("#filter-speaker-list:not([hidden]) li");
    if (list && seen.suggest.at(-1)?.node !== list) seen.suggest.push({ node: list, at: performance.now() });
    const status = document.querySelector(".search-status")?.textContent;
    if (status != null && seen.status.at(-1)?.text !== status) seen.status.push({ text: status, at: performance.now() });
  }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["data-ready"] });
};
for (const q of QUERIES) {
  const page = await browser.newPage();
  await page.addInitScript(probe);
  const url = q.startsWith("?") ? `${base}/search/${q}` : `${base}/search/?q=${encodeURIComponent(q)}`;
  await page.goto(url);
  await page.waitForSelector("#search[data-ready]", { timeout: 60000 });
  first.push(Math.round(await page.evaluate(() => window.__bench.frame)));
  facets.push(Math.round(await page.evaluate(() => window.__bench.ready)));
  // One more letter: from its keydown until the status line says the new results are in.
  const before = await page.locator(".search-status").innerText();
  await page.locator("#search-q").press("End");
  await page.locator("#search-q").press("s");
  await page.waitForFunction((b) => document.querySelector(".search-status").textContent !== b, before, { timeout: 30000 });
  key.push(await page.evaluate(() => window.__bench.status.at(-1).at - window.__bench.keys.at(-1)));
  const combo = page.getByRole("combobox", { name: "Speaker" });
  await combo.fill("");
  await combo.press("d");
  await page.waitForSelector("#filter-speaker-list:not([hidden]) li");
  ahead.push(await page.evaluate(() => window.__bench.suggest.at(-1).at - window.__bench.keys.at(-1)));
  console.log(`${q.padEnd(26)} first results ${String(first.at(-1)).padStart(5)} ms, filters ${String(facets.at(-1)).padStart(5)} ms, keystroke ${key.at(-1).toFixed(0).padStart(4)} ms, type-ahead ${ahead.at(-1).toFixed(0).padStart(3)} ms`);
  await page.close();
}
console.log(`medians of ${QUERIES.length}: first results ${median(first)} ms, filters ${median(facets)} ms, keystroke ${median(key).toFixed(0)} ms, type-ahead ${median(ahead).toFixed(0)} ms`);
await browser.close();
server.close();
