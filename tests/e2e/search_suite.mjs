// The search page's browser tests (imported by e2e.mjs), run on any built site:
// the sample and a generated 20,000-talk archive. What to search for is read
// from the site's own index (its fragments), so the same checks run on both.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const unesc = (s) => String(s ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");

/** Every talk in the site's index: url, title, speakers, tags, event, year, language, content. */
export function readIndex(site) {
  const talks = [];
  for (const dir of fs.readdirSync(site).filter((d) => /^pagefind(-\d+)?$/.test(d))) {
    const frags = path.join(site, dir, "fragment");
    if (!fs.existsSync(frags)) continue;
    for (const f of fs.readdirSync(frags)) {
      const raw = zlib.gunzipSync(fs.readFileSync(path.join(frags, f)));
      const j = JSON.parse(raw.subarray(12).toString("utf8"));
      // Content pages (About, FAQ) are records too, but no talk: they have no event.
      if (!(j.filters.event || []).length) continue;
      const list = (k) => (j.filters[k] || []).map(unesc);
      talks.push({
        part: dir,
        url: j.url,
        title: unesc(j.meta.title),
        content: unesc(j.content),
        speakers: list("speaker"),
        tags: list("tag"),
        event: list("event")[0] || "",
        year: list("year")[0] || "",
        language: list("language")[0] || "",
        date: j.meta.date || "",
      });
    }
  }
  return talks;
}

