/* The API documentation page (templates/api/swagger_ui.html): Swagger UI draws its forms
   and examples after load, and leaves two accessibility gaps this script closes as they
   appear: the select of a "Try it out" parameter (true/false, enums) has no name, so it
   takes the parameter's name; an example that scrolls gets a tab stop, so the keyboard
   can scroll it. No inline script: the site's CSP allows none. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root) return;

  function fix() {
    var selects = root.querySelectorAll("tr[data-param-name] select:not([aria-label])");
    for (var i = 0; i < selects.length; i++) {
      var row = selects[i].closest("tr[data-param-name]");
      selects[i].setAttribute("aria-label", row.getAttribute("data-param-name"));
    }
    var examples = root.querySelectorAll(".highlight-code > .microlight:not([tabindex])");
    for (var j = 0; j < examples.length; j++) {
      var example = examples[j];
      if (example.scrollHeight > example.clientHeight || example.scrollWidth > example.clientWidth) {
        example.setAttribute("tabindex", "0");
      }
    }
  }

  var pending = null;
  new MutationObserver(function () {
    if (pending) return;
    pending = window.requestAnimationFrame(function () {
      pending = null;
      fix();
    });
  }).observe(root, { childList: true, subtree: true });
})();
