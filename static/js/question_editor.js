/* Structured question editor for the Wagtail admin (Questions > Add / Edit).

   Progressive enhancement of QuestionForm (assessments/admin_views.py): the two JSON
   textareas ("data": answer key and structure; "texts": texts per language) stay the
   source of truth and are what the form submits. This script hides them, shows an editor
   for the chosen question type and writes valid JSON back into them on every change, in
   the shape of assessments/QUESTION_FORMAT.md: "data" holds ids and the answer key,
   "texts" holds, per language, the title, stem, feedback and the texts keyed by id.
   The server (validate_question) stays the judge of what may be saved.

   Every visible string comes from the "question-editor-config" JSON data island, which
   the form renders with Django's translations. No framework. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var LIST_KEYS = ["options", "items", "premises", "responses"];
  var DATA_KEYS = [
    "options", "correct", "scoring", "feedback_true", "feedback_false", "answer", "tolerance",
    "unit", "items", "correct_order", "premises", "responses", "image", "regions", "targets",
    "max_clicks", "wrong_click_penalty"
  ];
  var TEXT_KEYS = [
    "title", "stem", "feedback", "options", "items", "premises", "responses", "regions",
    "image_alt", "unit", "feedback_true", "feedback_false", "data"
  ];
  var FEEDBACK_KEYS = ["correct", "incorrect", "partial"];
  // The types this editor draws; any other type (and a numeric question with several
  // answers or units) is edited as JSON, which the editor then never rewrites.
  var STRUCTURED = {
    single_choice: true, multiple_response: true, true_false: true, numeric: true,
    ordering: true, matching: true, hotspot: true
  };
  // A type with its own editor script (static/js/question_editor/<type>.js, loaded before
  // this one) registers {render(ctx), partialCredit?} here: the editor keeps the title,
  // stem, languages and feedback, and the type draws its part of the question.
  var PLUGINS = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};
  // A type's script may take only some of its questions (accepts(data)): the numeric
  // script draws several answers and units, the editor's own section a single answer.
  function pluginFor(type, data) {
    var plugin = PLUGINS[type];
    return plugin && (!plugin.accepts || plugin.accepts(data)) ? plugin : null;
  }
  function structured(type, data) {
    if (pluginFor(type, data)) { return true; }
    if (!STRUCTURED[type]) { return false; }
    return !(type === "numeric" && isObj(data) && (data.answers !== undefined || data.units !== undefined));
  }
  var PARTIAL_CREDIT = {multiple_response: true, ordering: true, matching: true, hotspot: true};
  var SCORED = {multiple_response: true, ordering: true, matching: true};

  // --- small helpers ---------------------------------------------------------------------

  function isObj(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }
  function clone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); }
  function str(value) { return typeof value === "string" ? value : ""; }
  function fmt(template, params) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return params[key] !== undefined ? String(params[key]) : match;
    });
  }
  function findById(list, id) {
    if (!Array.isArray(list)) { return null; }
    for (var i = 0; i < list.length; i++) { if (isObj(list[i]) && list[i].id === id) { return list[i]; } }
    return null;
  }
  function toNumber(text) {
    var cleaned = String(text === undefined || text === null ? "" : text).trim().replace(",", ".");
    if (cleaned === "") { return null; }
    var value = Number(cleaned);
    return isFinite(value) ? value : null;
  }
  function numberText(value) { return typeof value === "number" && isFinite(value) ? String(value) : ""; }
  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }
  var idCounter = 0;
  function nextId() { idCounter += 1; return "qe-field-" + idCounter; }
  /* A control with its visible label, linked by id. */
  function labelled(label, control, className) {
    control.id = control.id || nextId();
    return h("div", {"class": className || "qe-field"}, [h("label", {"class": "qe-label", "for": control.id, text: label}), control]);
  }

  /* h("tag", {attr: value, onclick: fn, text: "..."}, [children]); "svg:tag" for SVG. */
  function h(tag, attrs, children) {
    var el = tag.indexOf("svg:") === 0 ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) { return; }
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key.slice(0, 2) === "on" && typeof value === "function") { el.addEventListener(key.slice(2), value); }
      else if (key === "text") { el.textContent = value; }
      else if (key === "value") { el.value = value; }
      else if (key === "checked") { el.checked = true; }
      else { el.setAttribute(key, value === true ? "" : String(value)); }
    });
    return el;
  }

  // Stems are HTML (p, strong, em, ul, ol, li). Simple paragraphs are edited as plain text
  // (a blank line between paragraphs); anything richer is edited as HTML.
  var PARAGRAPHS_ONLY = /^\s*(<p>[^<]*<\/p>\s*)*$/;
  var SOME_TAG = /<\/?[a-z][a-z0-9]*\b[^>]*>/i;
  var OTHER_ENTITY = /&(?!amp;|lt;|gt;|quot;|#39;|#x27;)/;
  function unescapeHtml(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"")
      .replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, "&");
  }
  function escapeHtml(text) { return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function stemToInput(html) {
    if (!html || !PARAGRAPHS_ONLY.test(html) || OTHER_ENTITY.test(html)) { return html || ""; }
    var plain = (html.match(/<p>[^<]*<\/p>/g) || []).map(function (p) { return unescapeHtml(p.slice(3, -4)); }).join("\n\n");
    return SOME_TAG.test(plain) ? html : plain;
  }
  function inputToStem(text) {
    if (SOME_TAG.test(text)) { return text; }
    return text.split(/\n\s*\n/).map(function (p) { return p.trim().replace(/\s*\n\s*/g, " "); })
      .filter(Boolean).map(function (p) { return "<p>" + escapeHtml(p) + "</p>"; }).join("");
  }

  /* One language's view of a question, as assessments/content.py merged() builds it. */
  function mergedView(data, texts) {
    if (isObj(texts.data)) { return clone(texts.data); }
    var result = clone(data);
    LIST_KEYS.forEach(function (key) {
      var labels = isObj(texts[key]) ? texts[key] : {};
      (Array.isArray(result[key]) ? result[key] : []).forEach(function (entry) {
        if (!isObj(entry)) { return; }
        var text = labels[entry.id];
        if (typeof text === "string") { entry.text = text; }
        else if (isObj(text)) {
          if (text.text !== undefined) { entry.text = text.text; }
          if (text.feedback) { entry.feedback = text.feedback; }
        }
      });
    });
    if (Array.isArray(result.regions)) {
      var labels = isObj(texts.regions) ? texts.regions : {};
      result.regions.forEach(function (region) {
        if (!isObj(region)) { return; }
        var label = labels[region.id];
        if (label) { region.label = typeof label === "string" ? label : str(label.text); }
      });
    }
    if (isObj(result.image) && texts.image_alt) { result.image.alt = texts.image_alt; }
    if (texts.unit !== undefined) { result.unit = texts.unit; }
    return result;
  }

  // --- the editor ------------------------------------------------------------------------

  function QuestionEditor(config, typeSelect, dataArea, textsArea) {
    this.config = config;
    this.S = config.strings;
    this.typeSelect = typeSelect;
    this.dataArea = dataArea;
    this.textsArea = textsArea;
    this.state = {
      unreadable: false, showJson: false, mode: "select", selected: null, drawing: [],
      newRect: {x: "", y: "", w: "", h: ""}, rectMessage: "", focusKey: null, addLanguage: ""
    };
    this.used = {};
    this.wrappers = [dataArea, textsArea].map(function (area) {
      var wrapper = area.closest("[data-field-wrapper]") || area.parentNode;
      return wrapper.parentNode && wrapper.parentNode.tagName === "LI" ? wrapper.parentNode : wrapper;
    });
    this.wrappers.forEach(function (wrapper, index) {
      if (!wrapper.id) { wrapper.id = "question-editor-json-" + index; }
      wrapper.classList.add("qe-json");
    });
    this.problems = [];
    var self = this;
    this.wrappers.forEach(function (wrapper) {
      wrapper.querySelectorAll("[data-field-errors] .error-message").forEach(function (node) {
        var text = node.textContent.replace(/\s+/g, " ").trim();
        if (text) { self.problems.push(text); }
      });
    });
    this.root = h("div", {"class": "qe", "data-question-editor-root": ""});
    var first = this.wrappers[0];
    first.parentNode.insertBefore(first.tagName === "LI" ? h("li", {}, [this.root]) : this.root, first);

    this.readJson(true);
    typeSelect.addEventListener("change", function () { self.typeChanged(); });
    [dataArea, textsArea].forEach(function (area) {
      area.addEventListener("input", function () { self.readJson(false); });
    });
    // Enter in a one-line field would submit the whole form: run the field's action instead.
    this.root.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || target.tagName !== "INPUT" || target.type === "checkbox" || target.type === "radio") { return; }
      event.preventDefault();
      var action = target.getAttribute("data-qe-enter");
      if (action === "add-rect") { self.addRectFromInputs(); }
      if (action === "add-language") { self.addLanguage(); }
    });
  }

  var proto = QuestionEditor.prototype;

  /* Reads the textareas into the model. On first load a new (empty) question is given a
     skeleton, written back at once; later, raw JSON edits rebuild the editor. */
  proto.readJson = function (initial) {
    var data, texts;
    try {
      data = JSON.parse(this.dataArea.value.trim() || "null");
      texts = JSON.parse(this.textsArea.value.trim() || "null");
      if ((data !== null && !isObj(data)) || (texts !== null && !isObj(texts))) { throw new Error("not an object"); }
    } catch (error) {
      this.state.unreadable = true;
      this.render();
      return;
    }
    var wasUnreadable = this.state.unreadable;
    this.state.unreadable = false;
    // JSON the author has just repaired by hand stays in sight.
    if (wasUnreadable && !initial) { this.state.showJson = true; }
    this.state.jsonOnly = !structured(this.typeSelect.value, data);
    if (this.state.jsonOnly) {
      if (initial && data === null && texts === null) { this.writeSkeleton(); }
      this.render();
      return;
    }
    var previousLanguage = this.model ? this.model.lang : null;
    this.model = this.load(this.typeSelect.value, data || {}, texts || {});
    if (previousLanguage && this.model.langs.indexOf(previousLanguage) >= 0) { this.model.lang = previousLanguage; }
    if (initial && data === null && texts === null) {
      this.skeleton();
      this.write();
    }
    if (initial || wasUnreadable || !this.state.showJson) { this.render(); } else { this.renderBody(); }
  };

  proto.load = function (type, data, texts) {
    var self = this;
    var m = {
      type: type, langs: [], lang: null, texts: {}, options: [], correctSingle: null,
      correctMulti: [], scoring: {}, tfCorrect: null, answer: "", tolerance: "0", items: [],
      premises: [], responses: [], image: {name: "", width: "", height: "", extra: {}},
      regions: [], targets: "any", maxClicks: "1", penalty: "0", dataExtra: {}
    };
    Object.keys(texts).forEach(function (code) { if (isObj(texts[code])) { m.langs.push(code); } });
    if (!m.langs.length) { m.langs.push(this.config.defaultLanguage); }
    m.lang = m.langs[0];
    var views = {};
    m.langs.forEach(function (code) {
      var t = texts[code] || {};
      var view = mergedView(data, t);
      var feedback = isObj(t.feedback) ? t.feedback : {};
      var extra = {};
      Object.keys(t).forEach(function (key) {
        var common = pluginFor(type, data) ? ["title", "stem", "feedback"].indexOf(key) >= 0 : TEXT_KEYS.indexOf(key) >= 0;
        if (!common) { extra[key] = clone(t[key]); }
      });
      views[code] = view;
      m.texts[code] = {
        title: str(t.title), stem: str(t.stem), stemInput: null,
        feedback: {correct: str(feedback.correct), incorrect: str(feedback.incorrect), partial: str(feedback.partial)},
        image_alt: isObj(view.image) ? str(view.image.alt) : "",
        unit: str(view.unit),
        feedback_true: str(t.feedback_true) || str(view.feedback_true),
        feedback_false: str(t.feedback_false) || str(view.feedback_false),
        extra: extra
      };
    });
    function entries(key) {
      var list = Array.isArray(data[key]) ? data[key] : [];
      return list.filter(function (e) { return isObj(e) && typeof e.id === "string" && e.id; }).map(function (e) {
        self.used[e.id] = true;
        var entry = {id: e.id, text: {}, feedback: {}};
        m.langs.forEach(function (code) {
          var match = findById(views[code][key], e.id);
          entry.text[code] = match ? str(match.text) : "";
          entry.feedback[code] = match ? str(match.feedback) : "";
        });
        return entry;
      });
    }
    m.options = entries("options");
    m.items = entries("items");
    if (Array.isArray(data.correct_order)) {
      var order = data.correct_order;
      m.items.sort(function (a, b) {
        var i = order.indexOf(a.id), j = order.indexOf(b.id);
        return (i < 0 ? 1e6 : i) - (j < 0 ? 1e6 : j);
      });
    }
    m.premises = entries("premises");
    m.responses = entries("responses");
    m.premises.forEach(function (premise) {
      premise.match = isObj(data.correct) && typeof data.correct[premise.id] === "string" ? data.correct[premise.id] : "";
    });
    if (typeof data.correct === "string") { m.correctSingle = data.correct; }
    if (Array.isArray(data.correct)) { m.correctMulti = data.correct.filter(function (c) { return typeof c === "string"; }); }
    if (typeof data.correct === "boolean") { m.tfCorrect = data.correct; }
    if (typeof data.scoring === "string" && SCORED[type]) { m.scoring[type] = data.scoring; }
    if (data.answer !== undefined) { m.answer = numberText(data.answer) || String(data.answer); }
    if (data.tolerance !== undefined) { m.tolerance = numberText(data.tolerance) || String(data.tolerance); }
    if (isObj(data.image)) {
      m.image.name = str(data.image.name);
      m.image.width = numberText(data.image.width);
      m.image.height = numberText(data.image.height);
      Object.keys(data.image).forEach(function (key) {
        if (["name", "width", "height", "alt"].indexOf(key) < 0) { m.image.extra[key] = clone(data.image[key]); }
      });
    }
    m.regions = (Array.isArray(data.regions) ? data.regions : []).filter(function (r) {
      return isObj(r) && typeof r.id === "string" && r.id;
    }).map(function (r) {
      self.used[r.id] = true;
      var region = {id: r.id, shape: r.shape === "polygon" ? "polygon" : "rect", coords: clone(r.coords) || [], label: {}};
      m.langs.forEach(function (code) {
        var match = findById(views[code].regions, r.id);
        region.label[code] = match ? str(match.label) : "";
      });
      return region;
    });
    if (typeof data.targets === "string") { m.targets = data.targets; }
    if (data.max_clicks !== undefined) { m.maxClicks = numberText(data.max_clicks) || String(data.max_clicks); }
    if (data.wrong_click_penalty !== undefined) { m.penalty = numberText(data.wrong_click_penalty) || String(data.wrong_click_penalty); }
    if (pluginFor(type, data)) {
      m.plugin = true;
      m.raw = clone(data);
      this.markUsed(data);
      return m;
    }
    Object.keys(data).forEach(function (key) { if (DATA_KEYS.indexOf(key) < 0) { m.dataExtra[key] = clone(data[key]); } });
    return m;
  };

  /* Every id found in `value` (nested entries of a type's data): never given again. */
  proto.markUsed = function (value) {
    var self = this;
    if (Array.isArray(value)) { value.forEach(function (v) { self.markUsed(v); }); }
    else if (isObj(value)) {
      if (typeof value.id === "string") { this.used[value.id] = true; }
      Object.keys(value).forEach(function (key) { self.markUsed(value[key]); });
    }
  };

  /* A new id, never used in this question (nor given to a removed entry). */
  proto.newId = function (prefix) {
    var id;
    if (!prefix) {
      for (var i = 0; i < 26; i++) {
        id = String.fromCharCode(97 + i);
        if (!this.used[id]) { this.used[id] = true; return id; }
      }
      prefix = "o";
    }
    for (var n = 1; ; n++) {
      id = prefix + n;
      if (!this.used[id]) { this.used[id] = true; return id; }
    }
  };

  proto.newEntry = function (prefix) { return {id: this.newId(prefix), text: {}, feedback: {}, match: ""}; };

  /* What the current type needs to start with; what other types left is kept. */
  proto.skeleton = function () {
    var m = this.model;
    if (m.type === "single_choice" || m.type === "multiple_response") {
      while (m.options.length < 2) { m.options.push(this.newEntry("")); }
      if (m.type === "single_choice" && !findById(m.options, m.correctSingle) && m.correctMulti.length) { m.correctSingle = m.correctMulti[0]; }
      if (m.type === "multiple_response" && !m.correctMulti.length && m.correctSingle) { m.correctMulti = [m.correctSingle]; }
    } else if (m.type === "ordering") {
      while (m.items.length < 2) { m.items.push(this.newEntry("i")); }
    } else if (m.type === "matching") {
      while (m.premises.length < 2) { m.premises.push(this.newEntry("p")); }
      while (m.responses.length < 2) { m.responses.push(this.newEntry("r")); }
    }
  };

  proto.primaryLanguage = function () {
    var m = this.model;
    return m.langs.indexOf(this.config.primaryLanguage) >= 0 ? this.config.primaryLanguage : m.langs[0];
  };

  /* The model as {data, texts}, in the shape of QUESTION_FORMAT.md. */
  proto.serialize = function () {
    var m = this.model, type = m.type;
    // What every type shares in a language: title, stem, feedback, and the texts kept as
    // they came (a type's own, for a type with its own editor script).
    function common(code) {
      var source = m.texts[code];
      var out = clone(source.extra);
      out.title = source.title;
      out.stem = source.stem;
      out.feedback = {};
      FEEDBACK_KEYS.forEach(function (key) { if (source.feedback[key].trim()) { out.feedback[key] = source.feedback[key]; } });
      return out;
    }
    if (m.plugin) {
      var pluginTexts = {};
      m.langs.forEach(function (code) { pluginTexts[code] = common(code); });
      return {data: clone(m.raw), texts: pluginTexts};
    }
    var data = clone(m.dataExtra);
    function ids(list) { return list.map(function (e) { return {id: e.id}; }); }
    if (type === "single_choice" || type === "multiple_response") {
      data.options = ids(m.options);
      if (type === "single_choice") {
        if (findById(m.options, m.correctSingle)) { data.correct = m.correctSingle; }
      } else {
        data.correct = m.options.filter(function (o) { return m.correctMulti.indexOf(o.id) >= 0; }).map(function (o) { return o.id; });
        data.scoring = m.scoring[type] || "all_or_nothing";
      }
    } else if (type === "true_false") {
      if (m.tfCorrect !== null) { data.correct = m.tfCorrect; }
      var primary = m.texts[this.primaryLanguage()];
      ["feedback_true", "feedback_false"].forEach(function (key) { if (primary[key].trim()) { data[key] = primary[key]; } });
    } else if (type === "numeric") {
      data.answer = toNumber(m.answer);
      data.tolerance = String(m.tolerance).trim() === "" ? 0 : toNumber(m.tolerance);
    } else if (type === "ordering") {
      data.items = ids(m.items);
      data.correct_order = m.items.map(function (e) { return e.id; });
      data.scoring = m.scoring[type] || "all_or_nothing";
    } else if (type === "matching") {
      data.premises = ids(m.premises);
      data.responses = ids(m.responses);
      data.correct = {};
      m.premises.forEach(function (p) { if (p.match && findById(m.responses, p.match)) { data.correct[p.id] = p.match; } });
      data.scoring = m.scoring[type] || "all_or_nothing";
    } else if (type === "hotspot") {
      var image = clone(m.image.extra);
      if (m.image.name) { image.name = m.image.name; }
      image.width = toNumber(m.image.width);
      image.height = toNumber(m.image.height);
      data.image = image;
      data.regions = m.regions.map(function (r) { return {id: r.id, shape: r.shape, coords: clone(r.coords)}; });
      data.targets = m.targets;
      var clicks = toNumber(m.maxClicks);
      data.max_clicks = clicks !== null && Math.floor(clicks) === clicks ? clicks : null;
      data.wrong_click_penalty = toNumber(m.penalty);
    }
    var texts = {};
    m.langs.forEach(function (code) {
      var source = m.texts[code];
      var out = common(code);
      function keyed(list, withFeedback) {
        var result = {};
        list.forEach(function (e) {
          result[e.id] = {text: e.text[code] || ""};
          if (withFeedback && (e.feedback[code] || "").trim()) { result[e.id].feedback = e.feedback[code]; }
        });
        return result;
      }
      if (type === "single_choice" || type === "multiple_response") { out.options = keyed(m.options, true); }
      if (type === "true_false") {
        ["feedback_true", "feedback_false"].forEach(function (key) { if (source[key].trim()) { out[key] = source[key]; } });
      }
      if (type === "numeric" && source.unit.trim()) { out.unit = source.unit; }
      if (type === "ordering") { out.items = keyed(m.items); }
      if (type === "matching") { out.premises = keyed(m.premises); out.responses = keyed(m.responses); }
      if (type === "hotspot") {
        out.image_alt = source.image_alt;
        out.regions = {};
        m.regions.forEach(function (r) { out.regions[r.id] = {text: r.label[code] || ""}; });
      }
      texts[code] = out;
    });
    return {data: data, texts: texts};
  };

  proto.write = function () {
    var out = this.serialize();
    this.dataArea.value = JSON.stringify(out.data, null, 2);
    this.textsArea.value = JSON.stringify(out.texts, null, 2);
  };

  /* A change in the editor: the JSON is written at once; structural changes redraw. */
  proto.changed = function (redraw) {
    this.write();
    if (redraw) { this.renderBody(); }
  };

  /* A type edited as JSON starts from its skeleton (from the server's type registry),
     keeping the title and stem already written. */
  proto.writeSkeleton = function () {
    var skeleton = (this.config.skeletons || {})[this.typeSelect.value] || {data: {}, texts: {}};
    var texts = {};
    var current = {};
    try { current = JSON.parse(this.textsArea.value.trim() || "{}") || {}; } catch (e) { current = {}; }
    var codes = Object.keys(current).filter(function (code) { return isObj(current[code]); });
    if (!codes.length) { codes = [this.config.defaultLanguage]; }
    codes.forEach(function (code) {
      texts[code] = clone(skeleton.texts) || {};
      texts[code].title = str((current[code] || {}).title);
      texts[code].stem = str((current[code] || {}).stem) || str(texts[code].stem);
    });
    this.dataArea.value = JSON.stringify(skeleton.data || {}, null, 2);
    this.textsArea.value = JSON.stringify(texts, null, 2);
  };

  /* A type that is never scored (a description) is worth 0 points; a scored type at 0
     goes back to 1. The server refuses any other combination. */
  proto.pointsFollowType = function () {
    var field = document.querySelector("input[name='points']");
    if (!field) { return; }
    var unscored = (this.config.unscored || []).indexOf(this.typeSelect.value) >= 0;
    if (unscored) { field.value = "0"; }
    else if (toNumber(field.value) === 0) { field.value = "1"; }
  };

  proto.typeChanged = function () {
    this.pointsFollowType();
    if (this.state.unreadable) { return; }
    var wasJsonOnly = this.state.jsonOnly;
    if (!structured(this.typeSelect.value, null)) {
      this.writeSkeleton();
      this.state.jsonOnly = true;
      this.render();
      return;
    }
    if (pluginFor(this.typeSelect.value, null) && this.model && !wasJsonOnly) {
      // The title, stem and feedback stay; the type's own part starts from its skeleton.
      var skeleton = (this.config.skeletons || {})[this.typeSelect.value] || {data: {}, texts: {}};
      var model = this.model;
      model.type = this.typeSelect.value;
      model.plugin = true;
      model.raw = clone(skeleton.data) || {};
      this.markUsed(model.raw);
      model.langs.forEach(function (code) { model.texts[code].extra = clone(skeleton.texts) || {}; });
      this.changed(true);
      return;
    }
    if (this.model) { this.model.plugin = false; }
    if (wasJsonOnly || !this.model) {
      this.state.jsonOnly = false;
      this.dataArea.value = "";
      this.readJson(false);
      this.model.type = this.typeSelect.value;
      this.skeleton();
      this.write();
      this.render();
      return;
    }
    this.model.type = this.typeSelect.value;
    this.state.drawing = [];
    this.skeleton();
    this.changed(true);
  };

  // --- rendering -------------------------------------------------------------------------

  proto.render = function () {
    var S = this.S, self = this;
    this.root.textContent = "";
    var showJson = this.state.unreadable || this.state.showJson || this.state.jsonOnly;
    this.wrappers.forEach(function (wrapper) { wrapper.hidden = !showJson; });
    var toggle = h("button", {
      type: "button", "class": "button button-secondary button-small qe-json-toggle",
      "aria-expanded": showJson ? "true" : "false", "aria-controls": this.wrappers.map(function (w) { return w.id; }).join(" "),
      "data-qe-key": "json-toggle", text: showJson ? S.hideJson : S.showJson,
      onclick: function () { self.state.showJson = !self.state.showJson; self.state.focusKey = "json-toggle"; self.render(); }
    });
    toggle.hidden = this.state.unreadable || this.state.jsonOnly;
    this.root.appendChild(h("div", {"class": "qe-toolbar"}, [h("h2", {"class": "qe-heading", text: S.editorHeading}), toggle]));
    if (this.problems.length) {
      this.root.appendChild(h("div", {"class": "qe-problems", role: "alert"}, [
        h("p", {text: S.problemsIntro}),
        h("ul", {}, this.problems.map(function (p) { return h("li", {text: p}); }))
      ]));
    }
    if (this.state.unreadable) {
      this.root.appendChild(h("p", {"class": "qe-notice", role: "status", text: S.unreadable}));
    } else if (this.state.jsonOnly) {
      this.root.appendChild(h("p", {"class": "qe-notice", role: "status", "data-qe-json-only": "", text: S.jsonOnly}));
      return;
    }
    this.bodyNode = h("div", {"class": "qe-body"});
    this.root.appendChild(this.bodyNode);
    this.renderBody();
  };

  proto.renderBody = function () {
    if (!this.bodyNode) { return; }
    var active = document.activeElement;
    var focusKey = this.state.focusKey || (active && this.root.contains(active) ? active.getAttribute("data-qe-key") : null);
    this.state.focusKey = null;
    this.bodyNode.textContent = "";
    if (this.state.unreadable) { return; }
    var m = this.model;
    this.bodyNode.appendChild(this.languageBar());
    var panel = h("div", {"class": "qe-panel", role: "tabpanel", id: "qe-panel", "aria-labelledby": "qe-tab-" + m.lang});
    panel.appendChild(this.textField(this.S.title, "title", m.texts[m.lang].title, function (v) { m.texts[m.lang].title = v; }, {ref: this.refText(function (c) { return m.texts[c].title; })}));
    var t = m.texts[m.lang];
    panel.appendChild(this.textField(this.S.stem, "stem", t.stemInput !== null ? t.stemInput : stemToInput(t.stem), function (v) {
      m.texts[m.lang].stemInput = v;
      m.texts[m.lang].stem = inputToStem(v);
    }, {multiline: true, rows: 4, help: this.S.stemHelp}));
    var sections = {
      single_choice: this.optionsSection, multiple_response: this.optionsSection, true_false: this.trueFalseSection,
      numeric: this.numericSection, ordering: this.orderingSection, matching: this.matchingSection, hotspot: this.hotspotSection
    };
    if (m.plugin && PLUGINS[m.type]) {
      panel.appendChild(PLUGINS[m.type].render(this.pluginContext()));
    } else if (sections[m.type]) { panel.appendChild(sections[m.type].call(this)); }
    panel.appendChild(this.feedbackSection());
    this.bodyNode.appendChild(panel);
    if (focusKey) {
      var nodes = this.root.querySelectorAll("[data-qe-key]");
      for (var i = 0; i < nodes.length; i++) {
        if (nodes[i].getAttribute("data-qe-key") === focusKey && !nodes[i].disabled) {
          // The redrawn control sits where the old one was: keep the page where it is.
          nodes[i].focus({preventScroll: focusKey === "canvas" || focusKey.indexOf("mode:") === 0});
          break;
        }
      }
    }
  };

  /* The first language's text, shown as a placeholder while translating. */
  proto.refText = function (get) {
    var m = this.model;
    return m.lang !== m.langs[0] ? get(m.langs[0]) : "";
  };

  proto.textField = function (label, key, value, onInput, options) {
    options = options || {};
    var self = this;
    var input = h(options.multiline ? "textarea" : "input", {
      type: options.multiline ? null : "text", rows: options.rows || null, lang: this.model.lang,
      "data-qe-key": key + ":" + this.model.lang, placeholder: options.ref || null, "class": options.className || null
    });
    input.value = value || "";
    input.addEventListener("input", function () { onInput(input.value); self.changed(false); if (options.after) { options.after(input.value); } });
    var id = nextId();
    input.id = id;
    var help = null;
    if (options.help) {
      help = h("span", {"class": "qe-help", id: id + "-help", text: options.help});
      input.setAttribute("aria-describedby", help.id);
    }
    return h("div", {"class": "qe-field" + (options.multiline ? " qe-field--wide" : "")}, [
      h("label", {"class": "qe-label", "for": id, text: label}), input, help
    ]);
  };

  proto.numberField = function (label, key, value, onInput, attrs) {
    var self = this;
    var input = h("input", {type: "number", step: "any", "data-qe-key": key, "class": "qe-number"});
    Object.keys(attrs || {}).forEach(function (k) { if (k !== "enter") { input.setAttribute(k, attrs[k]); } });
    if (attrs && attrs.enter) { input.setAttribute("data-qe-enter", attrs.enter); }
    input.value = value;
    input.addEventListener("input", function () { onInput(input.value); });
    return labelled(label, input, "qe-field qe-field--number");
  };

  proto.button = function (text, key, onClick, attrs) {
    var button = h("button", {type: "button", "class": "button button-secondary button-small", "data-qe-key": key, text: text, onclick: onClick});
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== false) { button.setAttribute(k, attrs[k] === true ? "" : attrs[k]); } });
    return button;
  };

  proto.languageBar = function () {
    var S = this.S, m = this.model, self = this;
    var names = {};
    this.config.languages.forEach(function (l) { names[l.code] = l.name; });
    var tabs = h("div", {role: "tablist", "class": "qe-tabs", "aria-label": S.languages}, m.langs.map(function (code) {
      var selected = code === m.lang;
      return h("button", {
        type: "button", role: "tab", id: "qe-tab-" + code, "class": "qe-tab", "aria-selected": selected ? "true" : "false",
        "aria-controls": "qe-panel", tabindex: selected ? "0" : "-1", lang: code, "data-qe-key": "tab:" + code,
        text: names[code] || code,
        onclick: function () { m.lang = code; self.state.drawing = []; self.renderBody(); },
        onkeydown: function (event) {
          var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (!step) { return; }
          event.preventDefault();
          m.lang = m.langs[(m.langs.indexOf(code) + step + m.langs.length) % m.langs.length];
          self.state.focusKey = "tab:" + m.lang;
          self.renderBody();
        }
      });
    }));
    var bar = h("div", {"class": "qe-languages"}, [tabs]);
    var missing = this.config.languages.filter(function (l) { return m.langs.indexOf(l.code) < 0; });
    if (missing.length) {
      if (missing.map(function (l) { return l.code; }).indexOf(this.state.addLanguage) < 0) { this.state.addLanguage = missing[0].code; }
      var select = h("select", {"data-qe-key": "add-language-select"}, missing.map(function (l) {
        return h("option", {value: l.code, text: l.name, lang: l.code});
      }));
      select.value = this.state.addLanguage;
      select.addEventListener("change", function () { self.state.addLanguage = select.value; });
      bar.appendChild(labelled(S.addLanguage, select, "qe-field qe-field--inline"));
      bar.appendChild(this.button(S.add, "add-language", function () { self.addLanguage(); }));
    }
    if (m.langs.length > 1) {
      bar.appendChild(this.button(fmt(S.removeLanguage, {language: names[m.lang] || m.lang}), "remove-language", function () {
        if (!window.confirm(fmt(S.confirmRemoveLanguage, {language: names[m.lang] || m.lang}))) { return; }
        delete m.texts[m.lang];
        m.langs.splice(m.langs.indexOf(m.lang), 1);
        m.lang = m.langs[0];
        self.changed(true);
      }));
    }
    return bar;
  };

  proto.addLanguage = function () {
    var m = this.model, code = this.state.addLanguage;
    if (!code || m.langs.indexOf(code) >= 0) { return; }
    m.langs.push(code);
    m.texts[code] = {
      title: "", stem: "", stemInput: null, feedback: {correct: "", incorrect: "", partial: ""},
      image_alt: "", unit: "", feedback_true: "", feedback_false: "", extra: {}
    };
    m.lang = code;
    this.state.focusKey = "title:" + code;
    this.changed(true);
  };

  /* Up, down and remove buttons of an entry in a list. */
  proto.rowButtons = function (list, index, key, onRemove) {
    var S = this.S, self = this;
    function move(step) {
      return function () {
        var entry = list.splice(index, 1)[0];
        list.splice(index + step, 0, entry);
        var edge = index + step === 0 || index + step === list.length - 1;
        self.state.focusKey = key + (edge ? (step < 0 ? ":down" : ":up") : (step < 0 ? ":up" : ":down"));
        self.changed(true);
      };
    }
    return h("div", {"class": "qe-row-buttons"}, [
      this.button("↑", key + ":up", move(-1), {"aria-label": S.moveUp, title: S.moveUp, disabled: index === 0}),
      this.button("↓", key + ":down", move(1), {"aria-label": S.moveDown, title: S.moveDown, disabled: index === list.length - 1}),
      this.button("✕", key + ":remove", function () {
        list.splice(index, 1);
        if (onRemove) { onRemove(); }
        // The row is gone: the keyboard goes on from the add button of the list.
        self.state.focusKey = "add-" + key.split(":")[0];
        self.changed(true);
      }, {"aria-label": S.remove, title: S.remove, "class": "button button-secondary button-small no"})
    ]);
  };

  proto.scoringField = function () {
    var S = this.S, m = this.model, self = this;
    var rules = this.config.scoring[m.type] || [];
    var select = h("select", {"data-qe-key": "scoring"}, rules.map(function (rule) {
      return h("option", {value: rule, text: S["scoring_" + rule] || rule});
    }));
    select.value = m.scoring[m.type] || "all_or_nothing";
    select.addEventListener("change", function () { m.scoring[m.type] = select.value; self.changed(false); });
    return labelled(S.scoring, select, "qe-field");
  };

  proto.optionsSection = function () {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    var multi = m.type === "multiple_response";
    var list = h("ol", {"class": "qe-list"});
    m.options.forEach(function (option, index) {
      var key = "option:" + option.id;
      var mark = h("input", {type: multi ? "checkbox" : "radio", name: multi ? null : "question_editor_correct", value: option.id, "data-qe-key": key + ":correct"});
      mark.checked = multi ? m.correctMulti.indexOf(option.id) >= 0 : m.correctSingle === option.id;
      mark.addEventListener("change", function () {
        if (multi) {
          m.correctMulti = m.correctMulti.filter(function (id) { return id !== option.id; });
          if (mark.checked) { m.correctMulti.push(option.id); }
        } else if (mark.checked) {
          m.correctSingle = option.id;
        }
        self.changed(false);
      });
      list.appendChild(h("li", {"class": "qe-entry"}, [h("fieldset", {}, [
        h("legend", {text: fmt(S.optionN, {n: index + 1})}),
        h("div", {"class": "qe-entry-row"}, [
          h("label", {"class": "qe-correct"}, [mark, " ", h("span", {text: S.correct})]),
          self.textField(S.text, key + ":text", option.text[lang], function (v) { option.text[lang] = v; }, {ref: self.refText(function (c) { return option.text[c]; })}),
          self.textField(S.optionFeedback, key + ":feedback", option.feedback[lang], function (v) { option.feedback[lang] = v; }, {ref: self.refText(function (c) { return option.feedback[c]; })}),
          self.rowButtons(m.options, index, key)
        ])
      ])]));
    });
    var section = h("fieldset", {"class": "qe-section"}, [
      h("legend", {text: S.options}),
      h("p", {"class": "qe-help", text: multi ? S.optionsHelpMultiple : S.optionsHelpSingle}),
      list,
      this.button(S.addOption, "add-option", function () {
        var entry = self.newEntry("");
        m.options.push(entry);
        self.state.focusKey = "option:" + entry.id + ":text:" + m.lang;
        self.changed(true);
      })
    ]);
    if (multi) { section.appendChild(this.scoringField()); }
    return section;
  };

  proto.trueFalseSection = function () {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    var choices = [[true, S.trueLabel], [false, S.falseLabel]].map(function (pair) {
      var input = h("input", {type: "radio", name: "question_editor_true_false", value: String(pair[0]), "data-qe-key": "tf:" + pair[0]});
      input.checked = m.tfCorrect === pair[0];
      input.addEventListener("change", function () { if (input.checked) { m.tfCorrect = pair[0]; self.changed(false); } });
      return h("label", {"class": "qe-correct"}, [input, " ", h("span", {text: pair[1]})]);
    });
    return h("div", {}, [
      h("fieldset", {"class": "qe-section qe-inline"}, [h("legend", {text: S.correctAnswer})].concat(choices)),
      this.textField(S.feedbackTrue, "feedback_true", m.texts[lang].feedback_true, function (v) { m.texts[lang].feedback_true = v; }, {ref: this.refText(function (c) { return m.texts[c].feedback_true; })}),
      this.textField(S.feedbackFalse, "feedback_false", m.texts[lang].feedback_false, function (v) { m.texts[lang].feedback_false = v; }, {ref: this.refText(function (c) { return m.texts[c].feedback_false; })})
    ]);
  };

  proto.numericSection = function () {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    return h("fieldset", {"class": "qe-section"}, [
      h("legend", {text: S.correctAnswer}),
      h("div", {"class": "qe-entry-row"}, [
        this.numberField(S.numericAnswer, "answer", m.answer, function (v) { m.answer = v; self.changed(false); }),
        this.numberField(S.tolerance, "tolerance", m.tolerance, function (v) { m.tolerance = v; self.changed(false); }, {min: "0"}),
        this.textField(S.unit, "unit", m.texts[lang].unit, function (v) { m.texts[lang].unit = v; }, {ref: this.refText(function (c) { return m.texts[c].unit; })})
      ]),
      h("p", {"class": "qe-help", text: S.toleranceHelp}),
      PLUGINS.numeric ? this.button(S.severalAnswers, "several-answers", function () {
        // Moodle's numerical: the answer becomes the first of a list, with units to come.
        m.plugin = true;
        m.raw = {
          answers: [{id: self.newId("n"), value: toNumber(m.answer), tolerance: toNumber(m.tolerance) || 0, fraction: 1}],
          units: [], unit_handling: "none", unit_penalty: 0.1
        };
        self.state.focusKey = "add-answer";
        self.changed(true);
      }) : null
    ]);
  };

  proto.simpleList = function (list, noun, extra) {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    var ol = h("ol", {"class": "qe-list"});
    list.forEach(function (entry, index) {
      var key = noun + ":" + entry.id;
      var row = [
        self.textField(S.text, key + ":text", entry.text[lang], function (v) { entry.text[lang] = v; }, {
          ref: self.refText(function (c) { return entry.text[c]; }),
          after: noun === "response" ? function () { self.refreshResponseLabels(); } : null
        })
      ];
      if (extra) { row.push(extra(entry, index)); }
      row.push(self.rowButtons(list, index, key, noun === "response" ? function () {
        m.premises.forEach(function (p) { if (p.match === entry.id) { p.match = ""; } });
      } : null));
      ol.appendChild(h("li", {"class": "qe-entry"}, [h("fieldset", {}, [
        h("legend", {text: fmt(S[noun + "N"], {n: index + 1})}),
        h("div", {"class": "qe-entry-row"}, row)
      ])]));
    });
    return ol;
  };

  proto.addButton = function (list, noun, prefix, label) {
    var self = this;
    return this.button(label, "add-" + noun, function () {
      var entry = self.newEntry(prefix);
      list.push(entry);
      self.state.focusKey = noun + ":" + entry.id + ":text:" + self.model.lang;
      self.changed(true);
    });
  };

  proto.orderingSection = function () {
    var S = this.S, m = this.model;
    return h("fieldset", {"class": "qe-section"}, [
      h("legend", {text: S.items}),
      h("p", {"class": "qe-help", text: S.itemsHelp}),
      this.simpleList(m.items, "item"),
      this.addButton(m.items, "item", "i", S.addItem),
      this.scoringField()
    ]);
  };

  proto.responseLabel = function (response, index) {
    var text = response.text[this.model.lang] || response.text[this.model.langs[0]] || "";
    return fmt(this.S.responseN, {n: index + 1}) + (text ? ": " + text : "");
  };

  proto.refreshResponseLabels = function () {
    var self = this;
    this.root.querySelectorAll("option[data-response]").forEach(function (option) {
      var id = option.getAttribute("data-response");
      var index = -1;
      self.model.responses.forEach(function (r, i) { if (r.id === id) { index = i; } });
      if (index >= 0) { option.textContent = self.responseLabel(self.model.responses[index], index); }
    });
  };

  proto.matchingSection = function () {
    var S = this.S, m = this.model, self = this;
    var premises = this.simpleList(m.premises, "premise", function (premise) {
      var select = h("select", {"data-qe-key": "premise:" + premise.id + ":match"}, [h("option", {value: "", text: S.chooseResponse})].concat(
        m.responses.map(function (r, i) { return h("option", {value: r.id, "data-response": r.id, text: self.responseLabel(r, i)}); })
      ));
      select.value = findById(m.responses, premise.match) ? premise.match : "";
      select.addEventListener("change", function () { premise.match = select.value; self.changed(false); });
      return labelled(S.correctResponse, select, "qe-field");
    });
    return h("div", {}, [
      h("fieldset", {"class": "qe-section"}, [
        h("legend", {text: S.premises}), premises, this.addButton(m.premises, "premise", "p", S.addPremise)
      ]),
      h("fieldset", {"class": "qe-section"}, [
        h("legend", {text: S.responses}),
        h("p", {"class": "qe-help", text: S.responsesHelp}),
        this.simpleList(m.responses, "response"),
        this.addButton(m.responses, "response", "r", S.addResponse)
      ]),
      this.scoringField()
    ]);
  };

  proto.feedbackSection = function () {
    var S = this.S, m = this.model, lang = m.lang;
    var partial = m.plugin ? PLUGINS[m.type].partialCredit : PARTIAL_CREDIT[m.type];
    var keys = partial ? FEEDBACK_KEYS : ["correct", "incorrect"];
    var labels = {correct: S.feedbackCorrect, incorrect: S.feedbackIncorrect, partial: S.feedbackPartial};
    var self = this;
    return h("fieldset", {"class": "qe-section"}, [h("legend", {text: S.feedback})].concat(keys.map(function (key) {
      return self.textField(labels[key], "feedback-" + key, m.texts[lang].feedback[key], function (v) { m.texts[lang].feedback[key] = v; }, {
        multiline: true, rows: 2, ref: self.refText(function (c) { return m.texts[c].feedback[key]; })
      });
    })));
  };

  /* What a type's editor script works with: the question's data (shared by every
     language) and the current language's texts, the editor's controls, and changed(). */
  // Moodle's credits (percent), the ones an imported question may carry.
  var CREDITS = [100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0];

  /* A select of credits for an answer worth `fraction` (0..1); onChange(fraction). */
  proto.creditSelect = function (label, key, fraction, onChange, negative) {
    var self = this;
    var values = negative ? CREDITS.concat(CREDITS.slice(0, -1).map(function (v) { return -v; }).reverse()) : CREDITS;
    var select = h("select", {"data-qe-key": key}, values.map(function (value) {
      return h("option", {value: String(value), text: value + " %"});
    }));
    var current = Math.round((typeof fraction === "number" ? fraction : 0) * 1e7) / 1e5;
    if (values.indexOf(current) < 0) { select.appendChild(h("option", {value: String(current), text: current + " %"})); }
    select.value = String(current);
    select.addEventListener("change", function () { onChange(Math.round(Number(select.value) * 1e5) / 1e7); self.changed(false); });
    return labelled(label, select);
  };

  proto.pluginContext = function () {
    var self = this, m = this.model;
    return {
      h: h, labelled: labelled, toNumber: toNumber, numberText: numberText, isObj: isObj, clone: clone,
      S: (this.config.typeStrings || {})[m.type] || {}, common: this.S,
      config: (this.config.typeConfig || {})[m.type] || {},
      data: m.raw, texts: m.texts[m.lang].extra, lang: m.lang, langs: m.langs.slice(),
      textsOf: function (code) { return m.texts[code].extra; },
      textField: function () { return self.textField.apply(self, arguments); },
      numberField: function () { return self.numberField.apply(self, arguments); },
      button: function () { return self.button.apply(self, arguments); },
      rowButtons: function () { return self.rowButtons.apply(self, arguments); },
      creditSelect: function () { return self.creditSelect.apply(self, arguments); },
      imageFieldset: function (image) { return self.imageFieldset(image); },
      // Lists that name entries by their text: typing an entry's text renames it there.
      renamer: function () {
        var lists = [];
        return {
          track: function (select) { lists.push(select); return select; },
          rename: function (id, text) {
            lists.forEach(function (list) {
              Array.prototype.forEach.call(list.options, function (o) { if (o.value === id) { o.textContent = text || id; } });
            });
          }
        };
      },
      newId: function (prefix) { return self.newId(prefix); },
      focus: function (key) { self.state.focusKey = key; },
      changed: function (redraw) { self.changed(redraw); }
    };
  };

  // --- hotspot ---------------------------------------------------------------------------

  proto.imageSize = function () {
    var width = toNumber(this.model.image.width), height = toNumber(this.model.image.height);
    return width > 0 && height > 0 ? [width, height] : null;
  };

  /* A select of the platform's images (and the question's own stored image, kept as it
     is); onPick(name, width, height), the size known for the platform's images. */
  proto.imageSelect = function (current, onPick) {
    var images = this.config.images;
    var names = images.map(function (i) { return i.name; });
    if (current && names.indexOf(current) < 0) { names.push(current); }
    var select = h("select", {"data-qe-key": "image-name"}, [h("option", {value: "", text: this.S.noImage})].concat(
      names.map(function (name) { return h("option", {value: name, text: name}); })
    ));
    select.value = current || "";
    select.addEventListener("change", function () {
      var known = images.filter(function (i) { return i.name === select.value; })[0];
      onPick(select.value, known ? known.width : null, known ? known.height : null);
    });
    return select;
  };

  /* The background image of a type's question: name, size, text alternative per
     language (texts.image_alt). */
  proto.imageFieldset = function (image) {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    function size(key) {
      return self.numberField(key === "width" ? S.imageWidth : S.imageHeight, "image-" + key, numberText(image[key]), function (v) {
        var value = toNumber(v);
        image[key] = value === null ? v : value;
        self.changed(false);
      }, {min: "1", step: "1"});
    }
    return h("fieldset", {"class": "qe-section"}, [
      h("legend", {text: S.image}),
      h("div", {"class": "qe-entry-row"}, [
        labelled(S.imageName, this.imageSelect(image.name, function (name, width, height) {
          image.name = name;
          if (width) { image.width = width; image.height = height; }
          self.changed(true);
        }), "qe-field"),
        size("width"), size("height")
      ]),
      this.textField(S.imageAlt, "image-alt", str(m.texts[lang].extra.image_alt), function (v) { m.texts[lang].extra.image_alt = v; }, {
        ref: this.refText(function (c) { return str(m.texts[c].extra.image_alt); })
      })
    ]);
  };

  proto.hotspotSection = function () {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    var select = this.imageSelect(m.image.name, function (name, width, height) {
      m.image.name = name;
      if (width) { m.image.width = String(width); m.image.height = String(height); }
      self.changed(true);
    });
    this.canvasHolder = h("div", {"class": "qe-canvas-holder"});
    this.drawStatus = h("p", {"class": "qe-help", "aria-live": "polite"});
    var modes = [["select", S.modeSelect], ["rect", S.modeRect], ["polygon", S.modePolygon]].map(function (pair) {
      return self.button(pair[1], "mode:" + pair[0], function () {
        self.state.mode = pair[0];
        self.state.drawing = [];
        self.state.focusKey = "mode:" + pair[0];
        self.renderBody();
      }, {"aria-pressed": self.state.mode === pair[0] ? "true" : "false"});
    });
    var toolbar = h("div", {"class": "qe-draw-toolbar", role: "group", "aria-label": S.drawingTools}, modes.concat([
      this.button(S.closePolygon, "close-polygon", function () { self.finishPolygon(); }, {disabled: this.state.mode !== "polygon"}),
      this.button(S.cancelPolygon, "cancel-polygon", function () { self.state.drawing = []; self.drawShapes(); }, {disabled: this.state.mode !== "polygon"}),
      this.button(S.deleteSelected, "delete-selected", function () { self.deleteRegion(self.state.selected); }, {"class": "button button-secondary button-small no"})
    ]));
    var section = h("div", {"class": "qe-hotspot"}, [
      h("fieldset", {"class": "qe-section"}, [
        h("legend", {text: S.image}),
        h("div", {"class": "qe-entry-row"}, [
          labelled(S.imageName, select, "qe-field"),
          this.numberField(S.imageWidth, "image-width", m.image.width, function (v) { m.image.width = v; self.changed(false); self.buildCanvas(); }, {min: "1", step: "1"}),
          this.numberField(S.imageHeight, "image-height", m.image.height, function (v) { m.image.height = v; self.changed(false); self.buildCanvas(); }, {min: "1", step: "1"})
        ]),
        this.textField(S.imageAlt, "image-alt", m.texts[lang].image_alt, function (v) { m.texts[lang].image_alt = v; }, {ref: this.refText(function (c) { return m.texts[c].image_alt; })})
      ]),
      h("fieldset", {"class": "qe-section"}, [
        h("legend", {text: S.regions}),
        toolbar,
        h("p", {"class": "qe-help", id: "qe-draw-help", text: S.drawHelp}),
        this.canvasHolder,
        this.drawStatus,
        this.regionList(),
        this.addRectFieldset()
      ]),
      h("fieldset", {"class": "qe-section"}, [
        h("legend", {text: S.hotspotScoring}),
        h("div", {"class": "qe-entry-row"}, [
          this.targetsField(),
          this.numberField(S.maxClicks, "max-clicks", m.maxClicks, function (v) { m.maxClicks = v; self.changed(false); }, {min: "1", step: "1"}),
          this.numberField(S.penalty, "penalty", m.penalty, function (v) { m.penalty = v; self.changed(false); }, {min: "0", max: "1", step: "0.05"})
        ]),
        h("p", {"class": "qe-help", text: S.penaltyHelp})
      ])
    ]);
    this.buildCanvas();
    return section;
  };

  proto.targetsField = function () {
    var S = this.S, m = this.model, self = this;
    var select = h("select", {"data-qe-key": "targets"}, [
      h("option", {value: "any", text: S.targetsAny}), h("option", {value: "all", text: S.targetsAll})
    ]);
    select.value = m.targets === "all" ? "all" : "any";
    select.addEventListener("change", function () { m.targets = select.value; self.changed(false); });
    return labelled(S.targets, select, "qe-field");
  };

  proto.regionList = function () {
    var S = this.S, m = this.model, self = this, lang = m.lang;
    if (!m.regions.length) { return h("p", {"class": "qe-help", text: S.noRegions}); }
    var list = h("ol", {"class": "qe-list qe-regions"});
    m.regions.forEach(function (region) {
      var key = "region:" + region.id;
      var fields = [
        self.textField(S.regionLabel, key + ":label", region.label[lang], function (v) { region.label[lang] = v; }, {ref: self.refText(function (c) { return region.label[c]; })})
      ];
      if (region.shape === "rect") {
        [["x", S.x], ["y", S.y], ["w", S.width], ["h", S.height]].forEach(function (pair, i) {
          fields.push(self.numberField(pair[1], key + ":" + pair[0], numberText(region.coords[i]), function (v) {
            var value = toNumber(v);
            if (value === null) { return; }
            region.coords[i] = value;
            self.changed(false);
            self.drawShapes();
          }));
        });
      } else {
        var points = h("input", {type: "text", "data-qe-key": key + ":points", "class": "qe-points", spellcheck: "false"});
        points.value = (Array.isArray(region.coords) ? region.coords : []).map(function (p) { return Array.isArray(p) ? p.join(",") : ""; }).join(" ");
        points.addEventListener("input", function () {
          var parsed = points.value.trim().split(/\s+/).map(function (pair) {
            var xy = pair.split(",").map(toNumber);
            return xy.length === 2 && xy[0] !== null && xy[1] !== null ? xy : null;
          });
          var ok = parsed.length > 0 && parsed.every(Boolean);
          points.setAttribute("aria-invalid", ok ? "false" : "true");
          if (!ok) { return; }
          region.coords = parsed;
          self.changed(false);
          self.drawShapes();
        });
        fields.push(labelled(S.points, points, "qe-field qe-field--wide"));
      }
      fields.push(self.button("✕", key + ":remove", function () {
        self.state.focusKey = "new-rect:x";
        self.deleteRegion(region.id);
      }, {"aria-label": S.deleteRegion, title: S.deleteRegion, "class": "button button-secondary button-small no"}));
      var item = h("li", {"class": "qe-entry" + (self.state.selected === region.id ? " is-selected" : ""), "data-region-row": region.id}, [
        h("fieldset", {}, [
          h("legend", {text: fmt(region.shape === "rect" ? S.rectangleN : S.polygonN, {id: region.id})}),
          h("div", {"class": "qe-entry-row"}, fields)
        ])
      ]);
      item.addEventListener("focusin", function () { self.select(region.id); });
      list.appendChild(item);
    });
    return list;
  };

  proto.addRectFieldset = function () {
    var S = this.S, self = this, values = this.state.newRect;
    var fields = [["x", S.x], ["y", S.y], ["w", S.width], ["h", S.height]].map(function (pair) {
      return self.numberField(pair[1], "new-rect:" + pair[0], values[pair[0]], function (v) { values[pair[0]] = v; }, {enter: "add-rect"});
    });
    fields.push(this.button(S.addRectangle, "add-rect", function () { self.addRectFromInputs(); }));
    return h("fieldset", {"class": "qe-subsection"}, [
      h("legend", {text: S.addRectangleLegend}),
      h("div", {"class": "qe-entry-row"}, fields),
      h("p", {"class": "qe-error", role: "alert", text: this.state.rectMessage})
    ]);
  };

  proto.addRectFromInputs = function () {
    var v = this.state.newRect;
    var coords = [v.x, v.y, v.w, v.h].map(toNumber);
    if (coords.some(function (c) { return c === null; }) || coords[2] <= 0 || coords[3] <= 0) {
      this.state.rectMessage = this.S.badRectangle;
      this.state.focusKey = "add-rect";
      this.renderBody();
      return;
    }
    this.state.rectMessage = "";
    this.state.newRect = {x: "", y: "", w: "", h: ""};
    this.addRegion("rect", coords);
    this.state.focusKey = "new-rect:x";
    this.renderBody();
  };

  proto.addRegion = function (shape, coords) {
    var m = this.model;
    var region = {id: this.newId("r"), shape: shape, coords: coords, label: {}};
    m.langs.forEach(function (code) { region.label[code] = ""; });
    m.regions.push(region);
    this.state.selected = region.id;
    this.write();
  };

  proto.deleteRegion = function (id) {
    var m = this.model;
    var index = -1;
    m.regions.forEach(function (r, i) { if (r.id === id) { index = i; } });
    if (index < 0) { return; }
    m.regions.splice(index, 1);
    this.state.selected = null;
    this.changed(true);
  };

  proto.select = function (id) {
    if (this.state.selected === id) { return; }
    this.state.selected = id;
    this.root.querySelectorAll("[data-region-row]").forEach(function (row) {
      row.classList.toggle("is-selected", row.getAttribute("data-region-row") === id);
    });
    this.drawShapes();
  };

  proto.buildCanvas = function () {
    var holder = this.canvasHolder, S = this.S, self = this;
    if (!holder) { return; }
    holder.textContent = "";
    this.svg = null;
    var size = this.imageSize();
    if (!size) { holder.appendChild(h("p", {"class": "qe-notice", text: S.chooseImage})); return; }
    var width = size[0], height = size[1];
    var frame = h("div", {"class": "qe-canvas"});
    frame.style.maxWidth = width + "px";
    frame.style.aspectRatio = width + " / " + height;
    if (this.model.image.name) {
      frame.appendChild(h("img", {src: this.config.imageUrl.replace("__name__", encodeURIComponent(this.model.image.name)), alt: "", draggable: "false"}));
    }
    var svg = h("svg:svg", {
      viewBox: "0 0 " + width + " " + height, preserveAspectRatio: "none", tabindex: "0", role: "application",
      focusable: "true", "aria-label": S.canvasLabel, "aria-describedby": "qe-draw-help", "data-qe-key": "canvas",
      "class": "qe-svg qe-mode-" + this.state.mode
    });
    frame.appendChild(svg);
    holder.appendChild(frame);
    this.svg = svg;
    var drag = null;
    function point(event) {
      var box = svg.getBoundingClientRect();
      return [
        Math.round(clamp((event.clientX - box.left) * width / box.width, 0, width)),
        Math.round(clamp((event.clientY - box.top) * height / box.height, 0, height))
      ];
    }
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      var regionId = event.target.getAttribute && event.target.getAttribute("data-region");
      if (self.state.mode === "rect") {
        event.preventDefault();
        svg.focus({preventScroll: true});
        if (svg.setPointerCapture) { try { svg.setPointerCapture(event.pointerId); } catch (e) { /* synthetic pointer */ } }
        drag = {start: point(event), end: point(event), region: regionId};
        drag.node = h("svg:rect", {"class": "qe-preview"});
        svg.appendChild(drag.node);
      } else if (self.state.mode === "select") {
        self.select(regionId || null);
      }
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      drag.end = point(event);
      var box = rectFrom(drag.start, drag.end);
      drag.node.setAttribute("x", box[0]); drag.node.setAttribute("y", box[1]);
      drag.node.setAttribute("width", box[2]); drag.node.setAttribute("height", box[3]);
    });
    function endDrag(event, cancelled) {
      if (!drag) { return; }
      var finished = drag;
      drag = null;
      if (finished.node.parentNode) { finished.node.parentNode.removeChild(finished.node); }
      if (cancelled) { return; }
      finished.end = point(event);
      var box = rectFrom(finished.start, finished.end);
      if (box[2] >= 2 && box[3] >= 2) {
        self.addRegion("rect", box);
        self.state.focusKey = "canvas";
        self.renderBody();
      } else {
        self.select(finished.region || null);
      }
    }
    svg.addEventListener("pointerup", function (event) { endDrag(event, false); });
    svg.addEventListener("pointercancel", function (event) { endDrag(event, true); });
    svg.addEventListener("click", function (event) {
      if (self.state.mode !== "polygon") { return; }
      svg.focus({preventScroll: true});
      self.state.drawing.push(point(event));
      self.drawShapes();
    });
    svg.addEventListener("dblclick", function (event) {
      if (self.state.mode !== "polygon") { return; }
      event.preventDefault();
      self.finishPolygon();
    });
    svg.addEventListener("keydown", function (event) {
      if ((event.key === "Delete" || event.key === "Backspace") && self.state.selected) {
        event.preventDefault();
        self.state.focusKey = "canvas";
        self.deleteRegion(self.state.selected);
      } else if (event.key === "Escape") {
        self.state.drawing = [];
        self.drawShapes();
      } else if (event.key === "Enter" && self.state.mode === "polygon") {
        event.preventDefault();
        self.finishPolygon();
      }
    });
    this.drawShapes();
  };

  function rectFrom(a, b) {
    return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])];
  }

  proto.finishPolygon = function () {
    var size = this.imageSize();
    var svg = this.svg;
    // A double-click also delivers two clicks: drop points that repeat the one before.
    var tolerance = 3;
    if (size && svg) {
      var box = svg.getBoundingClientRect();
      if (box.width > 0) { tolerance = Math.max(1, 4 * size[0] / box.width); }
    }
    var points = [];
    this.state.drawing.forEach(function (p) {
      var last = points[points.length - 1];
      if (!last || Math.abs(last[0] - p[0]) > tolerance || Math.abs(last[1] - p[1]) > tolerance) { points.push(p); }
    });
    if (points.length > 3) {
      var first = points[0], end = points[points.length - 1];
      if (Math.abs(first[0] - end[0]) <= tolerance && Math.abs(first[1] - end[1]) <= tolerance) { points.pop(); }
    }
    if (points.length < 3) {
      this.state.drawing = points;
      this.setDrawStatus(this.S.polygonTooShort);
      return;
    }
    this.state.drawing = [];
    this.addRegion("polygon", points);
    this.state.focusKey = "canvas";
    this.renderBody();
  };

  proto.setDrawStatus = function (text) { if (this.drawStatus) { this.drawStatus.textContent = text; } };

  proto.drawShapes = function () {
    var svg = this.svg, self = this;
    if (!svg) { return; }
    Array.prototype.slice.call(svg.childNodes).forEach(function (node) {
      if (!node.classList || !node.classList.contains("qe-preview")) { svg.removeChild(node); }
    });
    var size = this.imageSize();
    var fontSize = Math.max(10, Math.round(size[0] / 60));
    this.model.regions.forEach(function (region) {
      var c = region.coords, node = null, anchor = null;
      var selected = region.id === self.state.selected ? " is-selected" : "";
      if (region.shape === "rect" && Array.isArray(c) && c.length === 4 && c.every(function (v) { return typeof v === "number"; })) {
        node = h("svg:rect", {x: c[0], y: c[1], width: Math.max(0, c[2]), height: Math.max(0, c[3])});
        anchor = [c[0], c[1]];
      } else if (region.shape === "polygon" && Array.isArray(c) && c.length && c.every(function (p) { return Array.isArray(p) && p.length === 2; })) {
        node = h("svg:polygon", {points: c.map(function (p) { return p.join(","); }).join(" ")});
        anchor = c[0];
      }
      if (!node) { return; }
      node.setAttribute("class", "qe-region" + selected);
      node.setAttribute("data-region", region.id);
      svg.appendChild(node);
      svg.appendChild(h("svg:text", {x: anchor[0] + 4, y: anchor[1] + fontSize + 2, "class": "qe-region-id" + selected, "font-size": fontSize, text: region.id}));
    });
    var drawing = this.state.drawing;
    if (drawing.length) {
      svg.appendChild(h("svg:polyline", {"class": "qe-drawing", points: drawing.map(function (p) { return p.join(","); }).join(" ")}));
      drawing.forEach(function (p) {
        svg.appendChild(h("svg:circle", {"class": "qe-vertex", cx: p[0], cy: p[1], r: Math.max(3, fontSize / 3)}));
      });
    }
    svg.setAttribute("class", "qe-svg qe-mode-" + this.state.mode);
    if (this.state.mode === "polygon") {
      this.setDrawStatus(fmt(this.S.polygonProgress, {n: drawing.length}));
    } else {
      this.setDrawStatus("");
    }
  };

  // --- start -----------------------------------------------------------------------------

  function start() {
    var island = document.getElementById("question-editor-config");
    var typeSelect = document.querySelector("select[data-question-editor='type']");
    var dataArea = document.querySelector("textarea[data-question-editor='data']");
    var textsArea = document.querySelector("textarea[data-question-editor='texts']");
    if (!island || !typeSelect || !dataArea || !textsArea || dataArea.hasAttribute("data-question-editor-ready")) { return; }
    dataArea.setAttribute("data-question-editor-ready", "");
    new QuestionEditor(JSON.parse(island.textContent), typeSelect, dataArea, textsArea);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
