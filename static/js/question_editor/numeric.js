/* The numeric part of the question editor for Moodle's numerical questions: several
   answers (a number, its tolerance, its credit and feedback per language; an empty
   number is "any other answer") and units with their multipliers. A numeric question with
   a single answer keeps the editor's own section. Registers with question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};
  var HANDLING = ["none", "optional", "required"];

  function number(ctx, label, key, object, field, attrs, empty) {
    var shown = object[field] === null || object[field] === undefined ? "" : ctx.numberText(object[field]);
    return ctx.numberField(label, key, shown, function (v) {
      var value = ctx.toNumber(v);
      object[field] = value === null ? (String(v).trim() === "" ? empty : v) : value;
      ctx.changed(false);
    }, attrs);
  }

  types.numeric = {
    partialCredit: true,
    accepts: function (data) {
      return isObject(data) && (data.answers !== undefined || data.units !== undefined);
    },
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      if (!Array.isArray(data.answers)) { data.answers = []; }
      if (!Array.isArray(data.units)) { data.units = []; }
      var feedback = ctx.texts.answers = ctx.isObj(ctx.texts.answers) ? ctx.texts.answers : {};
      var answers = h("ol", {"class": "qe-list"});
      data.answers.forEach(function (answer, index) {
        if (typeof answer.id !== "string" || !answer.id) { answer.id = ctx.newId("n"); }
        var key = "answer:" + answer.id;
        var entry = feedback[answer.id] = ctx.isObj(feedback[answer.id]) ? feedback[answer.id] : {};
        answers.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.answer + " " + (index + 1)}),
            h("div", {"class": "qe-entry-row"}, [
              number(ctx, S.value, key + ":value", answer, "value", {}, null),
              number(ctx, S.tolerance, key + ":tolerance", answer, "tolerance", {min: "0"}, 0)
            ]),
            h("p", {"class": "qe-help", text: S.valueHelp}),
            ctx.creditSelect(S.credit, key + ":credit", answer.fraction, function (value) { answer.fraction = value; }),
            ctx.textField(S.feedback, key + ":feedback", entry.feedback || "", function (v) {
              if (v) { entry.feedback = v; } else { delete entry.feedback; }
            })
          ]),
          ctx.rowButtons(data.answers, index, key)
        ]));
      });
      var handling = h("select", {"data-qe-key": "unit-handling"}, HANDLING.map(function (value) {
        return h("option", {value: value, text: S["units_" + value]});
      }));
      handling.value = HANDLING.indexOf(data.unit_handling) >= 0 ? data.unit_handling : "none";
      handling.addEventListener("change", function () {
        data.unit_handling = handling.value;
        if (handling.value === "none") { data.units = []; }
        ctx.focus("unit-handling");
        ctx.changed(true);
      });
      var units = h("ol", {"class": "qe-list"});
      data.units.forEach(function (unit, index) {
        var key = "unit:" + index;
        units.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.unit + " " + (index + 1)}),
            h("div", {"class": "qe-entry-row"}, [
              ctx.textField(S.unitName, key + ":name", unit.unit || "", function (v) { unit.unit = v; }),
              number(ctx, S.multiplier, key + ":multiplier", unit, "multiplier", {}, 1)
            ])
          ]),
          ctx.rowButtons(data.units, index, key)
        ]));
      });
      var unitPart = [h("legend", {text: S.units}), ctx.labelled(S.unitHandling, handling)];
      if (data.unit_handling === "optional" || data.unit_handling === "required") {
        unitPart.push(h("p", {"class": "qe-help", text: S.unitsHelp}), units, ctx.button(S.addUnit, "add-unit", function () {
          data.units.push({unit: "", multiplier: 1});
          ctx.focus("unit:" + (data.units.length - 1) + ":name:" + ctx.lang);
          ctx.changed(true);
        }));
        if (data.unit_handling === "required") {
          unitPart.push(number(ctx, S.unitPenalty, "unit-penalty", data, "unit_penalty", {min: "0", max: "1", step: "0.05"}, 0));
        }
      }
      return h("div", {"data-qe-section": "numeric"}, [
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.answers}), answers,
          ctx.button(S.addAnswer, "add-answer", function () {
            var id = ctx.newId("n");
            data.answers.push({id: id, value: 0, tolerance: 0, fraction: 0});
            ctx.focus("answer:" + id + ":value");
            ctx.changed(true);
          })]),
        h("fieldset", {"class": "qe-section"}, unitPart)
      ]);
    }
  };

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }
})();
