/* Cloze questions on the attempt page: reads the answer of every gap (typed text, the
   option chosen in a list or among radio buttons, the options ticked) as
   {gaps: {gap id: text | token | [tokens]}}, and writes a saved answer back. Typing in a
   gap saves after a pause of a second, through attempt.js; choosing saves at once (the
   question's change event). Registers read/write for attempt.js. No framework. */
(function () {
  "use strict";
  var registry = window.lmsQuestionTypes = window.lmsQuestionTypes || {};
  var PAUSE = 1000;

  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }
  function gaps(question) { return question.querySelectorAll("[data-gap]"); }

  function readGap(gap) {
    var control = gap.getAttribute("data-gap-control");
    if (control === "text" || control === "select") { return gap.value; }
    if (control === "radio") {
      var chosen = gap.querySelector("input:checked");
      return chosen ? chosen.value : null;
    }
    return Array.prototype.map.call(gap.querySelectorAll("input:checked"), function (i) { return i.value; });
  }

  function writeGap(gap, value) {
    var control = gap.getAttribute("data-gap-control");
    if (control === "text" || control === "select") {
      gap.value = typeof value === "string" ? value : "";
      return;
    }
    var chosen = Array.isArray(value) ? value : (typeof value === "string" ? [value] : []);
    each(gap.querySelectorAll("input"), function (input) { input.checked = chosen.indexOf(input.value) !== -1; });
  }

  registry.cloze = {
    read: function (question) {
      var answer = {};
      each(gaps(question), function (gap) { answer[gap.getAttribute("data-gap")] = readGap(gap); });
      return {gaps: answer};
    },
    write: function (question, answer) {
      var saved = (answer && answer.gaps) || {};
      each(gaps(question), function (gap) { writeGap(gap, saved[gap.getAttribute("data-gap")]); });
    }
  };

  function setUp(question) {
    var timer = null;
    question.addEventListener("input", function (event) {
      if (!event.target.matches || !event.target.matches("input[type=text][data-gap]")) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () { question.dispatchEvent(new Event("change", {bubbles: true})); }, PAUSE);
    });
    // The text's own change event (leaving the gap) saves at once: no second save later.
    question.addEventListener("change", function () { clearTimeout(timer); }, true);
  }

  function start() { each(document.querySelectorAll("[data-question][data-type=cloze]"), setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
