// A project site under a path, as GitHub Pages serves one: the sample built with
// `--base-url https://user.github.io/archive/` and served under /archive/ only
// (e2e.mjs --subpath DIR). Anything that escapes the path (a root-absolute
// `/static/…`, a search result Pagefind prefixed twice, `/archive/archive/…`)
// is a failed request or a wrong page here, not on a site served at `/`.

import fs from "node:fs";
import path from "node:path";

/** The path the --subpath site is served under. */
export const SUBPATH = "/archive";

export async function subpathSuite({ test, assert, site, SAMPLE, base, open }) {
  await test("subpath: the build is one made for /archive/", async () => {
    const home = fs.readFileSync(path.join(site, "index.html"), "utf8");
    assert(home.includes('href="/archive/static/style.css"'), "not built with --base-url …/archive/");
  });

  const flow = await open(`${SUBPATH}/`);
  await test("subpath: header search, results and the result page stay under /archive/", async () => {
    const page = flow.page;
    const box = page.getByRole("searchbox", { name: "Search talks" }).first();
    await box.fill(SAMPLE.query);
    await Promise.all([page.waitForURL((u) => u.pathname === `${SUBPATH}/search/`), box.press("Enter")]);
    await page.waitForSelector("#search[data-ready]", { timeout: 20000 });
    const link = page.locator(".results a.card-title", { hasText: SAMPLE.talkTitle });
    assert((await link.count()) === 1, `no result "${SAMPLE.talkTitle}"`);
    const href = await link.getAttribute("href");
    assert(href === SAMPLE_UNDER(SAMPLE.talkPath), `result links to ${href}`);
    await Promise.all([page.waitForURL((u) => u.pathname === SAMPLE_UNDER(SAMPLE.talkPath)), link.click()]);
    await page.waitForLoadState("networkidle");
    const h1 = (await page.locator("h1").innerText()).trim();
    assert(h1 === SAMPLE.talkTitle, `h1 is ${JSON.stringify(h1)}`);
    flow.w.assertClean("subpath search flow");
  });
  await flow.page.close();

  // Results come from both index parts (the primary one and the merged one, each
  // with its own base URL in Pagefind): every one must open a page.
  await test("subpath: every result of a broad search opens a page under /archive/", async () => {
    const { page, w } = await open(`${SUBPATH}/search/?q=python`);
    try {
      await page.waitForSelector("#search[data-ready]", { timeout: 20000 });
      await page.locator(".results a.card-title").first().waitFor();
      const hrefs = await page.locator(".results a.card-title").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      assert(hrefs.length >= 10, `only ${hrefs.length} results`);
      for (const href of hrefs) {
        assert(href.startsWith(`${SUBPATH}/events/`) && !href.startsWith(`${SUBPATH}${SUBPATH}/`), `result href ${href}`);
        const res = await page.request.get(new URL(href, page.url()).href);
        assert(res.status() === 200, `${href}: HTTP ${res.status()}`);
      }
      const img = await page.locator(".results img.thumb").first().getAttribute("src");
      assert(img === `${SUBPATH}/static/talk.svg`, `placeholder image ${img}`);
      w.assertClean("subpath search page");
    } finally {
      await page.close();
    }
  });

  // The host serves 404.html for a missing page at any depth: its stylesheet and
  // links must not depend on where it is shown.
  await test("subpath: the 404 page, shown three folders deep, has its style and working links", async () => {
    const { page, w } = await open(null);
    try {
      const res = await page.goto(`${base}${SUBPATH}/no/such/talk/`, { waitUntil: "networkidle" });
      assert(res && res.status() === 404, `HTTP ${res && res.status()}`);
      const h1 = (await page.locator("h1").innerText()).trim();
      assert(h1 === "Page not found", `h1 is ${JSON.stringify(h1)}`);
      // The theme's stylesheet applied (its skip link is moved off screen).
      const skipLeft = await page.locator("a.skip").evaluate((a) => a.getBoundingClientRect().left);
      assert(skipLeft < 0, `skip link at x=${skipLeft}: style.css not applied`);
      const hrefs = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.href));
      const here = page.url().split("#")[0];
      for (const href of hrefs.filter((h) => h.startsWith(base) && h.split("#")[0] !== here)) {
        const r = await page.request.get(href);
        assert(r.status() === 200, `404 page links to ${href}: HTTP ${r.status()}`);
      }
      const failed = w.failedLoopback.filter((f) => !f.includes("/no/such/talk/"));
      assert(failed.length === 0, `failed requests:\n  ${failed.join("\n  ")}`);
      assert(w.consoleErrors.every((e) => /404/.test(e)), `console errors:\n  ${w.consoleErrors.join("\n  ")}`);
    } finally {
      await page.close();
    }
  });
}

function SAMPLE_UNDER(p) {
  return SUBPATH + p;
}
