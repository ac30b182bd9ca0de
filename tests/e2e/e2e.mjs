// End-to-end test of a built podium site in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core; no browser download).
//
//   node e2e.mjs --site DIR [--hostile DIR] [--big DIR] [--subpath DIR] [--screenshots DIR]
//
// --site is a site built from the bundled sample (`podium build --output DIR`);
// --hostile one built from tests/fixtures/hostile (payloads in every field; with
// the repository's podium.toml, two index parts, all talks in the second);
// --big one built from a generated archive (benches/gen_archive.py, 20,000 talks).
// --subpath one built from the sample with `--base-url https://user.github.io/archive/`,
// served under /archive/ only, as GitHub Pages serves a project site (subpath_suite.mjs).
// The search page's checks (search_suite.mjs) run on the sample and the big one.
// The test serves it on 127.0.0.1 with a tiny static server (below), then:
// searches from the header box, filters by year, follows a result, checks the
// click-to-load video facades and a direct-file talk page, takes screenshots
// and runs axe-core on the home, talk, speaker and search pages (light and dark
// colour schemes). It ends with one line `e2e: N passed, N failed` and exits
// non-zero if anything failed -- including when Chromium cannot be started:
// a machine without a browser is a failure, never a skip.
//
// Network policy. The test is hermetic: every request that is not to the
// loopback server is recorded and aborted (net::ERR_INTERNET_DISCONNECTED), as
// on a closed network, and fails the page's test: no page may ask another host
// for anything (images included). The only expected case is the player iframe
//     (youtube-nocookie.com / archive.org) that appears after clicking Play:
//     its document load fails. That failure is the iframe's own -- it is seen
//     as a failed document request of a child frame (or, should Chromium log it,
//     a "Failed to load resource: net::..." console error located at the player
//     URL) -- and it is the only thing the test tolerates, printed as
//     "tolerated". Any other console error or uncaught exception fails the
//     test, and so does any failed or 4xx/5xx loopback request.

import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { hostileSuite, searchSuite } from "./search_suite.mjs";
import { SUBPATH, subpathSuite } from "./subpath_suite.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const out = { site: null, screenshots: path.join(repo, "target", "e2e-screenshots") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--site") out.site = argv[++i];
    else if (a === "--hostile") out.hostile = path.resolve(argv[++i]);
    else if (a === "--big") out.big = path.resolve(argv[++i]);
    else if (a === "--subpath") out.subpath = path.resolve(argv[++i]);
    else if (a === "--screenshots") out.screenshots = argv[++i];
    else if (a === "-h" || a === "--help") {
      console.log("usage: node e2e.mjs --site DIR [--hostile DIR] [--big DIR] [--subpath DIR] [--screenshots DIR]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!out.site) throw new Error("--site DIR is required (a site built from the sample)");
  out.site = path.resolve(out.site);
  out.screenshots = path.resolve(out.screenshots);
  return out;
}

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// As root, with a fresh profile; the background-networking flags keep
// Chromium from calling home on a closed network.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// What the sample is known to contain.
const SAMPLE = {
  query: "coroutines",
  talkTitle: "Using Coroutines to Create Efficient, High-Concurrency Web Applications",
  talkPath: "/events/pycon-us-2011/pycon-2011--using-coroutines-to-create-efficient-/",
  year: "2011",
  otherYear: "2013",
  speakerPath: "/speakers/matt-spitz/",
  fileTalkPath: "/events/meetup-paris/manipuler-la-donnee-geographique-en-python-avec-geopandas/",
};

// ------------------------------------------------------------ static server

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
};

/** Serves `root` on 127.0.0.1: `/x/` is `x/index.html`, `/x` (a folder) redirects
 * to `/x/`, a missing file is the site's 404.html with status 404. With a `prefix`
 * (`/archive`), the site is served under that path only, as GitHub Pages serves a
 * project site: anything outside it is a bare 404. */
