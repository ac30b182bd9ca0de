// Search speed in headless Chromium over loopback, on a built site (for the
// README: a build of all of ../shared/data/pyvideo). Medians of 20 queries:
//   node tests/e2e/search_bench.mjs SITE
// * first results: navigation to /search/?q=… until the first result shows;
// * keystroke: one more letter typed once the index is loaded, until the new
//   result set shows;
// * type-ahead: a letter typed in the speaker filter until its suggestions show.
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
const first = [], key = [], ahead = [];
for (const q of QUERIES) {
  const page = await browser.newPage();
  const url = q.startsWith("?") ? `${base}/search/${q}` : `${base}/search/?q=${encodeURIComponent(q)}`;
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector(".results li", { timeout: 60000 });
  first.push(Date.now() - t0);
  await page.waitForSelector("#search[data-ready]");
  // One more letter: the status line changes when the new results are in.
  const before = await page.locator(".search-status").innerText();
  const t1 = await page.evaluate(() => performance.now());
  await page.locator("#search-q").press("End");
  await page.locator("#search-q").press("s");
  await page.waitForFunction((b) => document.querySelector(".search-status").textContent !== b, before, { timeout: 30000 });
  key.push((await page.evaluate(() => performance.now())) - t1);
  const combo = page.getByRole("combobox", { name: "Speaker" });
  await combo.fill("");
  const t2 = await page.evaluate(() => performance.now());
  await combo.press("d");
  await page.waitForSelector("#filter-speaker-list:not([hidden]) li");
  ahead.push((await page.evaluate(() => performance.now())) - t2);
  console.log(`${q.padEnd(26)} first results ${String(first.at(-1)).padStart(5)} ms, keystroke ${key.at(-1).toFixed(0).padStart(4)} ms, type-ahead ${ahead.at(-1).toFixed(0).padStart(3)} ms`);
  await page.close();
}
console.log(`medians of ${QUERIES.length}: first results ${median(first)} ms, keystroke ${median(key).toFixed(0)} ms, type-ahead ${median(ahead).toFixed(0)} ms`);
await browser.close();
server.close();
