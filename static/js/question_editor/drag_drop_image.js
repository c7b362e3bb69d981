/* The drag-and-drop-onto-an-image part of the question editor (Moodle's ddimageortext):
   the background image, the items (text per language, group, used once or more) and the
   drop zones (top-left corner in image pixels, right item). Registers with
   question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};

  function coordinate(ctx, label, key, object, field) {
    return ctx.numberField(label, key, ctx.numberText(object[field]), function (v) {
      var value = ctx.toNumber(v);
      object[field] = value === null ? v : value;
      ctx.changed(false);
    }, {min: "0", step: "1"});
  }

  types.drag_drop_image = {
    partialCredit: true,
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      if (!ctx.isObj(data.image)) { data.image = {name: "", width: 800, height: 500}; }
      if (!Array.isArray(data.items)) { data.items = []; }
      if (!Array.isArray(data.zones)) { data.zones = []; }
      var labels = ctx.texts.items = ctx.isObj(ctx.texts.items) ? ctx.texts.items : {};
      function itemText(id) {
        var own = ctx.isObj(labels[id]) ? labels[id].text : "";
        return own || id;
      }
      var names = ctx.renamer();
      var items = h("ol", {"class": "qe-list"});
      data.items.forEach(function (item, index) {
        var key = "item:" + item.id;
        var entry = labels[item.id] = ctx.isObj(labels[item.id]) ? labels[item.id] : {text: ""};
        var unlimited = h("input", {type: "checkbox", "data-qe-key": key + ":unlimited"});
        unlimited.checked = item.unlimited === true;
        unlimited.addEventListener("change", function () { item.unlimited = unlimited.checked; ctx.changed(false); });
        items.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.item + " " + (index + 1)}),
            ctx.textField(S.itemText, key + ":text", entry.text || "", function (v) { entry.text = v; }, {after: function (v) { names.rename(item.id, v); }}),
            ctx.numberField(S.group, key + ":group", ctx.numberText(item.group) || "1", function (v) {
              var value = ctx.toNumber(v);
              item.group = value === null ? v : value;
              ctx.changed(false);
            }, {min: "1", step: "1"}),
            h("label", {"class": "qe-check"}, [unlimited, " ", S.unlimited])
          ]),
          ctx.rowButtons(data.items, index, key, function () {
            data.zones.forEach(function (zone) { if (zone.correct === item.id) { zone.correct = ""; } });
          })
        ]));
      });
      var zones = h("ol", {"class": "qe-list"});
      data.zones.forEach(function (zone, index) {
        var key = "zone:" + zone.id;
        var right = h("select", {"data-qe-key": key + ":correct"}, [h("option", {value: "", text: "—"})].concat(
          data.items.map(function (item) { return h("option", {value: item.id, text: itemText(item.id)}); })
        ));
        right.value = zone.correct || "";
        right.addEventListener("change", function () { zone.correct = right.value; ctx.changed(false); });
        names.track(right);
        zones.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.zone + " " + (index + 1)}),
            h("div", {"class": "qe-entry-row"}, [coordinate(ctx, S.x, key + ":x", zone, "x"), coordinate(ctx, S.y, key + ":y", zone, "y")]),
            ctx.labelled(S.rightItem, right)
          ]),
          ctx.rowButtons(data.zones, index, key)
        ]));
      });
      return h("div", {"data-qe-section": "drag_drop_image"}, [
        ctx.imageFieldset(data.image),
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.items}), items,
          ctx.button(S.addItem, "add-item", function () {
            var id = ctx.newId("i");
            data.items.push({id: id, group: 1, unlimited: false});
            ctx.focus("item:" + id + ":text:" + ctx.lang);
            ctx.changed(true);
          })]),
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.zones}), h("p", {"class": "qe-help", text: S.zonesHelp}), zones,
          ctx.button(S.addZone, "add-zone", function () {
            var id = ctx.newId("z");
            data.zones.push({id: id, x: 0, y: 0, correct: ""});
            ctx.focus("zone:" + id + ":x");
            ctx.changed(true);
          })])
      ]);
    }
  };
})();
