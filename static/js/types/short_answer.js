/* Short-answer questions on the attempt page: the typed text is the answer. It is saved
   when the officer leaves the field (the change event, through attempt.js), after a pause
   in typing, and before the attempt is submitted (attempt.js sends what changed since the
   last save). Registers read/write for attempt.js. */
(function () {
  "use strict";
  var registry = window.lmsQuestionTypes = window.lmsQuestionTypes || {};
  var PAUSE = 1500;

  function field(question) { return question.querySelector("input[data-short-answer]"); }

  registry.short_answer = {
    read: function (question) { return {text: field(question).value}; },
    write: function (question, answer) {
      field(question).value = answer && typeof answer.text === "string" ? answer.text : "";
    }
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-question][data-type=short_answer]"), function (question) {
      var input = field(question);
      var timer = null;
      var sent = input.value;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          if (input.value === sent) { return; }
          sent = input.value;
          question.dispatchEvent(new Event("change", {bubbles: true}));
        }, PAUSE);
      });
      input.addEventListener("change", function () { clearTimeout(timer); sent = input.value; });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
