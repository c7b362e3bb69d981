/* The short-answer part of the question editor: accepted answers (text, credit, feedback
   per language) and how typed answers are compared. Registers with question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};
  var FLAGS = ["case_sensitive", "ignore_accents", "ignore_spaces"];

  types.short_answer = {
    partialCredit: true,
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      if (!Array.isArray(data.answers)) { data.answers = []; }
      var feedback = ctx.texts.answers = ctx.isObj(ctx.texts.answers) ? ctx.texts.answers : {};
      var flags = h("div", {"class": "qe-field"}, FLAGS.map(function (flag) {
        var box = h("input", {type: "checkbox", "data-qe-key": "flag:" + flag});
        box.checked = data[flag] === true;
        box.addEventListener("change", function () { data[flag] = box.checked; ctx.changed(false); });
        return h("label", {"class": "qe-check"}, [box, " ", S[flag]]);
      }));
      var list = h("ol", {"class": "qe-list"});
      data.answers.forEach(function (answer, index) {
        var key = "answer:" + answer.id;
        var entry = feedback[answer.id] = ctx.isObj(feedback[answer.id]) ? feedback[answer.id] : {};
        list.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: (S.answer) + " " + (index + 1)}),
            ctx.textField(S.answerText, key + ":text", answer.text, function (v) { answer.text = v; }, {help: S.answerHelp}),
            ctx.creditSelect(S.credit, key + ":credit", answer.fraction, function (value) { answer.fraction = value; }),
            ctx.textField(S.answerFeedback, key + ":feedback", entry.feedback || "", function (v) {
              if (v) { entry.feedback = v; } else { delete entry.feedback; }
            })
          ]),
          ctx.rowButtons(data.answers, index, key)
        ]));
      });
      var add = ctx.button(S.addAnswer, "add-answer", function () {
        var id = ctx.newId("s");
        data.answers.push({id: id, text: "", fraction: data.answers.length ? 0 : 1});
        ctx.focus("answer:" + id + ":text:" + ctx.lang);
        ctx.changed(true);
      });
      return h("fieldset", {"class": "qe-section", "data-qe-section": "short_answer"}, [
        h("legend", {text: S.answers}), h("p", {"class": "qe-help", text: S.intro || ""}), list, add, flags
      ]);
    }
  };
})();
