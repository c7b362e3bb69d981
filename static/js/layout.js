/* Site layout on small screens (templates/base.html, static/css/layout.css).

   1. The header's menu button. Without this script the button stays hidden and the
      language switcher and the navigation simply stack under the brand. With it, on a
      narrow screen (the media query in layout.css) they fold behind the button, a
      disclosure: aria-expanded tells its state, Escape closes it and gives focus back
      to the button. The button's label comes translated from the template.
   2. Tables wider than their container scroll inside it (.table-wrap). A keyboard user
      must be able to reach such a scroller, so while it overflows it is a focusable,
      named region (named after the table's caption). Charts never scroll: a phone gets
      their narrow drawing (lms/tracking/charts.py, static/css/charts.css).

   No inline script or style anywhere: the site's CSP allows neither. */
(function () {
  "use strict";

  function setUpMenu() {
    var button = document.querySelector("[data-menu-button]");
    var header = button && button.closest(".site-header");
    if (!header) return;
    header.classList.add("has-menu");

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    }

    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      if (getComputedStyle(button).display === "none") return;
      setOpen(false);
      button.focus();
    });
  }

  function regionName(wrap) {
    var caption = wrap.querySelector("caption") || (wrap.closest("figure") || wrap).querySelector("figcaption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = wrap.closest("[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    return heading ? heading.textContent.trim() : "";
  }

  function markScrollers() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      var name = scrolls ? regionName(wrap) : "";
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("data-scroller", "");
        if (name) {
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", name);
        }
      } else if (!scrolls && wrap.hasAttribute("data-scroller")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("data-scroller");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }

  function start() {
    setUpMenu();
    markScrollers();
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.cancelAnimationFrame(pending);
      pending = window.requestAnimationFrame(markScrollers);
    });
    // A table in a closed <details> (the charts' numbers) has no width until it opens.
    document.addEventListener("toggle", markScrollers, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
