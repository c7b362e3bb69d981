/* Essay questions on the attempt page: a live word count against the question's limits,
   autosave while typing (a pause of a second saves, through attempt.js), and optional
   attached files, sent one at a time to the attempt's upload address; the answer then
   names their keys and is autosaved like any other. Registers read/write for attempt.js. */
(function () {
  "use strict";
  var registry = window.lmsQuestionTypes = window.lmsQuestionTypes || {};
  var PAUSE = 1000;

  function words(text) { var found = (text || "").match(/\S+/g); return found ? found.length : 0; }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, key) { return values[key] !== undefined ? values[key] : all; });
  }
  function keys(question) {
    return Array.prototype.map.call(question.querySelectorAll("[data-essay-files] li[data-key]"), function (li) { return li.getAttribute("data-key"); });
  }
  function changed(question) { question.dispatchEvent(new Event("change", {bubbles: true})); }

  function count(question) {
    var box = question.querySelector("[data-essay]");
    var node = question.querySelector("[data-word-count]");
    if (!box || !node) { return; }
    var n = words(question.querySelector("[data-essay-text]").value);
    var min = Number(box.getAttribute("data-min-words")) || 0;
    var max = Number(box.getAttribute("data-max-words")) || 0;
    var text = fill(box.getAttribute("data-msg-words"), {count: n});
    var state = "ok";
    if (min && n < min) { text += " · " + fill(box.getAttribute("data-msg-too-few"), {min: min}); state = "too-few"; }
    if (max && n > max) { text += " · " + fill(box.getAttribute("data-msg-too-many"), {max: max}); state = "too-many"; }
    node.textContent = text;
    node.setAttribute("data-state", state);
    node.setAttribute("data-words", String(n));
  }

  function fileItem(question, key, name, url) {
    var box = question.querySelector("[data-essay]");
    var li = document.createElement("li");
    li.setAttribute("data-key", key);
    var link = document.createElement(url ? "a" : "span");
    if (url) { link.href = url; }
    link.textContent = name || key.slice(0, 8);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button-small";
    remove.setAttribute("data-remove-file", "");
    remove.textContent = box.getAttribute("data-msg-remove");
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + link.textContent;
    remove.appendChild(hidden);
    li.appendChild(link);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(remove);
    return li;
  }

  function upload(question, input) {
    var box = question.querySelector("[data-essay]");
    var list = question.querySelector("[data-essay-files]");
    var status = question.querySelector("[data-upload-status]");
    var file = input.files && input.files[0];
    if (!file) { return; }
    var say = function (key, detail) {
      status.textContent = box.getAttribute("data-msg-" + key) + (detail ? ": " + detail : "");
      status.setAttribute("data-state", key);
    };
    if (keys(question).length >= Number(box.getAttribute("data-attachments"))) { say("full"); input.value = ""; return; }
    if (file.size > Number(box.getAttribute("data-max-bytes"))) { say("too-large"); input.value = ""; return; }
    var form = document.getElementById("attempt-form");
    var body = new FormData();
    body.append("position", question.getAttribute("data-position"));
    body.append("file", file, file.name);
    say("uploading");
    fetch(box.getAttribute("data-upload-url"), {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value, "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (json) { return {ok: response.ok, body: json}; }, function () { return {ok: false, body: null}; });
    }).then(function (result) {
      input.value = "";
      if (!result.ok || !result.body || !result.body.key) {
        say("upload-failed", result.body && (result.body.message || result.body.detail));
        return;
      }
      list.appendChild(fileItem(question, result.body.key, result.body.name, result.body.url));
      say("uploaded");
      changed(question);
    }, function () { input.value = ""; say("upload-failed"); });
  }

  function setUp(question) {
    var text = question.querySelector("[data-essay-text]");
    var timer = null;
    text.addEventListener("input", function () {
      count(question);
      clearTimeout(timer);
      timer = setTimeout(function () { changed(question); }, PAUSE);
    });
    var input = question.querySelector("[data-essay-file]");
    if (input) {
      input.addEventListener("change", function (event) { event.stopPropagation(); upload(question, input); });
    }
    var list = question.querySelector("[data-essay-files]");
    if (list) {
      list.addEventListener("click", function (event) {
        var button = event.target.closest("[data-remove-file]");
        if (!button) { return; }
        button.closest("li").remove();
        var status = question.querySelector("[data-upload-status]");
        var box = question.querySelector("[data-essay]");
        status.textContent = box.getAttribute("data-msg-removed");
        if (input) { input.focus(); }
        changed(question);
      });
    }
    count(question);
  }

  registry.essay = {
    read: function (question) {
      return {text: question.querySelector("[data-essay-text]").value, files: keys(question)};
    },
    write: function (question, answer) {
      question.querySelector("[data-essay-text]").value = answer.text || "";
      var list = question.querySelector("[data-essay-files]");
      if (list) {
        var wanted = answer.files || [];
        Array.prototype.forEach.call(list.querySelectorAll("li[data-key]"), function (li) {
          if (wanted.indexOf(li.getAttribute("data-key")) === -1) { li.remove(); }
        });
        var have = keys(question);
        wanted.forEach(function (key) { if (have.indexOf(key) === -1) { list.appendChild(fileItem(question, key, "", "")); } });
      }
      count(question);
    }
  };

  function start() { Array.prototype.forEach.call(document.querySelectorAll("[data-question][data-type=essay]"), setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