export function serve(root, prefix = "") {
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    if (prefix) {
      if (rel === prefix) {
        res.writeHead(301, { location: prefix + "/" }).end();
        return;
      }
      if (!rel.startsWith(prefix + "/")) {
        res.writeHead(404, { "content-type": TYPES[".txt"] }).end("outside the site's path");
        return;
      }
      rel = rel.slice(prefix.length);
    }
    let file = path.join(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) {
        if (!rel.endsWith("/")) {
          res.writeHead(301, { location: prefix + rel + "/" }).end();
          return;
        }
        file = path.join(file, "index.html");
      }
      fs.readFile(file, (err, body) => {
        if (err) {
          const notFound = path.join(root, "404.html");
          const page = fs.existsSync(notFound) ? fs.readFileSync(notFound) : "not found";
          res.writeHead(404, { "content-type": TYPES[".html"] }).end(page);
          return;
        }
        const type = TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
        res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

// ------------------------------------------------------------------ harness

const results = [];
// Set once the browser runs: on a failure, every open page is photographed.
let onFailure = async () => {};
async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${String(e && e.stack ? e.stack : e).split("\n").join("\n     ")}`);
    await onFailure(results.length).catch(() => {});
  }
}

/** Calls `get` until `ok` holds of its value (or 15 s pass); returns the last value. */
async function poll(get, ok, timeout = 15000) {
  const end = Date.now() + timeout;
  let value = await get();
  while (!ok(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    value = await get();
  }
  return value;
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function finish(code) {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(code ?? (failed ? 1 : 0));
}

function isLoopback(url) {
  try {
    const u = new URL(url);
    if (u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:") return true;
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

/** The players the facades load after Play; their own load may fail (no network). */
const PLAYER_URL = /^https:\/\/(www\.youtube-nocookie\.com|archive\.org)\/embed\//;

/** Everything the test watches on one page. */
function watch(page) {
  const w = { requests: [], consoleErrors: [], failedLoopback: [], frameFailures: [] };
  page.on("request", (r) => w.requests.push({ url: r.url(), type: r.resourceType() }));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const where = m.location().url || "";
    // The player iframe's own load failing on a closed network (see the top).
    if (PLAYER_URL.test(where) && /^Failed to load resource: net::/.test(m.text()))
      w.frameFailures.push(`${where}: ${m.text()}`);
    else w.consoleErrors.push(`${m.text()} (${where || "?"})`);
  });
  page.on("pageerror", (e) => w.consoleErrors.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText;
    // An image the page dropped before it loaded (search results replaced as you
    // type) is cancelled, not failed; a missing one answers 404 (below).
    if (r.resourceType() === "image" && why === "net::ERR_ABORTED") return;
    if (isLoopback(r.url())) w.failedLoopback.push(`${r.url()}: ${why}`);
    else if (r.resourceType() === "document" && r.frame() !== page.mainFrame())
      w.frameFailures.push(`${r.url()}: ${why}`);
  });
  page.on("response", (r) => {
    if (isLoopback(r.url()) && r.status() >= 400) w.failedLoopback.push(`${r.url()}: HTTP ${r.status()}`);
  });
  w.thirdParty = () => w.requests.filter((r) => !isLoopback(r.url));
  w.assertClean = (what) => {
    // The player's own document after Play is the one request elsewhere allowed.
    const third = w.thirdParty().filter((r) => !(r.type === "document" && PLAYER_URL.test(r.url)));
    assert(third.length === 0, `${what}: requests to other hosts:\n  ${third.map((r) => `${r.type} ${r.url}`).join("\n  ")}`);
    assert(w.consoleErrors.length === 0, `${what}: console errors:\n  ${w.consoleErrors.join("\n  ")}`);
    assert(w.failedLoopback.length === 0, `${what}: failed requests:\n  ${w.failedLoopback.join("\n  ")}`);
  };
  return w;
}

// --------------------------------------------------------------------- axe

const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core on the page; returns the serious and critical violations. */
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const minor = result.violations.filter((v) => v.impact !== "serious" && v.impact !== "critical");
  if (minor.length) console.log(`     (axe, not failing: ${minor.map((v) => `${v.id} [${v.impact}]`).join(", ")})`);
  console.log(`     (axe: ${result.passes.length} rules passed; to review by hand: ${result.incomplete.map((v) => `${v.id} [${v.impact}]`).join(", ") || "none"})`);
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

function describeViolations(vs) {
  return vs
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help}\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `      ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`)
          .join("\n")
    )
    .join("\n  ");
}

// --------------------------------------------------------------------- main

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`e2e: ${e.message}`);
    results.push({ ok: false });
    finish(2);
  }
  assertSite(opts.site);

  if (!fs.existsSync(CHROMIUM)) {
    console.error(
      `e2e: ERROR: no Chromium at ${CHROMIUM}. Install Debian's chromium ` +
        `(apt-get install -y chromium) or set CHROMIUM=/path/to/chromium. ` +
        `The browser test does not skip: this is a failure.`
    );
    results.push({ ok: false });
    finish(2);
  }
  const { chromium } = await import("playwright-core");

  fs.rmSync(opts.screenshots, { recursive: true, force: true });
  fs.mkdirSync(opts.screenshots, { recursive: true });
  const server = await serve(opts.site);
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(`e2e: serving ${opts.site} at ${base}`);
  console.log(`e2e: screenshots go to ${opts.screenshots}`);

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "podium-e2e-profile-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
  } catch (e) {
    console.error(`e2e: ERROR: Chromium at ${CHROMIUM} did not start:\n${e.message}`);
    results.push({ ok: false });
    server.close();
    finish(2);
  }
  await context.route(
    (url) => !isLoopback(url.href),
    (route) => route.abort("internetdisconnected")
  );
  for (const p of context.pages()) await p.close();
  onFailure = async (n) => {
    for (const [i, p] of context.pages().entries()) {
      const file = path.join(opts.screenshots, `FAILED-test-${n}-page-${i + 1}.png`);
      await p.screenshot({ path: file, fullPage: true });
      console.log(`     screenshot of ${p.url()}: ${file}`);
    }
  };

  const shot = async (page, name) => {
    const file = path.join(opts.screenshots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  const opener = (base) => async (url, { colorScheme = "light" } = {}) => {
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme });
    const w = watch(page);
    if (url) {
      const res = await page.goto(base + url, { waitUntil: "networkidle" });
      assert(res && res.status() === 200, `${url}: HTTP ${res && res.status()}`);
    }
    return { page, w };
  };
  const open = opener(base);
  const searchReady = (page) => page.waitForSelector("#search[data-ready]", { timeout: 20000 });
  const resultTitles = (page) => page.locator(".results a.card-title").allInnerTexts();

  // --- the search flow, on one page, as a reader would do it --------------
  const flow = await open("/");
  await test("home page loads", async () => {
    await flow.page.locator("h1").waitFor();
    // A declared icon, so the browser does not ask for /favicon.ico (a 404 in the console).
    const icon = await flow.page.locator('link[rel="icon"]').getAttribute("href");
    assert(icon, "no <link rel=icon>");
    const res = await flow.page.request.get(new URL(icon, flow.page.url()).href);
    assert(res.status() === 200, `icon ${icon}: HTTP ${res.status()}`);
    await shot(flow.page, "home");
  });
  await test(`header search for "${SAMPLE.query}" lists the talk`, async () => {
    const box = flow.page.getByRole("searchbox", { name: "Search talks" }).first();
    await box.fill(SAMPLE.query);
    await Promise.all([flow.page.waitForURL(/\/search\/\?q=coroutines$/), box.press("Enter")]);
    await searchReady(flow.page);
    const titles = await resultTitles(flow.page);
    assert(titles.includes(SAMPLE.talkTitle), `results: ${JSON.stringify(titles)}`);
    const pageBox = flow.page.locator("#search-q");
    assert((await pageBox.inputValue()) === SAMPLE.query, "query not carried into the search page");
  });
  await test("the result leads to the talk page", async () => {
    const page = flow.page;
    const link = page.locator(".results a.card-title", { hasText: SAMPLE.talkTitle });
    await Promise.all([page.waitForURL((u) => u.pathname === SAMPLE.talkPath), link.click()]);
    await page.waitForLoadState("networkidle");
    const h1 = (await page.locator("h1").innerText()).trim();
    assert(h1 === SAMPLE.talkTitle, `h1 is ${JSON.stringify(h1)}`);
  });
  await test("no console errors or failed requests in the search flow", async () => {
    flow.w.assertClean("search flow");
  });
  await flow.page.close();

  // --- screenshots and axe-core on the four kinds of page -----------------
  const pages = [
    ["home", "/"],
    ["talk", SAMPLE.talkPath],
    ["speaker", SAMPLE.speakerPath],
  ];
  for (const colorScheme of ["light", "dark"]) {
    for (const [name, url] of pages) {
      await test(`axe (${colorScheme}): ${name} page has no serious or critical violations`, async () => {
        const { page, w } = await open(url, { colorScheme });
        try {
          await shot(page, `${name}${colorScheme === "dark" ? "-dark" : ""}`);
          const vs = await axe(page);
          assert(vs.length === 0, `${url}:\n  ${describeViolations(vs)}`);
          w.assertClean(url);
        } finally {
          await page.close();
        }
      });
    }
  }

  // --- click-to-load facades ----------------------------------------------
  const youtubeTalk = await findTalkWithEmbed(opts.site, "youtube-nocookie.com");
  const facades = [
    ["YouTube", youtubeTalk, /^https:\/\/www\.youtube-nocookie\.com\/embed\//, "talk-youtube"],
    ["Internet Archive", SAMPLE.talkPath, /^https:\/\/archive\.org\/embed\//, "talk-archive"],
  ];
  for (const [provider, url, srcPattern, shotName] of facades) {
    await test(`facade (${provider}): only loopback requests before Play, then an iframe`, async () => {
      assert(url, `no talk page with a ${provider} player in the sample`);
      const { page, w } = await open(url);
      try {
        const third = w.thirdParty();
        assert(third.length === 0, `${url} asked third parties before Play:\n  ${third.map((r) => `${r.type} ${r.url}`).join("\n  ")}`);
        await shot(page, shotName);
        const play = page.locator("button.facade").filter({ has: page.locator(".play") });
        const target = (await play.count()) > 1 ? await pickFacade(page, srcPattern) : play.first();
        const label = await target.getAttribute("aria-label");
        assert(label && label.startsWith("Play: "), `Play button label: ${label}`);
        await target.click();
        const frame = page.locator("iframe");
        await frame.first().waitFor({ timeout: 5000 });
        const srcs = await frame.evaluateAll((fs) => fs.map((f) => f.src));
        assert(srcs.some((s) => srcPattern.test(s)), `iframe src ${JSON.stringify(srcs)}`);
        const title = await frame.first().getAttribute("title");
        assert(title && title.startsWith("Video: "), `iframe title ${title}`);
        await page.waitForTimeout(1000);
        // Now the only third-party request is the player's document.
        const after = w.thirdParty().map((r) => r.url);
        assert(after.length >= 1 && after.every((u) => srcPattern.test(u)), `after Play: ${JSON.stringify(after)}`);
        await shot(page, `${shotName}-after-play`);
        w.assertClean(url);
        if (w.frameFailures.length) console.log(`     (tolerated, the player's own load on a closed network: ${w.frameFailures.join("; ")})`);
      } finally {
        await page.close();
      }
    });
  }

  await test("direct-file talk page: <video> with the files, no third-party request before Play", async () => {
    const { page, w } = await open(SAMPLE.fileTalkPath);
    try {
      const video = page.locator("video");
      assert((await video.count()) === 1, "no <video>");
      assert((await video.getAttribute("preload")) === "none", "video must not preload");
      const types = await page.locator("video source").evaluateAll((ss) => ss.map((s) => s.type));
      assert(types.length > 0 && types.every((t) => /^video\/(mp4|webm)$/.test(t)), `source types ${types}`);
      const downloads = await page.locator("ul.downloads a").allInnerTexts();
      assert(downloads.length === types.length, `downloads ${JSON.stringify(downloads)}`);
      const third = w.thirdParty();
      assert(third.length === 0, `asked third parties before Play:\n  ${third.map((r) => `${r.type} ${r.url}`).join("\n  ")}`);
      await shot(page, "talk-file");
      const vs = await axe(page);
      assert(vs.length === 0, describeViolations(vs));
      w.assertClean(SAMPLE.fileTalkPath);
    } finally {
      await page.close();
    }
  });

  // --- the search page, on the sample and on the big archive ---------------
  const suiteArgs = { test, assert, poll, axe, describeViolations, shot };
  await searchSuite({ ...suiteArgs, label: "sample", site: opts.site, open });
  const servers = [];
  if (opts.hostile) {
    const s = await serve(opts.hostile);
    servers.push(s);
    await hostileSuite({ ...suiteArgs, site: opts.hostile, open: opener(`http://127.0.0.1:${s.address().port}`) });
  }
  if (opts.big) {
    const s = await serve(opts.big);
    servers.push(s);
    await searchSuite({ ...suiteArgs, label: "big", site: opts.big, open: opener(`http://127.0.0.1:${s.address().port}`) });
  }
  if (opts.subpath) {
    const s = await serve(opts.subpath, SUBPATH);
    servers.push(s);
    const subBase = `http://127.0.0.1:${s.address().port}`;
    await subpathSuite({ test, assert, site: opts.subpath, SAMPLE, base: subBase, open: opener(subBase) });
  }
  await thumbnailTests({ opts, open, shot });

  await context.close();
  for (const s of servers) s.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
  console.log(`e2e: screenshots in ${opts.screenshots}`);
  finish();
}

// ------------------------------------------------------------ thumbnails
// (Kept apart from the rest so that it merges easily.) The site must be built
// with a thumbnail cache (.ci/run fills one with generated stills): cards and the
// talk page's facade show the site's own copies, and nothing else is asked for.

/** The event page's card grid and the talk page's poster, from /thumbs/. */
async function thumbnailTests({ opts, open, shot }) {
  const eventPath = SAMPLE.talkPath.split("/").slice(0, 3).join("/") + "/";
  const checks = [
    ["event", eventPath, ".card .thumb img", "event-thumbs"],
    ["talk", SAMPLE.talkPath, ".facade img", "talk-thumbs"],
  ];
  for (const [name, url, selector, shotName] of checks) {
    await test(`thumbnails: ${name} page shows the site's own stills, axe clean, no third-party request`, async () => {
      assert(fs.existsSync(path.join(opts.site, "thumbs")), `${opts.site} was built without a thumbnail cache (no thumbs/)`);
      const { page, w } = await open(url);
      try {
        const imgs = page.locator(selector);
        // Lazy images below the fold: load them all now, and wait for them.
        await imgs.evaluateAll((els) => Promise.all(els.map((e) => {
          e.loading = "eager";
          return e.complete ? null : new Promise((done) => { e.onload = e.onerror = done; });
        })));
        const info = await imgs.evaluateAll((els) => els.map((e) => ({ src: e.currentSrc || e.src, w: e.naturalWidth, alt: e.getAttribute("alt") })));
        assert(info.length > 0, `${url}: no ${selector}`);
        const local = info.filter((i) => /\/thumbs\/[0-9a-f]{32}-(240|480)\.webp$/.test(i.src));
        assert(local.length > 0, `${url}: no image from /thumbs/: ${JSON.stringify(info.slice(0, 3))}`);
        assert(local.every((i) => i.w > 0), `${url}: a still did not load: ${JSON.stringify(local.filter((i) => !i.w))}`);
        assert(info.every((i) => i.alt === ""), `${url}: the title is beside each image, so alt=""`);
        if (name === "talk") {
          // Link previews get the JPEG copy (not every reader of og:image takes WebP), and it is in the site.
          const og = await page.locator('meta[property="og:image"]').getAttribute("content");
          assert(/\/thumbs\/[0-9a-f]{32}-480\.jpg$/.test(og || ""), `${url}: og:image is not the site's JPEG copy: ${og}`);
          assert(fs.existsSync(path.join(opts.site, new URL(og).pathname)), `${url}: ${og} is not in the site`);
        }
        const third = w.thirdParty();
        assert(third.length === 0, `${url} asked third parties:\n  ${third.map((r) => `${r.type} ${r.url}`).join("\n  ")}`);
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot(page, shotName);
        const vs = await axe(page);
        assert(vs.length === 0, `${url}:\n  ${describeViolations(vs)}`);
        w.assertClean(url);
      } finally {
        await page.close();
      }
    });
  }
}

/** With several players on one page, the Play button whose link matches. */
async function pickFacade(page, srcPattern) {
  const buttons = page.locator("button.facade");
  // player.js moves the link's data into the button's closure; the "watch
  // there" link next to each player names the same video.
  const n = await buttons.count();
  for (let i = 0; i < n; i++) {
    const via = await buttons.nth(i).locator("xpath=following-sibling::p[1]//a").getAttribute("href");
    const host = srcPattern.source.includes("youtube") ? /youtube\.com|youtu\.be/ : /archive\.org/;
    if (via && host.test(via)) return buttons.nth(i);
  }
  throw new Error(`no Play button for ${srcPattern}`);
}

/** The first talk page of the built site with a player from `host`. */
async function findTalkWithEmbed(site, host) {
  const events = path.join(site, "events");
  for (const event of fs.readdirSync(events).sort()) {
    const dir = path.join(events, event);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const talk of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, talk, "index.html");
      if (talk === "page" || !fs.existsSync(file)) continue;
      const html = fs.readFileSync(file, "utf8");
      if (html.includes(`data-embed="https://www.${host}/`)) return `/events/${event}/${talk}/`;
    }
  }
  return null;
}

function assertSite(site) {
  for (const f of ["index.html", "search/index.html", "pagefind/pagefind.js", SAMPLE.talkPath.slice(1) + "index.html"]) {
    if (!fs.existsSync(path.join(site, f))) {
      console.error(`e2e: ERROR: ${site} is not a search-enabled build of the sample (no ${f})`);
      results.push({ ok: false });
      finish(2);
    }
  }
}

// Run as a script; importing the module (for `serve`) runs nothing.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`e2e: ERROR: ${e && e.stack ? e.stack : e}`);
    results.push({ ok: false });
    finish(1);
  });
}
