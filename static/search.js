// Search page: Pagefind's UI, started with the ?q= query, which is kept in the URL
// as the reader types so results can be linked.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  if (typeof PagefindUI === "undefined") {
    box.insertAdjacentHTML("beforeend", "<p>The search index is not part of this build.</p>");
    return;
  }
  // Large archives are indexed in parts (pagefind/, pagefind-2/, ...): merged here.
  var merge = (box.dataset.merge || "").split(" ").filter(Boolean).map(function (path) {
    return { bundlePath: path };
  });
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: box.dataset.bundle,
    mergeIndex: merge,
    showImages: true,
    showSubResults: false,
    resetStyles: false,
    translations: { placeholder: "Search talks" }
  });
  var q = new URLSearchParams(location.search).get("q") || "";
  var input = box.querySelector("input");
  if (input) {
    input.setAttribute("aria-label", "Search talks");
    input.addEventListener("input", function () {
      var url = new URL(location.href);
      if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
      history.replaceState(null, "", url);
    });
  }
  if (q) ui.triggerSearch(q);
  var header = document.getElementById("site-search");
  if (header) header.value = q;
})();
