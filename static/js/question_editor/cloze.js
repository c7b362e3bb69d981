/* The cloze part of the question editor (Moodle's embedded answers): the gaps the stem
   marks as {{g1}}, each a short answer, a number or a choice, with its weight, its
   answers or options, their credit and feedback per language. Registers with
   question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};
  var KINDS = ["short_answer", "numeric", "choice"];
  var DISPLAYS = ["dropdown", "radio", "checkbox"];

  function own(ctx, object, key) {
    if (!ctx.isObj(object[key])) { object[key] = {}; }
    return object[key];
  }

  function select(ctx, label, key, values, current, onChange) {
    var node = ctx.h("select", {"data-qe-key": key}, values.map(function (value) {
      return ctx.h("option", {value: value, text: ctx.S[value] || value});
    }));
    node.value = current;
    node.addEventListener("change", function () { onChange(node.value); });
    return ctx.labelled(label, node);
  }

  /* The answers of a short-answer or numeric gap, or the options of a choice gap. */
  function entries(ctx, gap, gapTexts) {
    var h = ctx.h, S = ctx.S;
    var choice = gap.kind === "choice";
    var listName = choice ? "options" : "answers";
    var list = gap[listName] = Array.isArray(gap[listName]) ? gap[listName] : [];
    var texts = own(ctx, gapTexts, listName);
    var nodes = h("ol", {"class": "qe-list"});
    list.forEach(function (entry, index) {
      var key = "gap:" + gap.id + ":" + entry.id;
      var entryTexts = own(ctx, texts, entry.id);
      var fields = [h("legend", {text: (choice ? S.option : S.answer) + " " + (index + 1)})];
      if (choice) {
        fields.push(ctx.textField(S.optionText, key + ":text", entryTexts.text || "", function (v) { entryTexts.text = v; }));
      } else if (gap.kind === "numeric") {
        fields.push(ctx.numberField(S.value, key + ":value", ctx.numberText(entry.value), function (v) {
          var value = ctx.toNumber(v);
          entry.value = value === null ? v : value;
          ctx.changed(false);
        }));
        fields.push(ctx.numberField(S.tolerance, key + ":tolerance", ctx.numberText(entry.tolerance) || "0", function (v) {
          var value = ctx.toNumber(v);
          entry.tolerance = value === null ? 0 : value;
          ctx.changed(false);
        }, {min: "0"}));
      } else {
        fields.push(ctx.textField(S.answerText, key + ":text", entry.text || "", function (v) { entry.text = v; }));
      }
      fields.push(ctx.creditSelect(S.credit, key + ":credit", entry.fraction, function (value) { entry.fraction = value; }, choice && gap.display === "checkbox"));
      fields.push(ctx.textField(S.feedback, key + ":feedback", entryTexts.feedback || "", function (v) {
        if (v) { entryTexts.feedback = v; } else { delete entryTexts.feedback; }
      }));
      nodes.appendChild(h("li", {"class": "qe-row"}, [
        h("fieldset", {"class": "qe-entry"}, fields),
        ctx.rowButtons(list, index, "gap-" + gap.id + ":" + entry.id)
      ]));
    });
    var add = ctx.button(choice ? S.addOption : S.addAnswer, "add-gap-" + gap.id, function () {
      var id = ctx.newId(choice ? "o" : "a");
      var entry = {id: id, fraction: list.length ? 0 : 1};
      if (gap.kind === "numeric") { entry.value = 0; entry.tolerance = 0; } else if (!choice) { entry.text = ""; }
      list.push(entry);
      ctx.focus("gap:" + gap.id + ":" + id + (gap.kind === "numeric" ? ":value" : ":text:" + ctx.lang));
      ctx.changed(true);
    });
    return [nodes, add];
  }

  types.cloze = {
    partialCredit: true,
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      if (!Array.isArray(data.gaps)) { data.gaps = []; }
      var gapTexts = own(ctx, ctx.texts, "gaps");
      var gaps = h("ol", {"class": "qe-list"});
      data.gaps.forEach(function (gap, index) {
        var key = "gap:" + gap.id;
        var texts = own(ctx, gapTexts, gap.id);
        var fields = [
          h("legend", {text: S.gap + " " + (index + 1)}),
          h("p", {"class": "qe-help"}, [S.marker + " ", h("code", {text: "{{" + gap.id + "}}"})]),
          select(ctx, S.kind, key + ":kind", KINDS, gap.kind, function (kind) {
            gap.kind = kind;
            delete gap.answers; delete gap.options; delete gap.display;
            if (kind === "choice") { gap.display = "dropdown"; gap.options = []; } else { gap.answers = []; }
            ctx.focus(key + ":kind");
            ctx.changed(true);
          }),
          ctx.numberField(S.weight, key + ":weight", ctx.numberText(gap.weight) || "1", function (v) {
            var value = ctx.toNumber(v);
            gap.weight = value === null ? v : value;
            ctx.changed(false);
          }, {min: "1", step: "1"})
        ];
        if (gap.kind === "choice") {
          fields.push(select(ctx, S.display, key + ":display", DISPLAYS, gap.display || "dropdown", function (display) {
            gap.display = display;
            ctx.focus(key + ":display");
            ctx.changed(true);
          }));
        } else if (gap.kind === "short_answer") {
          var caseBox = h("input", {type: "checkbox", "data-qe-key": key + ":case"});
          caseBox.checked = gap.case_sensitive === true;
          caseBox.addEventListener("change", function () { gap.case_sensitive = caseBox.checked; ctx.changed(false); });
          fields.push(h("label", {"class": "qe-check"}, [caseBox, " ", S.caseSensitive]));
        }
        fields = fields.concat(entries(ctx, gap, texts));
        gaps.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, fields),
          ctx.rowButtons(data.gaps, index, key, function () {
            ctx.langs.forEach(function (code) {
              var all = ctx.textsOf(code).gaps;
              if (ctx.isObj(all)) { delete all[gap.id]; }
            });
          })
        ]));
      });
      var add = ctx.button(S.addGap, "add-gap", function () {
        var id = ctx.newId("g");
        data.gaps.push({id: id, kind: "short_answer", weight: 1, case_sensitive: false, answers: [{id: ctx.newId("a"), text: "", fraction: 1}]});
        ctx.focus(key0(id));
        ctx.changed(true);
      });
      function key0(id) { return "gap:" + id + ":kind"; }
      return h("fieldset", {"class": "qe-section", "data-qe-section": "cloze"}, [
        h("legend", {text: S.gaps}), h("p", {"class": "qe-help", text: S.gapsHelp}), gaps, add
      ]);
    }
  };
})();
