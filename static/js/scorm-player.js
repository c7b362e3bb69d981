/* The lesson page's side of its SCORM blocks. No package code runs on this page: each
   block is an <iframe> on the content origin (static/js/scorm-frame.js provides the SCORM
   API there and plays the SCO). This script accepts messages only from one of its own
   frames (event.source) on the content origin (event.origin), and posts what they
   report to the site with the session and the CSRF token:

   frame -> page   hello                     page answers launch {item, launch, cmi,
                                             version} for the block's start item
                   commit {item, session,    POST /scorm/commit/<slot>/ {seq, item,
                           cmi, final, nav}  session, final, nav, cmi}; the newest commit
                                             of each item wins (an older one waiting is
                                             replaced); retried with backoff on a lost
                                             connection, a 5xx, 429, an expired session;
                                             dropped on the server's explicit refusal
                                             (400, 404, 409 stale, 413), which is shown
   The answer carries the package's navigation (table of contents: which items may be
   chosen, statuses), the target of a navigation request (continue, previous, choice)
   and the SCO's new launch data (a SCO started again in this page resumes from it). */
(function () {
  "use strict";

  var node = document.getElementById("scorm-settings");
  if (!node) { return; }
  var settings = JSON.parse(node.textContent);
  var CONTENT = settings.contentOrigin;
  var messages = settings.messages;
  var RETRY_MAX = 30000;
  var blocks = [];

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? values[name] : all;
    });
  }

  function setStatus(block, key, text) {
    var status = block.container.querySelector("[data-scorm-status]");
    if (status) { status.textContent = text || messages[key] || ""; }
    block.container.setAttribute("data-scorm-state", key);
  }

  function sendTo(block, message) {
    message.lms = "scorm";
    if (block.frame.contentWindow) { block.frame.contentWindow.postMessage(message, CONTENT); }
  }

  function titleOf(block, item) {
    var button = block.container.querySelector('[data-scorm-item="' + CSS.escape(item) + '"]');
    return button ? button.textContent : "";
  }

  function launch(block, item) {
    var data = block.config.items[item];
    if (!data) { return; }
    block.current = item;
    block.container.setAttribute("data-scorm-current", item);
    block.container.querySelectorAll("[data-scorm-item]").forEach(function (button) {
      if (button.getAttribute("data-scorm-item") === item) {
        button.setAttribute("aria-current", "step");
      } else {
        button.removeAttribute("aria-current");
      }
    });
    sendTo(block, {
      type: "launch", item: item, launch: data.launch, cmi: data.cmi,
      version: block.config.version, title: titleOf(block, item)
    });
    // An asset (no API, nothing reported) is recorded as delivered, which completes it.
    if (data.asset) {
      onCommit(block, {item: item, session: "asset" + Date.now(), cmi: {}, final: true});
    }
  }

  function showNavigation(block, navigation) {
    if (!navigation) { return; }
    block.config.navigation = navigation;
    var items = navigation.items || {};
    block.container.querySelectorAll("[data-scorm-item]").forEach(function (button) {
      var state = items[button.getAttribute("data-scorm-item")];
      if (state) { button.disabled = !state.choosable; }
    });
    block.container.querySelectorAll("[data-scorm-item-status]").forEach(function (span) {
      var state = items[span.getAttribute("data-scorm-item-status")];
      if (!state) { return; }
      span.textContent = state.completion === "completed"
        ? (state.success === "failed" ? messages.failed || "" : messages.itemCompleted || "")
        : (state.completion === "incomplete" ? messages.started || "" : "");
    });
    if (navigation.done) { block.container.setAttribute("data-scorm-done", "true"); }
  }

  // --- posting commits, newest first, with retries -----------------------------------------

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": settings.csrfToken, "Accept": "application/json"},
      body: body,
      keepalive: body.length < 60000
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        var explicit = json !== null && typeof json === "object";
        var status = response.status;
        return {
          status: status, body: json,
          ok: status >= 200 && status < 300 && explicit,
          refused: status >= 400 && status < 500 && explicit && [401, 403, 408, 429].indexOf(status) === -1,
          message: explicit && json.message ? String(json.message) : ""
        };
      });
    }, function () { return {status: 0, ok: false, refused: false, body: null, message: ""}; });
  }

  function pump(block) {
    if (block.sending || !block.order.length) { return; }
    var item = block.order[0];
    var pending = block.pending[item];
    block.sending = true;
    setStatus(block, "saving");
    post(settings.commitUrl.replace("{slot}", encodeURIComponent(block.config.slot)), JSON.stringify(pending.body))
      .then(function (answer) {
        block.sending = false;
        var replaced = block.pending[item] !== pending;
        if (answer.ok || answer.refused) {
          if (!replaced) { delete block.pending[item]; block.order.shift(); }
          block.retryDelay = 1000;
          if (answer.ok) {
            var body = answer.body;
            if (body.launch) { block.config.items[item] = body.launch; }
            showNavigation(block, body.navigation);
            block.container.setAttribute("data-scorm-saved", String(body.seq));
            if (body.completed) { block.container.setAttribute("data-scorm-done", "true"); }
            setStatus(block, body.completed ? "completed" : "saved");
            if (pending.body.final && body.target && block.current === item) { launch(block, body.target); }
          } else if (answer.body && answer.body.stale) {
            setStatus(block, "saved");
          } else {
            block.container.setAttribute("data-scorm-refused", answer.message);
            setStatus(block, "refused", format(messages.refused, {reason: answer.message}));
          }
          pump(block);
          return;
        }
        setStatus(block, navigator.onLine === false ? "offline" : "retrying");
        setTimeout(function () { pump(block); }, block.retryDelay);
        block.retryDelay = Math.min(RETRY_MAX, block.retryDelay * 2);
      });
  }

  function onCommit(block, data) {
    var item = String(data.item || "");
    if (!block.config.items[item] || !data.cmi || typeof data.cmi !== "object") { return; }
    block.seq = Math.max(block.seq + 1, Date.now());
    var body = {
      seq: block.seq, item: item, session: String(data.session || ""), final: !!data.final,
      nav: String(data.nav || ""), cmi: data.cmi
    };
    if (!block.pending[item]) { block.order.push(item); }
    block.pending[item] = {body: body};
    pump(block);
  }

  // --- table of contents and flow buttons ----------------------------------------------------

  function choose(block, item) {
    var state = (block.config.navigation.items || {})[item];
    if (!state || !state.choosable) { setStatus(block, "notAllowed"); return; }
    launch(block, item);
  }

  // Previous and Continue follow the package's flow (the server's answer for the current
  // SCO): a package that allows flow but not choice is taken with these buttons alone.
  function flow(block, direction) {
    var targets = (block.config.navigation.flow || {})[block.current] || {};
    if (targets[direction]) { launch(block, targets[direction]); return; }
    setStatus(block, "notAllowed");
  }

  document.querySelectorAll("[data-scorm-block]").forEach(function (container) {
    var key = container.getAttribute("data-scorm-block");
    var config = settings.blocks[key];
    var frame = container.querySelector("iframe.scorm-frame");
    if (!config || !frame || !CONTENT) { return; }
    var seq = 0;
    Object.keys(config.items).forEach(function (item) { seq = Math.max(seq, config.items[item].seq || 0); });
    var block = {
      key: key, config: config, container: container, frame: frame, current: null,
      seq: seq, pending: {}, order: [], sending: false, retryDelay: 1000
    };
    blocks.push(block);
    container.querySelectorAll("[data-scorm-item]").forEach(function (button) {
      button.addEventListener("click", function () { choose(block, button.getAttribute("data-scorm-item")); });
    });
    container.querySelectorAll("[data-scorm-nav]").forEach(function (button) {
      button.addEventListener("click", function () { flow(block, button.getAttribute("data-scorm-nav")); });
    });
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== CONTENT) { return; }
    var block = null;
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].frame.contentWindow === event.source) { block = blocks[i]; }
    }
    var data = event.data;
    if (!block || !data || typeof data !== "object" || data.lms !== "scorm") { return; }
    if (data.type === "hello") {
      if (block.launched) { return; }
      block.launched = true;
      if (block.config.start) { launch(block, block.config.start); }
      setStatus(block, block.container.getAttribute("data-scorm-done") ? "completed" : "ready");
    } else if (data.type === "commit") {
      onCommit(block, data);
    }
  });
})();
