/* Assessment attempt: autosaves each answer with a sequence number, keeps unsent answers
   in localStorage and retries when the connection returns, shows what is saved, and
   counts down to the server's deadline. No framework. */
(function () {
  "use strict";
  var settingsNode = document.getElementById("attempt-settings");
  if (!settingsNode) { return; }
  var settings = JSON.parse(settingsNode.textContent);
  var form = document.getElementById("attempt-form");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var seq = settings.seq || {};
  var pending = {};
  try { pending = JSON.parse(localStorage.getItem(settings.storageKey) || "{}"); } catch (e) { pending = {}; }

  function keep() {
    try { localStorage.setItem(settings.storageKey, JSON.stringify(pending)); } catch (e) { /* full */ }
  }
  function status(position, key, detail) {
    var node = form.querySelector('[data-position="' + position + '"] [data-save-status]');
    if (node) { node.textContent = settings.messages[key] + (detail ? ": " + detail : ""); node.setAttribute("data-state", key); }
  }

  function read(question) {
    var type = question.getAttribute("data-type");
    var name = "q" + question.getAttribute("data-position");
    if (type === "single_choice") {
      var chosen = question.querySelector("input[name='" + name + "']:checked");
      return {option: chosen ? chosen.value : null};
    }
    if (type === "multiple_response") {
      return {options: Array.prototype.map.call(question.querySelectorAll("input:checked"), function (i) { return i.value; })};
    }
    if (type === "true_false") {
      var value = question.querySelector("input:checked");
      return {value: value ? value.value === "true" : null};
    }
    if (type === "numeric") { return {value: question.querySelector("input").value}; }
    if (type === "ordering") {
      return {order: Array.prototype.map.call(question.querySelectorAll("[data-ordering] li"), function (li) { return li.getAttribute("data-id"); })};
    }
    if (type === "matching") {
      var pairs = {};
      question.querySelectorAll("select[data-premise]").forEach(function (s) { if (s.value) { pairs[s.getAttribute("data-premise")] = s.value; } });
      return {pairs: pairs};
    }
    if (type === "hotspot") { return {clicks: JSON.parse(question.querySelector("[data-hotspot]").getAttribute("data-clicks") || "[]")}; }
    return null;
  }

  function send(position) {
    var item = pending[position];
    if (!item) { return Promise.resolve(); }
    status(position, "saving");
    return fetch(settings.answerUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({position: Number(position), seq: item.seq, answer: item.answer})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (result.ok) {
        if (pending[position] && pending[position].seq <= result.body.seq) { delete pending[position]; keep(); }
        status(position, "saved");
      } else {
        delete pending[position]; keep();
        status(position, "refused", result.body.message);
      }
    }).catch(function () { status(position, "unsaved"); });
  }

  function changed(question) {
    var position = question.getAttribute("data-position");
    seq[position] = (seq[position] || 0) + 1;
    pending[position] = {seq: seq[position], answer: read(question)};
    keep();
    send(position);
  }

  form.querySelectorAll("[data-question]").forEach(function (question) {
    question.addEventListener("change", function () { changed(question); });
    question.querySelectorAll("[data-move]").forEach(function (button) {
      button.addEventListener("click", function () {
        var li = button.closest("li");
        if (button.getAttribute("data-move") === "up" && li.previousElementSibling) { li.parentNode.insertBefore(li, li.previousElementSibling); }
        if (button.getAttribute("data-move") === "down" && li.nextElementSibling) { li.parentNode.insertBefore(li.nextElementSibling, li); }
        button.focus();
        changed(question);
      });
    });
    var area = question.querySelector("[data-hotspot]");
    if (area) { hotspot(area, question); }
  });

  function hotspot(area, question) {
    var img = area.querySelector("img");
    var cursor = area.querySelector(".hotspot-cursor");
    var width = Number(area.getAttribute("data-width")), height = Number(area.getAttribute("data-height"));
    var max = Number(area.getAttribute("data-max-clicks")) || 1;
    var clicks = [], at = [width / 2, height / 2];
    var count = question.querySelector("[data-hotspot-count]");
    function draw() {
      area.querySelectorAll(".hotspot-mark").forEach(function (m) { m.remove(); });
      clicks.forEach(function (c) {
        var mark = document.createElement("span");
        mark.className = "hotspot-mark";
        mark.style.left = (100 * c[0] / width) + "%"; mark.style.top = (100 * c[1] / height) + "%";
        area.appendChild(mark);
      });
      cursor.style.left = (100 * at[0] / width) + "%"; cursor.style.top = (100 * at[1] / height) + "%";
      area.setAttribute("data-clicks", JSON.stringify(clicks));
      count.textContent = clicks.length + " / " + max;
    }
    function place(x, y) {
      if (clicks.length >= max) { clicks.shift(); }
      clicks.push([Math.round(x), Math.round(y)]);
      draw(); changed(question);
    }
    img.addEventListener("click", function (event) {
      var box = img.getBoundingClientRect();
      place((event.clientX - box.left) * width / box.width, (event.clientY - box.top) * height / box.height);
    });
    area.addEventListener("keydown", function (event) {
      var step = event.shiftKey ? 40 : 10;
      var moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
      if (moves[event.key]) {
        at = [Math.min(width, Math.max(0, at[0] + moves[event.key][0])), Math.min(height, Math.max(0, at[1] + moves[event.key][1]))];
        draw(); event.preventDefault();
      } else if (event.key === "Enter" || event.key === " ") {
        place(at[0], at[1]); event.preventDefault();
      } else if (event.key === "Delete" || event.key === "Backspace") {
        clicks.pop(); draw(); changed(question); event.preventDefault();
      }
    });
    draw();
  }

  // Answers kept from an earlier visit that never reached the server are sent again.
  Object.keys(pending).forEach(function (position) {
    if ((settings.seq[position] || 0) >= pending[position].seq) { delete pending[position]; } else { seq[position] = pending[position].seq; send(position); }
  });
  keep();

  // The connection line says when answers can only be kept on this device.
  var connection = document.querySelector("[data-connection]");
  function showConnection() {
    if (!connection) { return; }
    connection.textContent = navigator.onLine ? "" : settings.messages.offline;
    connection.setAttribute("data-state", navigator.onLine ? "online" : "offline");
  }
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", function () { showConnection(); Object.keys(pending).forEach(send); });
  showConnection();

  // Submitting first sends what is still unsent; with answers that cannot be sent, the
  // officer is told instead of losing them (the deadline's own submit is not held back).
  var submitNotice = document.querySelector("[data-submit-notice]");
  var submitting = false;
  form.addEventListener("submit", function (event) {
    if (submitting || Object.keys(pending).length === 0) { return; }
    event.preventDefault();
    Promise.all(Object.keys(pending).map(send)).then(function () {
      var left = Object.keys(pending).length;
      if (left === 0) { submitting = true; form.submit(); return; }
      if (submitNotice) { submitNotice.textContent = settings.messages.unsentBeforeSubmit.replace("%(count)s", left); }
    });
  });
  setInterval(function () { if (navigator.onLine) { Object.keys(pending).forEach(send); } }, 15000);

  var timer = document.querySelector("[data-timer]");
  if (timer && settings.deadline) {
    var offset = Date.now() - new Date(settings.serverNow).getTime();
    var deadline = new Date(settings.deadline).getTime() + offset;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left === 0) { timer.textContent = settings.messages.timeUp; submitting = true; form.submit(); return; }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
