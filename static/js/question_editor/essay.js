/* The essay part of the question editor: word limits, attached files, what the grader
   reads, the answer's starting text and the rubric (criteria, levels, points). Registers
   with question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};

  function wholeOrNull(text) {
    var value = String(text).trim();
    if (value === "") { return null; }
    var number = Number(value);
    return Number.isInteger(number) ? number : value;
  }

  function countSelect(ctx, label, key, value, max, onChange) {
    var select = ctx.h("select", {"data-qe-key": key});
    for (var n = 0; n <= max; n++) { select.appendChild(ctx.h("option", {value: String(n), text: String(n)})); }
    select.value = String(value || 0);
    select.addEventListener("change", function () { onChange(Number(select.value)); });
    return ctx.labelled(label, select);
  }

  function rubricSection(ctx) {
    var h = ctx.h, S = ctx.S, data = ctx.data;
    var body = h("div", {});
    if (!ctx.isObj(data.rubric)) {
      body.appendChild(h("p", {"class": "qe-help", text: S.noRubric}));
      body.appendChild(ctx.button(S.addRubric, "add-rubric", function () {
        data.rubric = {criteria: [{id: ctx.newId("c"), text: "", levels: [
          {id: ctx.newId("l"), text: "", points: 0}, {id: ctx.newId("l"), text: "", points: 1}
        ]}]};
        ctx.focus("add-criterion");
        ctx.changed(true);
      }));
      return h("fieldset", {"class": "qe-section", "data-qe-section": "rubric"}, [h("legend", {text: S.rubric}), body]);
    }
    var criteria = data.rubric.criteria = Array.isArray(data.rubric.criteria) ? data.rubric.criteria : [];
    var list = h("ol", {"class": "qe-list"});
    criteria.forEach(function (criterion, index) {
      var key = "criterion:" + criterion.id;
      var levels = criterion.levels = Array.isArray(criterion.levels) ? criterion.levels : [];
      var levelList = h("ol", {"class": "qe-list"});
      levels.forEach(function (level, levelIndex) {
        var levelKey = "level:" + level.id;
        levelList.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.level + " " + (levelIndex + 1)}),
            ctx.textField(S.levelText, levelKey + ":text", level.text, function (v) { level.text = v; }),
            ctx.numberField(S.points, levelKey + ":points", ctx.numberText(level.points), function (v) {
              var value = ctx.toNumber(v);
              level.points = value === null ? v : value;
              ctx.changed(false);
            }, {min: "0"})
          ]),
          ctx.rowButtons(levels, levelIndex, levelKey)
        ]));
      });
      list.appendChild(h("li", {"class": "qe-row"}, [
        h("fieldset", {"class": "qe-entry"}, [
          h("legend", {text: S.criterion + " " + (index + 1)}),
          ctx.textField(S.criterionText, key + ":text", criterion.text, function (v) { criterion.text = v; }),
          levelList,
          ctx.button(S.addLevel, "add-level:" + criterion.id, function () {
            var id = ctx.newId("l");
            levels.push({id: id, text: "", points: levels.length});
            ctx.focus("level:" + id + ":text:" + ctx.lang);
            ctx.changed(true);
          })
        ]),
        ctx.rowButtons(criteria, index, key)
      ]));
    });
    return h("fieldset", {"class": "qe-section", "data-qe-section": "rubric"}, [
      h("legend", {text: S.rubric}), h("p", {"class": "qe-help", text: S.rubricHelp}), list,
      ctx.button(S.addCriterion, "add-criterion", function () {
        var id = ctx.newId("c");
        criteria.push({id: id, text: "", levels: [{id: ctx.newId("l"), text: "", points: 0}, {id: ctx.newId("l"), text: "", points: 1}]});
        ctx.focus("criterion:" + id + ":text:" + ctx.lang);
        ctx.changed(true);
      }),
      ctx.button(S.removeRubric, "remove-rubric", function () { data.rubric = null; ctx.focus("add-rubric"); ctx.changed(true); })
    ]);
  }

  types.essay = {
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      var fileTypes = ctx.config.fileTypes || [];
      var chosen = Array.isArray(data.file_types) ? data.file_types : [];
      var limits = h("fieldset", {"class": "qe-section", "data-qe-section": "essay"}, [
        h("legend", {text: S.answer}),
        ctx.numberField(S.minWords, "min-words", data.min_words === null || data.min_words === undefined ? "" : String(data.min_words), function (v) { data.min_words = wholeOrNull(v); ctx.changed(false); }, {min: "0", step: "1"}),
        ctx.numberField(S.maxWords, "max-words", data.max_words === null || data.max_words === undefined ? "" : String(data.max_words), function (v) { data.max_words = wholeOrNull(v); ctx.changed(false); }, {min: "1", step: "1"}),
        countSelect(ctx, S.attachments, "attachments", data.attachments, ctx.config.maxAttachments || 3, function (n) {
          data.attachments = n;
          if ((data.attachments_required || 0) > n) { data.attachments_required = n; }
          ctx.changed(true);
        }),
        countSelect(ctx, S.attachmentsRequired, "attachments-required", data.attachments_required, data.attachments || 0, function (n) {
          data.attachments_required = n;
          ctx.changed(false);
        }),
        h("fieldset", {"class": "qe-field"}, [h("legend", {"class": "qe-label", text: S.fileTypes})].concat(fileTypes.map(function (type) {
          var box = h("input", {type: "checkbox", value: type, "data-qe-key": "file-type:" + type});
          box.checked = chosen.indexOf(type) >= 0;
          box.addEventListener("change", function () {
            var list = (Array.isArray(data.file_types) ? data.file_types : []).filter(function (t) { return t !== type; });
            if (box.checked) { list.push(type); }
            data.file_types = fileTypes.filter(function (t) { return list.indexOf(t) >= 0; });
            ctx.changed(false);
          });
          return h("label", {"class": "qe-check"}, [box, " ", type]);
        }))),
        ctx.textField(S.responseTemplate, "response-template", data.response_template || "", function (v) { data.response_template = v; }, {multiline: true, rows: 3}),
        ctx.textField(S.graderInfo, "grader-info", data.grader_info || "", function (v) { data.grader_info = v; }, {multiline: true, rows: 3, help: S.graderInfoHelp})
      ]);
      var wrapper = h("div", {});
      wrapper.appendChild(limits);
      wrapper.appendChild(rubricSection(ctx));
      return wrapper;
    }
  };
})();
