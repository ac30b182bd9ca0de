// The search page: podium's own UI on Pagefind's JavaScript API (pagefind.js).
// No framework. Every talk field reaches the page through textContent: the
// index holds them as escaped HTML text (src/search.rs), decoded here first.
// Pagefind's excerpt is the one piece of markup used, and only its <mark>s.
//
// State lives in the URL: ?q=, one parameter per applied filter with the value
// as shown (speaker=Matt%20Spitz), and sort=newest|oldest.
const root = document.getElementById("search");
const PAGE = 20;
const FILTERS = { speaker: "Speaker", tag: "Tag", year: "Year", event: "Event", language: "Language" };
// Facets where one talk has one value: picking several widens the search.
const ANY = new Set(["year", "event", "language"]);
const EVENTS_SHOWN = 10;
const SUGGESTIONS = 10;

/** The escaping of src/search.rs (`html_escape::encode_quoted_attribute`), and back. */
const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
const unesc = (s) => String(s ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

/** Pagefind's excerpt as nodes: text decoded, <mark> kept, nothing else. */
function excerptNodes(html) {
  const out = [];
  const parts = String(html).split(/(<mark>|<\/mark>)/);
  let marked = false;
  for (const p of parts) {
    if (p === "<mark>") marked = true;
    else if (p === "</mark>") marked = false;
    else if (p) out.push(marked ? el("mark", { text: unesc(p) }) : document.createTextNode(unesc(p)));
  }
  return out;
}

function hms(seconds) {
  const s = Number(seconds);
  if (!(s > 0)) return "";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = Math.floor(s % 60);
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

const dateFormat = new Intl.DateTimeFormat("en", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
function humanDate(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  return isNaN(d) ? iso : dateFormat.format(d);
}

// ------------------------------------------------------------------ state

function readUrl() {
  const p = new URLSearchParams(location.search);
  const filters = {};
  for (const k of Object.keys(FILTERS)) filters[k] = [...new Set(p.getAll(k).filter(Boolean))];
  const sort = ["newest", "oldest"].includes(p.get("sort")) ? p.get("sort") : "";
  return { q: p.get("q") || "", filters, sort };
}

function toUrl(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  for (const k of Object.keys(FILTERS)) for (const v of s.filters[k]) p.append(k, v);
  if (s.sort) p.set("sort", s.sort);
  const qs = p.toString().replace(/\+/g, "%20");
  return location.pathname + (qs ? `?${qs}` : "");
}

const hasFilters = (s) => Object.values(s.filters).some((vs) => vs.length);

// ------------------------------------------------------------------ main

async function start() {
  if (!root || !root.dataset.runtime) return;
  const parts = (root.dataset.parts || "").split(" ").filter(Boolean);
  const form = root.querySelector(".search-form");
  const layout = root.querySelector(".search-layout");
  const box = form.querySelector("input");
  const status = root.querySelector(".search-status");
  const list = root.querySelector(".results");
  const more = root.querySelector(".more");
  const chips = root.querySelector(".chips");
  const sortSelect = root.querySelector("select[name=sort]");
  form.hidden = false;
  layout.hidden = false;
  form.setAttribute("aria-label", "Talk search");

  let state = readUrl();
  box.value = state.q;
  sortSelect.value = state.sort;
  const header = document.getElementById("site-search");
  if (header) header.value = state.q;

  if (!parts.length) {
    status.textContent = "The archive has no talks to search.";
    return;
  }
  status.textContent = "Loading the search index…";

  const pagefind = await import(root.dataset.runtime);
  // Title words outrank speakers, tags and event, which outrank the description.
  const ranking = { metaWeights: { title: 10, speakers: 7, tags: 5, event: 4 } };
  // The recorded URLs already start with the site's base path (`/archive/…`);
  // Pagefind would otherwise prefix them with the folder above each index part
  // (`/archive/archive/…` for a site served under a path).
  const baseUrl = "/";
  await pagefind.options({ basePath: parts[0], baseUrl, excerptLength: 28, ranking });
  await pagefind.init();
  // Each merged part's scores carry a tiny factor of its own, so that a result
  // sorted by date can be told apart by its part (see sortedQueues).
  const weights = parts.map((_, i) => 1 + i / 2 ** 20);
  await Promise.all(parts.slice(1).map((p, i) => pagefind.mergeIndex(p, { baseUrl, indexWeight: weights[i + 1], ranking })));

  // The filter values and counts need every filter chunk of every part: they
  // are loaded after the first results show (see loadFilters), not before.
  let totals = {};
  let filtersReady = false;
  // Every value of every filter, decoded, with its lower-case form for matching.
  const values = {};
  for (const k of Object.keys(FILTERS)) values[k] = [];

  let gen = 0;
  let counts = totals; // filter counts that follow the query and the filters
  let results = []; // relevance order
  let queues = null; // newest/oldest: one queue per part, see sortedQueues
  let shown = 0;
  let typing = false; // the current history entry is being typed into

  function pagefindFilters() {
    const f = {};
    for (const [k, vs] of Object.entries(state.filters)) {
      if (!vs.length) continue;
      f[k] = ANY.has(k) ? { any: vs.map(esc) } : { all: vs.map(esc) };
    }
    return f;
  }

  // Sorted by date, each part's results come in order, but Pagefind merges the
  // parts by score, which is then a position within one part: results are split
  // back into their parts (by the score's factor) and merged by their dates.
  function sortedQueues(rs) {
    const qs = parts.map(() => []);
    const singles = [];
    for (const r of rs) {
      const i = r.score === 0 ? -1 : weights.findIndex((w) => Math.abs(r.score / w - Math.round(r.score / w)) < 1e-9);
      if (i < 0) singles.push([r]);
      else qs[i].push(r);
    }
    for (const q of qs) q.sort((a, b) => b.score - a.score);
    return [...qs.filter((q) => q.length), ...singles];
  }

  const data = (r) => (r.loaded ||= r.data());
  const dateOf = (d) => d.meta.date || "0000-00-00";

  async function nextPage() {
    if (!queues) return Promise.all(results.slice(shown, shown + PAGE).map(data));
    const page = [];
    const newest = state.sort === "newest";
    while (page.length < PAGE) {
      const live = queues.filter((q) => q.length);
      if (!live.length) break;
      const heads = await Promise.all(live.map((q) => data(q[0])));
      let best = 0;
      for (let i = 1; i < heads.length; i++) {
        const a = dateOf(heads[i]), b = dateOf(heads[best]);
        if (newest ? a > b : a < b) best = i;
      }
      page.push(heads[best]);
      live[best].shift();
    }
    return page;
  }

  function card(d) {
    const m = d.meta;
    const meta = el("p", { class: "meta" });
    const bits = [];
    if (m.speakers) bits.push(unesc(m.speakers));
    if (m.event) bits.push(unesc(m.event));
    meta.append(bits.join(" · "));
    if (m.date) {
      if (bits.length) meta.append(" · ");
      meta.append(el("time", { datetime: unesc(m.date), text: humanDate(unesc(m.date)) }));
    }
    if (m.duration) meta.append(` · ${hms(m.duration)}`);
    const excerpt = d.excerpt ? el("p", { class: "excerpt" }, ...excerptNodes(d.excerpt)) : null;
    return el(
      "li",
      { class: "card result" },
      el("img", { src: root.dataset.talkImage, alt: "", width: 96, height: 54, loading: "lazy", class: "thumb" }),
      el("div", {}, el("a", { class: "card-title", href: d.url, text: unesc(m.title) }), meta, excerpt)
    );
  }

  async function showMore(focusFirst) {
    const my = gen;
    more.disabled = true;
    const page = await nextPage();
    if (my !== gen) return;
    const items = page.map(card);
    list.append(...items);
    shown += page.length;
    more.disabled = false;
    more.hidden = shown >= total();
    if (focusFirst && items[0]) items[0].querySelector("a").focus();
  }

  const total = () => (queues ? shown + queues.reduce((n, q) => n + q.length, 0) : results.length);

  function describe(n) {
    const what = n === 1 ? "1 talk" : `${n.toLocaleString("en")} talks`;
    const applied = Object.entries(state.filters).flatMap(([k, vs]) => vs.map((v) => `${FILTERS[k].toLowerCase()} ${v}`));
    const q = state.q.trim() ? ` for “${state.q.trim()}”` : "";
    const f = applied.length ? ` with ${applied.join(", ")}` : "";
    const order = state.sort ? ` ${state.sort === "newest" ? "Newest" : "Oldest"} first.` : "";
    return n ? `${what}${q}${f}.${order}` : `No talk found${q}${f}.`;
  }

  const searchOptions = () => {
    const opts = { filters: pagefindFilters() };
    if (state.sort) opts.sort = { date: state.sort === "newest" ? "desc" : "asc" };
    return opts;
  };

  async function run({ debounce = false } = {}) {
    const my = ++gen;
    renderChips();
    const term = state.q.trim();
    if (!term && !hasFilters(state)) {
      results = [];
      queues = null;
      counts = totals;
      list.replaceChildren();
      more.hidden = true;
      shown = 0;
      status.textContent = "Type a few words, or pick a speaker, tag, year, event or language.";
      renderFacets();
      return;
    }
    // A search started before every filter chunk was in counts only some filters.
    const complete = filtersReady;
    const opts = searchOptions();
    const search = debounce ? await pagefind.debouncedSearch(term || null, opts, 120) : await pagefind.search(term || null, opts);
    if (my !== gen || !search) return;
    if (complete) counts = search.filters;
    results = search.results;
    queues = state.sort ? sortedQueues(results) : null;
    shown = 0;
    const first = await nextPage();
    if (my !== gen) return;
    list.replaceChildren(...first.map(card));
    shown = first.length;
    more.hidden = shown >= total();
    status.textContent = describe(results.length);
    if (complete) renderFacets();
  }

  // Every filter chunk, then the counts of the search on show (its chunks are
  // loaded by now, so searching again only counts).
  async function loadFilters() {
    totals = await pagefind.filters();
    for (const k of Object.keys(FILTERS)) {
      values[k] = Object.keys(totals[k] || {}).map((raw) => {
        const name = unesc(raw);
        return { raw, name, lower: name.toLowerCase() };
      });
    }
    filtersReady = true;
    const my = gen;
    const term = state.q.trim();
    const search = term || hasFilters(state) ? await pagefind.search(term || null, searchOptions()) : null;
    if (my !== gen) return; // a newer search has counted everything itself
    counts = search ? search.filters : totals;
    renderFacets();
    for (const refresh of suggesters) refresh();
  }

  function commit(push) {
    const url = toUrl(state);
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  function toggle(key, value, on) {
    const vs = state.filters[key];
    const has = vs.includes(value);
    if (on && !has) vs.push(value);
    if (!on && has) vs.splice(vs.indexOf(value), 1);
    typing = false;
    commit(true);
    run();
  }

  // ---------------------------------------------------------------- facets

  let allEvents = false;
  function renderFacets() {
    for (const fs of root.querySelectorAll(".facet")) {
      if (!filtersReady) {
        fs.querySelector("ul").replaceChildren(el("li", { class: "count", text: "loading…" }));
        continue;
      }
      const key = fs.dataset.filter;
      const ul = fs.querySelector("ul");
      const active = document.activeElement;
      const focused = fs.contains(active) ? active.dataset.value ?? active.className : null;
      const c = counts[key] || {};
      const chosen = state.filters[key];
      let rows = values[key].filter((v) => (c[v.raw] || 0) > 0 || chosen.includes(v.name));
      if (key === "year") rows.sort((a, b) => b.name.localeCompare(a.name));
      else rows.sort((a, b) => (c[b.raw] || 0) - (c[a.raw] || 0) || a.name.localeCompare(b.name));
      const hidden = key === "event" && !allEvents ? Math.max(0, rows.length - EVENTS_SHOWN) : 0;
      if (hidden) rows = rows.filter((v, i) => i < EVENTS_SHOWN || chosen.includes(v.name));
      const items = rows.map((v) => {
        const input = el("input", { type: "checkbox", "data-value": v.name, checked: chosen.includes(v.name) });
        input.addEventListener("change", () => toggle(key, v.name, input.checked));
        return el("li", {}, el("label", {}, input, ` ${v.name} `, el("span", { class: "count", text: `(${c[v.raw] || 0})` })));
      });
      if (!rows.length) items.push(el("li", { class: "count", text: "none" }));
      if (key === "event" && (hidden || allEvents) && rows.length > EVENTS_SHOWN) {
        const b = el("button", { type: "button", class: "link toggle-all", text: allEvents ? "Show fewer events" : `Show all ${rows.length + hidden} events` });
        b.addEventListener("click", () => {
          allEvents = !allEvents;
          renderFacets();
        });
        items.push(el("li", {}, b));
      }
      ul.replaceChildren(...items);
      if (focused != null) {
        const again = [...ul.querySelectorAll("input, button")].find((e) => (e.dataset.value ?? e.className) === focused);
        if (again) again.focus();
      }
    }
  }

  // ------------------------------------------------------------ chips

  function renderChips() {
    const items = [];
    for (const [k, vs] of Object.entries(state.filters)) {
      for (const v of vs) {
        const b = el("button", { type: "button", class: "chip", "aria-label": `Remove filter ${FILTERS[k]}: ${v}` }, `${FILTERS[k]}: ${v} `, el("span", { "aria-hidden": "true", text: "×" }));
        b.addEventListener("click", () => {
          const next = b.parentElement.nextElementSibling?.querySelector("button");
          toggle(k, v, false);
          (next || box).focus();
        });
        items.push(el("li", {}, b));
      }
    }
    chips.replaceChildren(...items);
    chips.hidden = !items.length;
  }

  // ------------------------------------------------ speaker and tag comboboxes
  // The WAI-ARIA combobox pattern: a text box with a listbox of suggestions,
  // every value of the filter, with the counts of the current search.

  const suggesters = []; // suggestions typed before the filters loaded are redone
  for (const wrap of root.querySelectorAll(".combo")) {
    const key = wrap.dataset.filter;
    const id = `filter-${key}`;
    const input = el("input", {
      id, type: "text", role: "combobox", autocomplete: "off", spellcheck: "false",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `${id}-list`,
      placeholder: `Any ${wrap.dataset.label.toLowerCase()}`,
    });
    const listbox = el("ul", { id: `${id}-list`, role: "listbox", "aria-label": `${wrap.dataset.label}s`, class: "suggestions", hidden: true });
    wrap.append(el("label", { for: id, text: wrap.dataset.label }), input, listbox);
    let options = [];
    let active = -1;

    const close = () => {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const mark = (i) => {
      active = i;
      listbox.querySelectorAll("[role=option]").forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", `${id}-opt-${i}`);
        listbox.children[i].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    };
    const choose = (i) => {
      const v = options[i];
      if (!v) return;
      input.value = "";
      close();
      toggle(key, v.name, true);
    };
    const suggest = () => {
      const needle = input.value.trim().toLowerCase();
      if (!needle) return close();
      const c = counts[key] || {};
      const chosen = state.filters[key];
      const found = [];
      for (const v of values[key]) {
        const n = c[v.raw] || 0;
        if (!n || chosen.includes(v.name)) continue;
        const at = v.lower.indexOf(needle);
        if (at < 0) continue;
        const word = at === 0 ? 0 : /\s/.test(v.lower[at - 1]) ? 1 : 2;
        found.push({ v, n, word });
      }
      found.sort((a, b) => a.word - b.word || b.n - a.n || a.v.name.localeCompare(b.v.name));
      options = found.slice(0, SUGGESTIONS).map((f) => f.v);
      const items = found.slice(0, SUGGESTIONS).map((f, i) => {
        const li = el("li", { id: `${id}-opt-${i}`, role: "option", "aria-selected": "false" }, `${f.v.name} `, el("span", { class: "count", text: `(${f.n})` }));
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          choose(i);
        });
        return li;
      });
      if (!items.length) items.push(el("li", { class: "count", role: "option", "aria-disabled": "true", text: filtersReady ? "no match" : "loading…" }));
      listbox.replaceChildren(...items);
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    };
    suggesters.push(() => document.activeElement === input && suggest());
    input.addEventListener("input", suggest);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (listbox.hidden) suggest();
        if (!options.length) return;
        e.preventDefault();
        const n = options.length;
        mark(e.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
      } else if (e.key === "Enter") {
        e.preventDefault();
        choose(active >= 0 ? active : 0);
      } else if (e.key === "Escape") {
        if (!listbox.hidden) close();
        else input.value = "";
      }
    });
  }

  // ------------------------------------------------------------ events

  box.addEventListener("input", () => {
    state.q = box.value;
    commit(!typing);
    typing = true;
    if (header) header.value = state.q;
    run({ debounce: true });
  });
  box.addEventListener("blur", () => (typing = false));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    typing = false;
    run();
  });
  sortSelect.addEventListener("change", () => {
    state.sort = sortSelect.value;
    typing = false;
    commit(true);
    run();
  });
  more.addEventListener("click", () => showMore(true));
  window.addEventListener("popstate", () => {
    state = readUrl();
    box.value = state.q;
    sortSelect.value = state.sort;
    if (header) header.value = state.q;
    typing = false;
    run();
  });

  // Keyboard: "/" goes to the box; arrows move from the box through the results.
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const editing = t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (e.key === "/" && !editing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      box.focus();
      box.select();
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const links = [...list.querySelectorAll("a.card-title")];
    const at = links.indexOf(t);
    if (t === box && e.key === "ArrowDown" && links.length) {
      e.preventDefault();
      links[0].focus();
    } else if (at >= 0) {
      e.preventDefault();
      const next = at + (e.key === "ArrowDown" ? 1 : -1);
      if (next < 0) box.focus();
      else if (next < links.length) links[next].focus();
      else if (!more.hidden) more.focus();
    }
  });

  renderFacets();
  await run();
  await loadFilters();
  root.dataset.ready = "true";
}

start().catch((e) => {
  const status = root && root.querySelector(".search-status");
  if (status) status.textContent = "Search could not start: the index did not load.";
  console.error(e);
});
