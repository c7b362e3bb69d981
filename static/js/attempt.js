/* Assessment attempt: autosaves each answer with a sequence number, keeps unsent answers
   in localStorage and retries until the server takes them or explicitly refuses them,
   shows every saved answer again after a reload (the server's, or the newer one still
   waiting on this device), counts down to the server's deadline, and lets officers zoom
   and pan hotspot images on small screens. No framework.

   Every choice in the page is named by an opaque token of this attempt: the script sends
   back what it reads in the page and knows nothing of the answer key. */
(function () {
  "use strict";
  var settingsNode = document.getElementById("attempt-settings");
  if (!settingsNode) { return; }
  var settings = JSON.parse(settingsNode.textContent);
  var form = document.getElementById("attempt-form");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var serverSeq = settings.seq || {};
  var seq = {};
  Object.keys(serverSeq).forEach(function (position) { seq[position] = serverSeq[position]; });
  var pending = {};
  try { pending = JSON.parse(localStorage.getItem(settings.storageKey) || "{}") || {}; } catch (e) { pending = {}; }
  var inflight = {};
  var retryTimer = null;
  var retryDelay = 1000;
  var RETRY_MAX = 15000;

  function keep() {
    try { localStorage.setItem(settings.storageKey, JSON.stringify(pending)); } catch (e) { /* full */ }
  }
  function questionAt(position) { return form.querySelector('[data-question][data-position="' + position + '"]'); }
  function status(position, key, detail) {
    var node = form.querySelector('[data-position="' + position + '"] [data-save-status]');
    if (node) { node.textContent = settings.messages[key] + (detail ? ": " + detail : ""); node.setAttribute("data-state", key); }
  }
  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }

  // --- reading and writing answers (in the page's tokens) ---------------------------------

  // A type with its own script (static/js/types/<type>.js, loaded before this one)
  // registers {read: fn(question) -> answer, write: fn(question, answer)} here.
  function plugin(type) { return (window.lmsQuestionTypes || {})[type]; }

  function read(question) {
    var type = question.getAttribute("data-type");
    var name = "q" + question.getAttribute("data-position");
    if (plugin(type)) { return plugin(type).read(question); }
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
      each(question.querySelectorAll("select[data-premise]"), function (s) { if (s.value) { pairs[s.getAttribute("data-premise")] = s.value; } });
      return {pairs: pairs};
    }
    if (type === "hotspot") { return {clicks: JSON.parse(question.querySelector("[data-hotspot]").getAttribute("data-clicks") || "[]")}; }
    return null;
  }

  // The inverse of read(): shows an answer kept on this device (newer than the server's).
  function write(question, answer) {
    if (!answer) { return; }
    var type = question.getAttribute("data-type");
    if (plugin(type)) { plugin(type).write(question, answer); return; }
    if (type === "single_choice") {
      each(question.querySelectorAll("input[type=radio]"), function (i) { i.checked = i.value === answer.option; });
    } else if (type === "multiple_response") {
      var chosen = answer.options || [];
      each(question.querySelectorAll("input[type=checkbox]"), function (i) { i.checked = chosen.indexOf(i.value) !== -1; });
    } else if (type === "true_false") {
      each(question.querySelectorAll("input[type=radio]"), function (i) {
        i.checked = answer.value !== null && answer.value !== undefined && i.value === String(answer.value);
      });
    } else if (type === "numeric") {
      question.querySelector("input").value = answer.value === null || answer.value === undefined ? "" : answer.value;
    } else if (type === "ordering") {
      var list = question.querySelector("[data-ordering]");
      (answer.order || []).forEach(function (token) {
        each(list.children, function (li) { if (li.getAttribute("data-id") === token) { list.appendChild(li); } });
      });
    } else if (type === "matching") {
      var pairs = answer.pairs || {};
      each(question.querySelectorAll("select[data-premise]"), function (s) { s.value = pairs[s.getAttribute("data-premise")] || ""; });
    } else if (type === "hotspot") {
      var area = question.querySelector("[data-hotspot]");
      if (area && area.lmsHotspot) { area.lmsHotspot.set(answer.clicks || []); }
    }
  }

  // --- sending ------------------------------------------------------------------------------

  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () {
      retryTimer = null;
      Object.keys(pending).forEach(send);
    }, retryDelay);
    retryDelay = Math.min(RETRY_MAX, retryDelay * 2);
  }

  // Only the server's explicit refusal of an answer (a JSON 4xx naming why) drops it. A
  // proxy's 502/503, any 5xx, a timeout, a lost connection, an HTML error page or an
  // expired session keep it on this device and it is sent again.
  function send(position) {
    var item = pending[position];
    if (!item) { return Promise.resolve(); }
    if (inflight[position]) { return inflight[position]; }
    status(position, "saving");
    var sentSeq = item.seq;
    var request = fetch(settings.answerUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({position: Number(position), seq: item.seq, answer: item.answer})
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        return {status: response.status, body: body};
      });
    }).then(function (result) {
      var body = result.body;
      if (result.status >= 200 && result.status < 300 && body && typeof body.seq === "number") {
        if (pending[position] && pending[position].seq <= body.seq) { delete pending[position]; keep(); }
        serverSeq[position] = Math.max(serverSeq[position] || 0, body.seq);
        retryDelay = 1000;
        status(position, pending[position] ? "saving" : "saved");
        return;
      }
      var refused = result.status >= 400 && result.status < 500 && body && body.code &&
        body.code !== "anonymous" && result.status !== 429;
      if (refused) {
        if (pending[position] && pending[position].seq === sentSeq) { delete pending[position]; keep(); }
        status(position, "refused", body.message);
        return;
      }
      status(position, "unsaved", body && body.code === "anonymous" ? body.message : "");
      scheduleRetry();
    }, function () {
      status(position, "unsaved");
      scheduleRetry();
    }).then(function () {
      delete inflight[position];
      // A newer answer given while this one was in flight goes now.
      if (pending[position] && pending[position].seq > sentSeq) { return send(position); }
    });
    inflight[position] = request;
    return request;
  }

  function changed(question) {
    var position = question.getAttribute("data-position");
    seq[position] = (seq[position] || 0) + 1;
    pending[position] = {seq: seq[position], answer: read(question)};
    keep();
    send(position);
  }

  // --- hotspot: marks, keyboard, zoom and pan -------------------------------------------------

  var ZOOM_MIN = 1, ZOOM_MAX = 6;

  function hotspot(area, question) {
    var img = area.querySelector("img");
    var viewport = question.querySelector("[data-hotspot-viewport]") || area.parentNode;
    var cursor = area.querySelector(".hotspot-cursor");
    var width = Number(area.getAttribute("data-width")), height = Number(area.getAttribute("data-height"));
    var max = Number(area.getAttribute("data-max-clicks")) || 1;
    var clicks = [];
    try { clicks = JSON.parse(area.getAttribute("data-clicks") || "[]") || []; } catch (e) { clicks = []; }
    var at = [width / 2, height / 2];
    var count = question.querySelector("[data-hotspot-count]");
    var level = question.querySelector("[data-zoom-level]");
    var zoom = 1;
    // Never wider than the image itself at zoom 1; narrower screens shrink it to fit.
    viewport.style.maxWidth = width + "px";

    function draw() {
      each(area.querySelectorAll(".hotspot-mark"), function (m) { m.remove(); });
      clicks.forEach(function (c) {
        var mark = document.createElement("span");
        mark.className = "hotspot-mark";
        mark.style.left = (100 * c[0] / width) + "%"; mark.style.top = (100 * c[1] / height) + "%";
        area.appendChild(mark);
      });
      cursor.style.left = (100 * at[0] / width) + "%"; cursor.style.top = (100 * at[1] / height) + "%";
      area.setAttribute("data-clicks", JSON.stringify(clicks));
      if (count) { count.textContent = clicks.length + " / " + max; }
    }
    function place(x, y) {
      if (clicks.length >= max) { clicks.shift(); }
      clicks.push([Math.round(Math.min(width, Math.max(0, x))), Math.round(Math.min(height, Math.max(0, y)))]);
      draw(); changed(question);
    }
    // Zoom to a level, keeping the image point under (clientX, clientY) where it is.
    function zoomTo(next, clientX, clientY) {
      next = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, next));
      var frame = viewport.getBoundingClientRect();
      var box = img.getBoundingClientRect();
      if (clientX === undefined) { clientX = frame.left + frame.width / 2; clientY = frame.top + frame.height / 2; }
      var fx = box.width ? (clientX - box.left) / box.width : 0.5;
      var fy = box.height ? (clientY - box.top) / box.height : 0.5;
      zoom = next;
      area.style.width = (zoom * 100) + "%";
      var grown = img.getBoundingClientRect();
      viewport.scrollLeft += (grown.left + fx * grown.width) - clientX;
      viewport.scrollTop += (grown.top + fy * grown.height) - clientY;
      area.setAttribute("data-zoom", String(Math.round(zoom * 100) / 100));
      if (level) { level.textContent = Math.round(zoom * 100) + " %"; }
    }
    // Keeps the keyboard marker in sight when zoomed.
    function reveal() {
      var box = img.getBoundingClientRect(), frame = viewport.getBoundingClientRect();
      var x = box.left + at[0] * box.width / width, y = box.top + at[1] * box.height / height;
      if (x < frame.left + 20 || x > frame.right - 20) { viewport.scrollLeft += x - (frame.left + frame.width / 2); }
      if (y < frame.top + 20 || y > frame.bottom - 20) { viewport.scrollTop += y - (frame.top + frame.height / 2); }
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
        draw(); reveal(); event.preventDefault();
      } else if (event.key === "Enter" || event.key === " ") {
        place(at[0], at[1]); event.preventDefault();
      } else if (event.key === "Delete" || event.key === "Backspace") {
        clicks.pop(); draw(); changed(question); event.preventDefault();
      } else if (event.key === "+" || event.key === "=") {
        zoomTo(zoom * 1.5); reveal(); event.preventDefault();
      } else if (event.key === "-" || event.key === "_") {
        zoomTo(zoom / 1.5); reveal(); event.preventDefault();
      }
    });
    each(question.querySelectorAll("[data-zoom]"), function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-zoom");
        zoomTo(action === "in" ? zoom * 1.5 : action === "out" ? zoom / 1.5 : 1);
      });
    });
    // Two fingers zoom around their midpoint; one finger scrolls the frame (touch-action
    // pan-x pan-y leaves panning to the browser and pinching to this script).
    var pointers = {};
    var pinch = null;
    function spread() {
      var ids = Object.keys(pointers);
      var a = pointers[ids[0]], b = pointers[ids[1]];
      return {distance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
    }
    viewport.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "touch") { return; }
      pointers[event.pointerId] = {x: event.clientX, y: event.clientY};
      if (Object.keys(pointers).length === 2) { pinch = {start: spread(), zoom: zoom}; }
    });
    viewport.addEventListener("pointermove", function (event) {
      if (!pointers[event.pointerId]) { return; }
      pointers[event.pointerId] = {x: event.clientX, y: event.clientY};
      if (pinch && Object.keys(pointers).length === 2) {
        var now = spread();
        zoomTo(pinch.zoom * now.distance / pinch.start.distance, now.x, now.y);
        event.preventDefault();
      }
    });
    function release(event) {
      delete pointers[event.pointerId];
      if (Object.keys(pointers).length < 2) { pinch = null; }
    }
    viewport.addEventListener("pointerup", release);
    viewport.addEventListener("pointercancel", release);
    // A trackpad's pinch arrives as a wheel event with the Ctrl key.
    viewport.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault();
      zoomTo(zoom * Math.exp(-event.deltaY / 200), event.clientX, event.clientY);
    }, {passive: false});

    area.lmsHotspot = {set: function (given) { clicks = (given || []).slice(0, max); draw(); }};
    draw();
    if (level) { level.textContent = "100 %"; }
  }

  each(form.querySelectorAll("[data-question]"), function (question) {
    question.addEventListener("change", function () { changed(question); });
    each(question.querySelectorAll("[data-move]"), function (button) {
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

  // Answers kept from an earlier visit that never reached the server: the newest answer
  // wins, so they are shown in place of the server's older one, and sent again.
  Object.keys(pending).forEach(function (position) {
    var question = questionAt(position);
    if (!question || (serverSeq[position] || 0) >= pending[position].seq) { delete pending[position]; return; }
    seq[position] = Math.max(seq[position] || 0, pending[position].seq);
    write(question, pending[position].answer);
    send(position);
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
  window.addEventListener("online", function () { showConnection(); retryDelay = 1000; Object.keys(pending).forEach(send); });
  showConnection();

  // A typed answer is saved when the officer leaves its field (the change event). Still in
  // the field when the attempt is submitted (Enter, the deadline), it is saved first.
  function flushTyping() {
    var active = document.activeElement;
    if (!active || !form.contains(active) || (active.tagName !== "INPUT" && active.tagName !== "TEXTAREA")) { return; }
    var question = active.closest("[data-question]");
    if (question && !question.hasAttribute("data-unscored")) { changed(question); }
  }
  // Enter in a one-line answer saves it: it never submits the whole attempt.
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || target.tagName !== "INPUT" || (target.type !== "text" && target.type !== "number")) { return; }
    if (!target.closest("[data-question]")) { return; }
    event.preventDefault();
    flushTyping();
  });

  // Submitting first sends what is still unsent; with answers that cannot be sent, the
  // officer is told instead of losing them (the deadline's own submit is not held back).
  var submitNotice = document.querySelector("[data-submit-notice]");
  var submitting = false;
  form.addEventListener("submit", function (event) {
    if (!submitting) { flushTyping(); }
    if (submitting || Object.keys(pending).length === 0) { return; }
    event.preventDefault();
    Promise.all(Object.keys(pending).map(send)).then(function () {
      var left = Object.keys(pending).length;
      if (left === 0) { submitting = true; form.submit(); return; }
      if (submitNotice) { submitNotice.textContent = settings.messages.unsentBeforeSubmit.replace("%(count)s", left); }
    });
  });
  setInterval(function () { if (navigator.onLine) { Object.keys(pending).forEach(send); } }, RETRY_MAX);

  var timer = document.querySelector("[data-timer]");
  if (timer && settings.deadline) {
    var offset = Date.now() - new Date(settings.serverNow).getTime();
    var deadline = new Date(settings.deadline).getTime() + offset;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left === 0) {
        timer.textContent = settings.messages.timeUp;
        submitting = true;
        // The answer still being typed goes first (a few seconds at most: the server
        // takes answers for a short grace after the deadline).
        flushTyping();
        var sent = Promise.all(Object.keys(pending).map(send));
        var waited = new Promise(function (resolve) { setTimeout(resolve, 3000); });
        Promise.race([sent, waited]).then(function () { form.submit(); });
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
