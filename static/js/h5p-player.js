/* The lesson page's side of its H5P activities. No package code runs on this page: each
   H5P block is an <iframe> on the content origin (a host of its own, without the session
   cookie) that plays the package (static/js/h5p-frame.js). This script talks with those
   frames by postMessage only, accepting a message only from one of its own frames
   (event.source) on the content origin (event.origin), and posts what they report to the
   site's endpoints with the session and the CSRF token:

   frame -> page   hello                 page answers init {state, userName, language,
                                         objectIri}
                   ready {height}        the content is shown
                   resize {height}       the frame's height
                   xapi {statement}      every statement (ids set by the frame): POST
                                         /h5p/xapi/<slot>/, one statement per request, in
                                         order, kept on this device and retried on a lost
                                         connection, a 5xx, an expired session or a 429
                   state {rid, method,   H5P core's user data: POST (or GET)
                          dataType,      /h5p/state/<slot>/<dataType>/<subContentId>/,
                          subContentId,  form-encoded as H5P sends it; the newest save
                          body}          per key wins and is retried like statements;
                                         page answers state-result {rid, status, body}
                   error {code, detail}  shown as "This activity cannot be shown: <reason>"
                   warning {code, detail} not shown: a script error once the content
                                         shows (data-h5p-warnings), or a host a library
                                         fetched from on its own (data-h5p-blocked)
   A frame that is not ready within settings.readyTimeout seconds is reported too. */