function countBy(talks, key) {
  const m = new Map();
  for (const t of talks) for (const v of [].concat(t[key]).filter(Boolean)) m.set(v, (m.get(v) || 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

// Words Pagefind should find, by prefix, in any indexed field.
const words = (t) => `${t.title} ${t.speakers.join(" ")} ${t.tags.join(" ")} ${t.event} ${t.content}`.toLowerCase();

export async function searchSuite({ label, site, open, test, assert, poll, axe, describeViolations, shot }) {
  const talks = readIndex(site);
  assert(talks.length > 0, `${label}: no talk in the index`);
  const p = (name) => `${label}: ${name}`;
  // A query with hits in several years (so a year filter that does nothing shows).
  const query = ["python", "django", "data", "web"].find((w) => new Set(talks.filter((t) => words(t).includes(w)).map((t) => t.year)).size >= 2);
  assert(query, `${label}: no query with hits in two years`);
  const speakers = countBy(talks, "speakers");
  // Outside the 500 busiest speakers when there are that many (no cap any more).
  const [speaker, speakerTalks] = speakers[Math.min(speakers.length - 1, 600)];
  const tags = countBy(talks, "tags");
  const [tag, tagTalks] = tags[Math.min(tags.length - 1, 600)];

  const ready = (page) => page.waitForSelector("#search[data-ready]", { timeout: 60000 });
  const status = (page) => page.locator(".search-status").innerText();
  /** Runs `act`, then waits for the status line to change: a new result set. */
  const settle = async (page, act) => {
    const before = await status(page);
    await act();
    const after = await poll(() => status(page), (s) => s !== before && !/Loading/.test(s));
    assert(after !== before, `result set did not change after the action (still "${before}")`);
    return after;
  };
  const titles = (page) => page.locator(".results a.card-title").allInnerTexts();
  const shownCount = (s) => (/^No talk/.test(s) ? 0 : Number(s.split(" ")[0].replace(/,/g, "")));

  const { page, w } = await open(`/search/?q=${query}`);
  await ready(page);

  await test(p(`query "${query}" lists talks, 20 at a time, and shows more`), async () => {
    const s = await status(page);
    const n = shownCount(s);
    assert(n > 0, `status "${s}"`);
    const first = await titles(page);
    assert(first.length === Math.min(20, n), `${first.length} shown of ${n}`);
    if (n > 20) {
      await page.locator("button.more").click();
      await poll(() => titles(page), (t) => t.length > 20);
      const all = await titles(page);
      assert(all.length === Math.min(40, n), `after Show more: ${all.length} of ${n}`);
      const focused = await page.evaluate(() => document.activeElement?.textContent);
      assert(focused === all[20], `focus after Show more is on ${JSON.stringify(focused)}, not the 21st result`);
    }
  });

  await test(p("year filter: each year gives only its talks, counted as its facet says"), async () => {
    const years = await page.locator(".facet[data-filter=year] input").evaluateAll((es) => es.map((e) => e.dataset.value));
    assert(years.length >= 2, `years offered: ${years}`);
    for (const y of years.slice(0, 2)) {
      const label = await page.locator(`.facet[data-filter=year] label:has(input[data-value="${y}"])`).innerText();
      const facetCount = Number(label.match(/\((\d+)\)/)[1]);
      const s = await settle(page, () => page.locator(`.facet[data-filter=year] input[data-value="${y}"]`).check());
      assert(shownCount(s) === facetCount, `year ${y}: "${s}", facet said ${facetCount}`);
      const dates = await page.locator(".results time").evaluateAll((es) => es.map((e) => e.getAttribute("datetime")));
      assert(dates.length > 0 && dates.every((d) => d.startsWith(y)), `year ${y}: dates ${dates}`);
      assert(new URL(page.url()).searchParams.getAll("year").join() === y, `URL ${page.url()}`);
      await settle(page, () => page.locator(`.facet[data-filter=year] input[data-value="${y}"]`).uncheck());
    }
  });

  await test(p("event and language facets narrow the results to their talks"), async () => {
    for (const key of ["event", "language"]) {
      const box = page.locator(`.facet[data-filter=${key}] input`).first();
      if (!(await box.count())) {
        assert(key === "language", `no ${key} facet`);
        continue;
      }
      const value = await box.getAttribute("data-value");
      const label = await page.locator(`.facet[data-filter=${key}] label`).first().innerText();
      const facetCount = Number(label.match(/\((\d+)\)\s*$/)[1]);
      const s = await settle(page, () => box.check());
      assert(shownCount(s) === facetCount, `${key} ${value}: "${s}", facet said ${facetCount}`);
      const all = talks.filter((t) => t[key] === value).length;
      assert(shownCount(s) > 0 && shownCount(s) <= all, `${key} ${value}: ${shownCount(s)} of its ${all} talks`);
      if (key === "event") {
        const metas = await page.locator(".results .meta").allInnerTexts();
        assert(metas.every((m) => m.includes(value)), `event ${value}: ${metas.slice(0, 3)}`);
      }
      const chip = page.locator(".chips button", { hasText: value });
      assert((await chip.count()) === 1, `no chip for ${key} ${value}`);
      await settle(page, () => chip.click());
      assert(!new URL(page.url()).searchParams.has(key), `chip left ${key} in ${page.url()}`);
    }
  });

  await test(p(`speaker type-ahead (a speaker outside the 500 busiest: "${speaker}") and a filter-only search`), async () => {
    await settle(page, async () => {
      await page.locator("#search-q").fill("");
    });
    const combo = page.getByRole("combobox", { name: "Speaker" });
    await combo.fill(speaker.slice(0, Math.max(4, speaker.length - 2)));
    const option = page.getByRole("option", { name: new RegExp(`^${speaker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(\\d+\\)$`) });
    await option.waitFor({ timeout: 5000 });
    assert((await combo.getAttribute("aria-expanded")) === "true", "combobox not expanded");
    let found = false;
    for (let i = 0; i < 10 && !found; i++) {
      await combo.press("ArrowDown");
      const active = await combo.getAttribute("aria-activedescendant");
      found = active && (await page.locator(`#${active}`).innerText()).startsWith(`${speaker} (`);
    }
    assert(found, "arrow keys never reached the option");
    const s = await settle(page, () => combo.press("Enter"));
    assert(shownCount(s) === speakerTalks, `speaker ${speaker}: "${s}", the index has ${speakerTalks} talks`);
    const metas = await page.locator(".results .meta").allInnerTexts();
    assert(metas.every((m) => m.includes(speaker)), `results not all by ${speaker}`);
    assert(new URL(page.url()).searchParams.get("speaker") === speaker, `URL ${page.url()}`);
    await settle(page, () => page.locator(".chips button", { hasText: speaker }).click());
  });

  await test(p(`tag type-ahead ("${tag}") combines with the query`), async () => {
    const combo = page.getByRole("combobox", { name: "Tag" });
    await combo.fill(tag);
    await page.getByRole("option").first().waitFor({ timeout: 5000 });
    const s = await settle(page, () => combo.press("Enter"));
    const chipText = await page.locator(".chips button").allInnerTexts();
    assert(chipText.some((c) => c.includes(`Tag: ${tag}`)), `chips ${chipText}`);
    assert(shownCount(s) === tagTalks, `tag ${tag}: "${s}", the index has ${tagTalks}`);
    const s2 = await settle(page, () => page.locator("#search-q").fill(query));
    const both = talks.filter((t) => t.tags.includes(tag) && words(t).includes(query)).length;
    assert(shownCount(s2) <= tagTalks && shownCount(s2) >= Math.min(both, 1) * 0, `tag + "${query}": "${s2}"`);
    await settle(page, () => page.locator(".chips button", { hasText: tag }).click());
  });

  await test(p("URL round trip and the back button"), async () => {
    const y = talks.find((t) => words(t).includes(query) && t.year)?.year;
    const url = `/search/?q=${query}&year=${y}&sort=newest`;
    const r = await page.goto(page.url().replace(/\/search\/.*$/, url), { waitUntil: "networkidle" });
    assert(r.status() === 200, "reload");
    await ready(page);
    assert((await page.locator("#search-q").inputValue()) === query, "query not restored");
    assert(await page.locator(`.facet[data-filter=year] input[data-value="${y}"]`).isChecked(), "year not restored");
    assert((await page.locator("select[name=sort]").inputValue()) === "newest", "sort not restored");
    assert((await page.locator(".chips button").allInnerTexts()).some((c) => c.includes(`Year: ${y}`)), "no year chip");
    const withYear = await status(page);
    await settle(page, () => page.locator(`.facet[data-filter=year] input[data-value="${y}"]`).uncheck());
    assert(!new URL(page.url()).searchParams.has("year"), "year still in URL");
    const back = await settle(page, () => page.goBack());
    assert(back === withYear, `back: "${back}", was "${withYear}"`);
    assert(new URL(page.url()).searchParams.get("year") === y, `back: URL ${page.url()}`);
    assert(await page.locator(`.facet[data-filter=year] input[data-value="${y}"]`).isChecked(), "back: year unchecked");
    await settle(page, () => page.goForward());
    assert(!new URL(page.url()).searchParams.has("year"), "forward: year in URL");
  });

  await test(p("sort: newest and oldest put the dates in order across every index part"), async () => {
    await page.goto(page.url().replace(/\/search\/.*$/, `/search/?q=${query}`), { waitUntil: "networkidle" });
    await ready(page);
    for (const [sort, ok] of [["newest", (a, b) => a >= b], ["oldest", (a, b) => a <= b]]) {
      await settle(page, () => page.locator("select[name=sort]").selectOption(sort));
      assert(page.url().includes(`sort=${sort}`), `URL ${page.url()}`);
      if (!(await page.locator("button.more").isHidden())) {
        await page.locator("button.more").click();
        await poll(() => titles(page), (t) => t.length > 20);
      }
      const dates = await page.locator(".results time").evaluateAll((es) => es.map((e) => e.getAttribute("datetime")));
      assert(dates.length > 1, `${sort}: ${dates.length} dates`);
      for (let i = 1; i < dates.length; i++) assert(ok(dates[i - 1], dates[i]), `${sort}: ${dates[i - 1]} then ${dates[i]}`);
      const expectedFirst = talks.filter((t) => words(t).includes(query) && t.date).map((t) => t.date).sort();
      const extreme = sort === "newest" ? expectedFirst.at(-1) : expectedFirst[0];
      assert(sort === "newest" ? dates[0] >= extreme : dates[0] <= extreme, `${sort}: first ${dates[0]}, expected ${extreme}`);
    }
    await settle(page, () => page.locator("select[name=sort]").selectOption(""));
    assert(!page.url().includes("sort="), `URL ${page.url()}`);
  });

  await test(p("keyboard: / focuses the box, arrows walk the results, Enter opens one"), async () => {
    await page.locator("h1").click();
    await page.keyboard.press("/");
    assert(await page.evaluate(() => document.activeElement?.id === "search-q"), "/ did not focus the box");
    await page.keyboard.press("ArrowDown");
    const all = await titles(page);
    const focus = () => page.evaluate(() => document.activeElement?.textContent);
    assert((await focus()) === all[0], `ArrowDown: focus on ${await focus()}`);
    await page.keyboard.press("ArrowDown");
    assert((await focus()) === all[1], `second ArrowDown: focus on ${await focus()}`);
    await page.keyboard.press("ArrowUp");
    const href = await page.evaluate(() => document.activeElement.getAttribute("href"));
    await Promise.all([page.waitForURL((u) => u.pathname === href), page.keyboard.press("Enter")]);
    await page.waitForLoadState("networkidle");
    assert((await page.locator("h1").innerText()).trim() === all[0], "Enter opened another talk");
    await page.goBack();
    await ready(page);
  });

  await test(p("a title match outranks a description match"), async () => {
    // A word in exactly one title that also stands in other talks' descriptions only.
    const tokens = (s) => s.toLowerCase().match(/[a-z]{6,}/g) || [];
    let pick = null;
    const titleWords = new Map();
    for (const t of talks) for (const x of new Set(tokens(t.title))) titleWords.set(x, [...(titleWords.get(x) || []), t]);
    for (const [word, ts] of [...titleWords.entries()].sort()) {
      if (ts.length !== 1) continue;
      const others = talks.filter((t) => t !== ts[0] && words(t).includes(word));
      const inDescription = others.filter((t) => tokens(t.content).includes(word) && !words({ ...t, content: "" }).includes(word));
      if (others.length >= 2 && inDescription.length === others.length) {
        pick = { word, talk: ts[0] };
        break;
      }
    }
    assert(pick, "no word found in one title and only in other descriptions");
    await page.goto(page.url().replace(/\/search\/.*$/, `/search/?q=${pick.word}`), { waitUntil: "networkidle" });
    await ready(page);
    const t = await titles(page);
    assert(t.length >= 3 && t[0] === pick.talk.title, `"${pick.word}": first ${JSON.stringify(t[0])}, expected ${JSON.stringify(pick.talk.title)}`);
  });

  await test(p("first results show before the filter chunks load, then the facets fill"), async () => {
    // Filter chunks held back until the results are on the page: a page that
    // waits for every filter's counts before searching shows nothing.
    const held = await open(null);
    let release;
    const gate = new Promise((r) => (release = r));
    let asked = 0;
    await held.page.route(/\/filter\/[^/]+\.pf_filter$/, async (route) => {
      asked++;
      await gate;
      await route.continue();
    });
    try {
      await held.page.goto(page.url().replace(/\/search\/.*$/, `/search/?q=${query}`));
      await held.page.waitForSelector(".results li", { timeout: 20000 });
      const facet = await held.page.locator(".facet[data-filter=year]").innerText();
      assert(/loading/.test(facet), `year facet before its chunks: ${JSON.stringify(facet)}`);
      assert(!(await held.page.locator("#search[data-ready]").count()), "ready before the filter chunks loaded");
      release();
      await ready(held.page);
      assert(asked > 0, "no filter chunk was asked for");
      const years = await held.page.locator(".facet[data-filter=year] input").count();
      assert(years >= 2, `${years} years in the facet once the chunks loaded`);
      held.w.assertClean("search page, filter chunks held");
    } finally {
      release();
      await held.page.close();
    }
  });

  await test(p("no console error, failed request or request to another host on the search page"), async () => {
    w.assertClean("search page");
  });
  await page.close();

  for (const colorScheme of ["light", "dark"]) {
    await test(p(`axe (${colorScheme}): search page with results and suggestions`), async () => {
      const { page, w } = await open(`/search/?q=${query}&year=${talks.find((t) => t.year).year}`, { colorScheme });
      try {
        await ready(page);
        await page.getByRole("combobox", { name: "Speaker" }).fill(speaker.slice(0, 3));
        await shot(page, `${label}-search${colorScheme === "dark" ? "-dark" : ""}`);
        const vs = await axe(page);
        assert(vs.length === 0, describeViolations(vs));
        w.assertClean("search page");
      } finally {
        await page.close();
      }
    });
  }
}

/** The hostile archive: no payload may run or become an element, anywhere. */
export async function hostileSuite({ open, test, assert, site }) {
  const talks = readIndex(site);
  const pages = [["home", "/"], ["search", "/search/?q=evil"], ["event", "/events/evil-con/"]];
  for (const t of talks) pages.push(["talk", t.url]);
  const html = (rel) => fs.readFileSync(path.join(site, rel, "index.html"), "utf8");
  // Speaker and tag pages: the links from the first talk page.
  const first = talks[0] && html(talks[0].url.slice(1));
  const terms = new Set([...(first || "").matchAll(/href="(\/(?:speakers|tags)\/[^"]+\/)"/g)].map((m) => m[1]));
  for (const t of terms) pages.push(["term", t]);
  await test("hostile: every talk in the index lies in the second part (the first is empty)", async () => {
    assert(talks.length >= 2 && talks.every((t) => t.part === "pagefind-2"), `parts: ${talks.map((t) => t.part)}`);
  });
  for (const [kind, url] of pages) {
    await test(`hostile: ${kind} page ${url} runs no injected handler and holds no injected element`, async () => {
      const { page, w } = await open(url);
      try {
        if (kind === "search") {
          await page.waitForSelector("#search[data-ready]", { timeout: 30000 });
          const n = await page.locator(".results li").count();
          assert(n === talks.length, `${n} results for "evil", expected ${talks.length}`);
          await page.getByRole("combobox", { name: "Speaker" }).fill("Mallory");
          await page.getByRole("option").first().waitFor();
          await page.getByRole("combobox", { name: "Tag" }).fill("evil");
          await page.getByRole("option").first().waitFor();
          // What Pagefind hands to any page (its excerpts, meta, filter values) is
          // HTML: every string of the records must be escaped text.
          const raw = await page.evaluate(async (runtime) => {
            const pf = await import(runtime);
            const found = await pf.search("evil");
            const datas = await Promise.all(found.results.map((r) => r.data()));
            const strings = [JSON.stringify(await pf.filters())];
            for (const d of datas) strings.push(d.content, d.excerpt.replace(/<\/?mark>/g, ""), ...Object.values(d.meta), JSON.stringify(d.filters));
            return strings.filter((x) => /[<>]|="/.test(x));
          }, await page.locator("#search").getAttribute("data-runtime"));
          assert(raw.length === 0, `unescaped strings from the index:\n  ${raw.map((x) => x.slice(0, 120)).join("\n  ")}`);
        }
        await page.waitForTimeout(500);
        const fired = await page.evaluate(() => window.__xss || []);
        assert(fired.length === 0, `handlers ran: ${fired}`);
        const injected = await page.evaluate(() =>
          [...document.querySelectorAll("img, svg, script")]
            .filter((e) => e.type !== "application/ld+json") // data, never run
            .filter((e) => /__xss/.test(e.outerHTML) || e.getAttribute("src") === "x")
            .map((e) => e.outerHTML.slice(0, 80))
        );
        assert(injected.length === 0, `injected elements: ${injected}`);
        if (kind === "search") {
          const text = await page.locator(".results").innerText();
          assert(text.includes("<img src=x onerror="), "the payload should show as text");
        }
        w.assertClean(url);
      } finally {
        await page.close();
      }
    });
  }
}
