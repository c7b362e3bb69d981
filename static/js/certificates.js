/* "Copy verification link" buttons on My certificates. Without JavaScript (or without
   the Clipboard API) the buttons stay hidden and the link remains in a read-only field
   that can be selected and copied by hand. No framework. */
(function () {
  "use strict";
  var each = function (selector, callback) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), callback);
  };

  // Selecting the whole link on focus helps those who copy it by hand.
  each(".copy-link input[readonly]", function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });

  if (!navigator.clipboard || !window.isSecureContext) { return; }

  function say(button, text) {
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (status) { status.textContent = text; }
  }

  each("button[data-copy]", function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        say(button, button.getAttribute("data-copied"));
      }, function () {
        field.focus();
        say(button, button.getAttribute("data-failed"));
      });
    });
  });
}());
