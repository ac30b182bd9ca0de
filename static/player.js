// Click-to-load video players: a talk page makes no third-party request until
// the reader asks for the video. Without JavaScript the facade stays a plain link.
(function () {
  "use strict";
  document.querySelectorAll("a.facade[data-embed]").forEach(function (link) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "facade";
    button.setAttribute("aria-label", "Play: " + (link.dataset.title || "video"));
    while (link.firstChild) button.appendChild(link.firstChild);
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      var src = link.dataset.embed;
      if (!/^https:\/\//.test(src)) return;
      frame.src = src + (src.indexOf("?") < 0 ? "?" : "&") + "autoplay=1";
      frame.title = "Video: " + (link.dataset.title || "");
      frame.width = "640";
      frame.height = "360";
      frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
      frame.allowFullscreen = true;
      frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
      button.replaceWith(frame);
      frame.focus();
    });
    link.replaceWith(button);
  });
})();
