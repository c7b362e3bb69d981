/* The markers-on-an-image part of the question editor (Moodle's ddmarker): the
   background image, the markers (text per language, how many may be placed) and the
   zones where each marker belongs (a circle, a rectangle or a polygon in image pixels).
   Registers with question_editor.js. */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};
  var SHAPES = ["circle", "rect", "polygon"];

  /* Coordinates as the author types them: "x, y, r" (circle), "x, y, w, h" (rectangle),
     "x y; x y; x y" (polygon: points separated by semicolons). */
  function coordsText(shape, coords) {
    if (!Array.isArray(coords)) { return ""; }
    if (shape === "polygon") {
      return coords.map(function (p) { return Array.isArray(p) ? p.join(" ") : ""; }).join("; ");
    }
    return coords.join(", ");
  }
  function parseCoords(shape, text) {
    function numbers(part) {
      return part.split(/[\s,]+/).filter(function (t) { return t !== ""; }).map(Number);
    }
    if (shape === "polygon") {
      return text.split(";").map(function (part) { return numbers(part); }).filter(function (p) { return p.length; });
    }
    return numbers(text);
  }

  types.drag_drop_marker = {
    partialCredit: true,
    render: function (ctx) {
      var h = ctx.h, S = ctx.S, data = ctx.data;
      if (!ctx.isObj(data.image)) { data.image = {name: "", width: 800, height: 500}; }
      if (!Array.isArray(data.markers)) { data.markers = []; }
      if (!Array.isArray(data.zones)) { data.zones = []; }
      var labels = ctx.texts.markers = ctx.isObj(ctx.texts.markers) ? ctx.texts.markers : {};
      var names = ctx.renamer();
      var markers = h("ol", {"class": "qe-list"});
      data.markers.forEach(function (marker, index) {
        var key = "marker:" + marker.id;
        var entry = labels[marker.id] = ctx.isObj(labels[marker.id]) ? labels[marker.id] : {text: ""};
        markers.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.marker + " " + (index + 1)}),
            ctx.textField(S.markerText, key + ":text", entry.text || "", function (v) { entry.text = v; }, {after: function (v) { names.rename(marker.id, v); }}),
            ctx.numberField(S.count, key + ":count", marker.count === null || marker.count === undefined ? "" : String(marker.count), function (v) {
              var value = ctx.toNumber(v);
              marker.count = value === null ? null : value;
              ctx.changed(false);
            }, {min: "1", step: "1"})
          ]),
          ctx.rowButtons(data.markers, index, key, function () {
            data.zones.forEach(function (zone) { if (zone.marker === marker.id) { zone.marker = ""; } });
          })
        ]));
      });
      var zones = h("ol", {"class": "qe-list"});
      data.zones.forEach(function (zone, index) {
        var key = "zone:" + zone.id;
        var which = h("select", {"data-qe-key": key + ":marker"}, [h("option", {value: "", text: "—"})].concat(
          data.markers.map(function (marker) {
            var text = ctx.isObj(labels[marker.id]) && labels[marker.id].text ? labels[marker.id].text : marker.id;
            return h("option", {value: marker.id, text: text});
          })
        ));
        which.value = zone.marker || "";
        which.addEventListener("change", function () { zone.marker = which.value; ctx.changed(false); });
        names.track(which);
        var shape = h("select", {"data-qe-key": key + ":shape"}, SHAPES.map(function (value) {
          return h("option", {value: value, text: S[value]});
        }));
        shape.value = SHAPES.indexOf(zone.shape) >= 0 ? zone.shape : "circle";
        shape.addEventListener("change", function () {
          zone.shape = shape.value;
          zone.coords = [];
          ctx.focus(key + ":coords:" + ctx.lang);
          ctx.changed(true);
        });
        zones.appendChild(h("li", {"class": "qe-row"}, [
          h("fieldset", {"class": "qe-entry"}, [
            h("legend", {text: S.zone + " " + (index + 1)}),
            ctx.labelled(S.zoneMarker, which),
            ctx.labelled(S.shape, shape),
            ctx.textField(S.coords, key + ":coords", coordsText(zone.shape, zone.coords), function (v) {
              zone.coords = parseCoords(zone.shape, v);
            }, {help: S[(zone.shape || "circle") + "Help"]})
          ]),
          ctx.rowButtons(data.zones, index, key)
        ]));
      });
      return h("div", {"data-qe-section": "drag_drop_marker"}, [
        ctx.imageFieldset(data.image),
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.markers}), markers,
          ctx.button(S.addMarker, "add-marker", function () {
            var id = ctx.newId("m");
            data.markers.push({id: id, count: 1});
            ctx.focus("marker:" + id + ":text:" + ctx.lang);
            ctx.changed(true);
          })]),
        h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.zones}), zones,
          ctx.button(S.addZone, "add-zone", function () {
            var id = ctx.newId("z");
            data.zones.push({id: id, marker: data.markers.length ? data.markers[0].id : "", shape: "circle", coords: []});
            ctx.focus("zone:" + id + ":marker");
            ctx.changed(true);
          })])
      ]);
    }
  };
})();
