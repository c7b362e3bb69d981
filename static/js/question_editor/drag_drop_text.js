/* The drag-and-drop-into-text part of the question editor (Moodle's ddwtos and gapselect):
   the choices (text per language, group, used once or more), the gaps the stem marks as
   {{g1}} with each gap's right choice, how the officer fills them. Registers with
   question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};

  types.drag_drop_text = {
    partialCredit: true,
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      if (!Array.isArray(data.choices)) { data.choices = []; }
      if (!Array.isArray(data.gaps)) { data.gaps = []; }
      var labels = ctx.texts.choices = ctx.isObj(ctx.texts.choices) ? ctx.texts.choices : {};
      var first = ctx.isObj(ctx.textsOf(ctx.langs[0]).choices) ? ctx.textsOf(ctx.langs[0]).choices : {};
      function choiceText(id) {
        var own = ctx.isObj(labels[id]) ? labels[id].text : "";
        var ref = ctx.isObj(first[id]) ? first[id].text : "";
        return own || ref || id;
      }

      var names = ctx.renamer();
      var mode = h("select", {"data-qe-key": "mode"}, [
        h("option", {value: "drag", text: S.modeDrag}), h("option", {value: "select", text: S.modeSelect})
      ]);
      mode.value = data.mode === "select" ? "select" : "drag";
      mode.addEventListener("change", function () { data.mode = mode.value; ctx.changed(false); });
      var shuffle = h("input", {type: "checkbox", "data-qe-key": "shuffle"});
      shuffle.checked = data.shuffle !== false;
      shuffle.addEventListener("change", function () { data.shuffle = shuffle.checked; ctx.changed(false); });

      var choices = h("ol", {"class": "qe-list"});
      data.choices.forEach(function (choice, index) {
        var key = "choice:" + choice.id;
        var entry = labels[choice.id] = ctx.isObj(labels[choice.id]) ? labels[choice.id] : {text: ""};
        var unlimited = h("input", {type: "checkbox", "data-qe-key": key + ":unlimited"});
        unlimited.checked = choice.unlimited === true;
        unlimited.addEventListener("change", function () { choice.unlimited = unlimited.checked; ctx.changed(false); });
        choices.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.choice + " " + (index + 1)}),
            ctx.textField(S.choiceText, key + ":text", entry.text || "", function (v) { entry.text = v; }, {
              ref: ctx.lang !== ctx.langs[0] && ctx.isObj(first[choice.id]) ? first[choice.id].text : null,
              after: function (v) { names.rename(choice.id, v); }
            }),
            ctx.numberField(S.group, key + ":group", ctx.numberText(choice.group) || "1", function (v) {
              var value = ctx.toNumber(v);
              choice.group = value === null ? v : value;
              ctx.changed(false);
            }, {min: "1", step: "1"}),
            h("label", {"class": "qe-check"}, [unlimited, " ", S.unlimited])
          ]),
          ctx.rowButtons(data.choices, index, key, function () {
            data.gaps.forEach(function (gap) { if (gap.correct === choice.id) { gap.correct = ""; } });
            ctx.langs.forEach(function (code) {
              var texts = ctx.textsOf(code);
              if (ctx.isObj(texts.choices)) { delete texts.choices[choice.id]; }
            });
          })
        ]));
      });
      var addChoice = ctx.button(S.addChoice, "add-choice", function () {
        var id = ctx.newId("c");
        data.choices.push({id: id, group: 1, unlimited: false});
        ctx.focus("choice:" + id + ":text:" + ctx.lang);
        ctx.changed(true);
      });

      var gaps = h("ol", {"class": "qe-list"});
      data.gaps.forEach(function (gap, index) {
        var key = "gap:" + gap.id;
        var right = h("select", {"data-qe-key": key + ":correct"}, [h("option", {value: "", text: "—"})].concat(
          data.choices.map(function (choice) { return h("option", {value: choice.id, text: choiceText(choice.id)}); })
        ));
        right.value = gap.correct || "";
        right.addEventListener("change", function () { gap.correct = right.value; ctx.changed(false); });
        names.track(right);
        gaps.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.gap + " " + (index + 1)}),
            h("p", {"class": "qe-help"}, [S.marker + " ", h("code", {text: "{{" + gap.id + "}}"})]),
            ctx.labelled(S.rightChoice, right)
          ]),
          ctx.rowButtons(data.gaps, index, key)
        ]));
      });
      var addGap = ctx.button(S.addGap, "add-gap", function () {
        var id = ctx.newId("g");
        data.gaps.push({id: id, correct: ""});
        ctx.focus("gap:" + id + ":correct");
        ctx.changed(true);
      });

      return h("div", {"data-qe-section": "drag_drop_text"}, [
        h("fieldset", {"class": "qe-section"}, [
          h("legend", {text: S.howFilled}), ctx.labelled(S.mode, mode), h("label", {"class": "qe-check"}, [shuffle, " ", S.shuffle])
        ]),
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.choices}), choices, addChoice]),
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.gaps}), h("p", {"class": "qe-help", text: S.gapsHelp}), gaps, addGap])
      ]);
    }
  };
})();