(function () {
  "use strict";

  var node = document.getElementById("h5p-settings");
  if (!node) { return; }
  var settings = JSON.parse(node.textContent);
  var CONTENT = settings.contentOrigin;
  // The texts come from their own cached script, loaded before this one (its address is
  // in the page: courses.views.player_messages_url).
  var messages = window.lmsH5pMessages || {};
  var SAFE_SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;
  var RETRY_MAX = 30000;

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? values[name] : all;
    });
  }

  // --- blocks -----------------------------------------------------------------------------

  var blocks = [];
  var blocksBySlot = {};

  function setStatus(block, key, text) {
    var status = block.container.querySelector("[data-h5p-status]");
    if (status) { status.textContent = text || messages[key] || ""; }
    block.container.setAttribute("data-h5p-state", key);
  }

  function resting(block) {
    setStatus(block, block.saved ? "saved" : "ready");
  }

  // The first reason a frame gives is shown (the cause; what follows is often its
  // consequence); a later report of the same kind may name more (hosts).
  function showError(block, code, detail) {
    if (block.error && block.error !== code && block.error !== "timeout") { return; }
    var reasons = messages.reasons || {};
    var reason = format(reasons[code] || reasons.load_failed, {
      library: detail, file: detail, detail: detail, hosts: detail
    });
    block.error = code;
    block.container.setAttribute("data-h5p-error", code);
    // Media that fails once the content shows (a video in one slide): the rest plays, so
    // the officer reads that a part is missing, not that nothing can be shown.
    var partly = block.ready && (code === "media_unreachable" || code === "blocked_media");
    setStatus(block, "error", format(partly ? messages.partly : messages.error, {reason: reason}));
  }

  function sendTo(block, message) {
    message.lms = "h5p";
    if (block.frame.contentWindow) { block.frame.contentWindow.postMessage(message, CONTENT); }
  }

  function init(block) {
    sendTo(block, {
      type: "init",
      state: block.state,
      userName: settings.userName,
      language: settings.language,
      objectIri: settings.objectIri + "#" + block.key
    });
  }

  function onReady(block, data) {
    clearTimeout(block.timer);
    block.ready = true;
    block.container.setAttribute("data-h5p-ready", "true");
    if (block.error === "timeout") {
      block.error = null;
      block.container.removeAttribute("data-h5p-error");
    }
    resize(block, data.height);
    if (!block.error) { resting(block); }
  }

  function resize(block, height) {
    height = Number(height);
    if (height > 0) { block.frame.style.height = Math.min(Math.max(height, 40), 20000) + "px"; }
  }

  document.querySelectorAll("[data-h5p-block]").forEach(function (container) {
    var key = container.getAttribute("data-h5p-block");
    var config = settings.blocks[key];
    var frame = container.querySelector("iframe.h5p-frame");
    if (!config || !frame || !CONTENT) { return; }
    var block = {
      key: key, slot: config.id, container: container, frame: frame, state: config.state || null,
      ready: false, error: null, saved: false, warnings: 0
    };
    blocks.push(block);
    blocksBySlot[block.slot] = block;
    container.setAttribute("data-h5p-state", "loading");
    block.timer = setTimeout(function () {
      if (!block.ready && !block.error) { showError(block, "timeout", ""); }
    }, (Number(settings.readyTimeout) || 60) * 1000);
  });

  // Not shown to the officer (the content plays): a script error once the content is
  // shown, and what a library fetched on its own from another host (blocked, or out of
  // reach), kept in data attributes for support and tests.
  function warn(block, code, detail) {
    if (code === "script_error") {
      block.warnings += 1;
      block.container.setAttribute("data-h5p-warnings", String(block.warnings));
      block.container.setAttribute("data-h5p-warning", detail);
    } else {
      var hosts = (block.container.getAttribute("data-h5p-blocked") || "").split(" ").filter(Boolean);
      if (hosts.indexOf(detail) === -1) { hosts.push(detail); }
      block.container.setAttribute("data-h5p-blocked", hosts.join(" "));
    }
  }

  function blockOf(source) {
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].frame.contentWindow === source) { return blocks[i]; }
    }
    return null;
  }

  // --- posting to the site, with retries -------------------------------------------------

  // Answers a request as {status, ok, refused, body, message}. Only the server's explicit
  // refusal (a JSON 4xx saying why, not an expired session or a rate limit) drops an item.
  function post(url, body, contentType) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": contentType, "X-CSRFToken": settings.csrfToken, "Accept": "application/json"},
      body: body,
      keepalive: body.length < 60000
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        var status = response.status;
        var explicit = json !== null && typeof json === "object";
        return {
          status: status,
          text: text,
          body: json,
          ok: status >= 200 && status < 300 && explicit,
          refused: status >= 400 && status < 500 && explicit && [401, 403, 408, 429].indexOf(status) === -1,
          message: explicit && json.message ? String(json.message) : ""
        };
      });
    }, function () {
      return {status: 0, ok: false, refused: false, body: null, message: ""};
    });
  }

  var retryDelay = 1000;
  var retryTimer = null;
  function retryLater() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () {
      retryTimer = null;
      pumpStatements();
      pumpStates();
    }, retryDelay);
    retryDelay = Math.min(RETRY_MAX, retryDelay * 2);
  }
  function unsent(block) {
    if (block && !block.error) { setStatus(block, navigator.onLine === false ? "offline" : "retrying"); }
  }
  window.addEventListener("online", function () {
    clearTimeout(retryTimer);
    retryTimer = null;
    retryDelay = 1000;
    pumpStatements();
    pumpStates();
  });

  // xAPI statements: one queue, in order, kept on this device until the server answers.
  var statements = [];
  try {
    statements = JSON.parse(localStorage.getItem(settings.storageKey) || "[]");
    if (!Array.isArray(statements)) { statements = []; }
  } catch (e) { statements = []; }
  var sendingStatement = false;

  function keepStatements() {
    try { localStorage.setItem(settings.storageKey, JSON.stringify(statements)); } catch (e) { /* full */ }
  }

  // A statement with a result (an answer, a completion) shows "saving" and "saved"; the
  // others (attempted, interacted...) are sent quietly unless they have to wait.
  function pumpStatements() {
    if (sendingStatement || !statements.length) { return; }
    var item = statements[0];
    var block = blocksBySlot[item.slot];
    var result = item.statement && typeof item.statement.result === "object";
    sendingStatement = true;
    if (block && !block.error && result) { setStatus(block, "saving"); }
    post(settings.xapiUrl.replace("{id}", encodeURIComponent(item.slot)), JSON.stringify(item.statement), "application/json")
      .then(function (answer) {
        sendingStatement = false;
        if (answer.ok || answer.refused) {
          statements.shift();
          keepStatements();
          retryDelay = 1000;
          if (block && answer.ok && answer.body.stored && result) {
            block.saved = true;
            block.container.setAttribute("data-h5p-recorded", "true");
          }
          if (block && answer.refused) { block.container.setAttribute("data-h5p-refused", answer.message); }
          var state = block ? block.container.getAttribute("data-h5p-state") : "";
          if (block && !block.error && answer.refused && result) {
            setStatus(block, "refused", format(messages.refused, {reason: answer.message}));
          } else if (block && !block.error && block.ready && (result || ["retrying", "offline"].indexOf(state) !== -1)) {
            resting(block);
          }
          pumpStatements();
          return;
        }
        unsent(block);
        retryLater();
      });
  }

  function onStatement(block, statement) {
    if (!statement || typeof statement !== "object") { return; }
    statements.push({slot: block.slot, statement: statement});
    keepStatements();
    pumpStatements();
  }

  // H5P core's user data: the newest save of each key wins; reads are answered at once.
  var states = {};
  var stateOrder = [];
  var sendingState = false;

  function stateUrl(block, dataType, subContentId) {
    return settings.stateUrl.replace("{id}", encodeURIComponent(block.slot))
      .replace("{dataType}", encodeURIComponent(dataType))
      .replace("{subContentId}", encodeURIComponent(subContentId));
  }

  function pumpStates() {
    if (sendingState || !stateOrder.length) { return; }
    var key = stateOrder[0];
    var item = states[key];
    sendingState = true;
    post(item.url, item.body, "application/x-www-form-urlencoded").then(function (result) {
      sendingState = false;
      if (states[key] === item) {
        if (result.ok || result.refused) {
          delete states[key];
          stateOrder.shift();
          retryDelay = 1000;
        } else {
          unsent(item.block);
          retryLater();
          return;
        }
      }
      pumpStates();
    });
  }

  function onState(block, data) {
    var dataType = String(data.dataType || "");
    var subContentId = String(data.subContentId || "0");
    var reply = function (status, body) {
      sendTo(block, {type: "state-result", rid: data.rid, status: status, body: body});
    };
    if (!SAFE_SEGMENT.test(dataType) || !SAFE_SEGMENT.test(subContentId)) {
      reply(400, JSON.stringify({success: false, message: "Unknown data."}));
      return;
    }
    var url = stateUrl(block, dataType, subContentId);
    if (data.method === "GET") {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (response) {
        return response.text().then(function (text) { reply(response.status, text); });
      }, function () { reply(0, ""); });
      return;
    }
    var body = String(data.body || "");
    if (dataType === "state" && (subContentId === "0" || subContentId === "")) {
      var saved = new URLSearchParams(body).get("data");
      block.state = saved && saved !== "0" ? saved : null;  // what a reloaded frame starts from
    }
    var key = block.slot + "|" + dataType + "|" + subContentId;
    if (!states[key]) { stateOrder.push(key); }
    states[key] = {block: block, url: url, body: body};
    reply(200, JSON.stringify({success: true}));
    pumpStates();
  }

  // --- messages from the frames ----------------------------------------------------------

  window.addEventListener("message", function (event) {
    if (event.origin !== CONTENT) { return; }
    var block = blockOf(event.source);
    var data = event.data;
    if (!block || !data || typeof data !== "object" || data.lms !== "h5p") { return; }
    switch (data.type) {
      case "hello": init(block); break;
      case "ready": onReady(block, data); break;
      case "resize": resize(block, data.height); break;
      case "xapi": onStatement(block, data.statement); break;
      case "state": onState(block, data); break;
      case "error": showError(block, String(data.code || "load_failed"), String(data.detail || "")); break;
      case "warning": warn(block, String(data.code || ""), String(data.detail || "")); break;
      default: break;
    }
  });

  pumpStatements();  // what an earlier visit could not send
})();
