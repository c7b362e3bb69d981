/* The H5P player shell. Runs on the content origin (never on the site's origin), in the
   sandboxed frame the lesson page embeds for one H5P block: it plays the package with
   h5p-standalone and talks to the lesson page only by postMessage, to the page's origin
   only (settings.mainOrigin, signed into this frame's address by the server).

   To the lesson page:  hello (until init arrives), ready {height}, resize {height},
                        xapi {statement} (every statement, each with an id), state {rid,
                        method, dataType, subContentId, body} (H5P core's user data),
                        error {code, detail} (the activity cannot be shown, or part of it),
                        warning {code, detail} (a script error once the content is shown).
   From the lesson page: init {state, userName, language, objectIri},
                        state-result {rid, status, body}.
   The about:blank frame h5p-standalone creates inside this one runs h5p-inner.js first,
   which reports to this shell through window.LMS_H5P_FRAME (same origin). */
(function () {
  "use strict";
  var node = document.getElementById("h5p-frame-settings");
  if (!node) { return; }
  var settings = JSON.parse(node.textContent);
  var MAIN = settings.mainOrigin;
  var host = window.parent;
  var started = false;
  var ready = false;
  var attached = false;
  var reported = {};
  var anyError = false;
  var blockedHosts = [];
  var requests = {};
  var nextRequest = 1;
  var lastHeight = -1;
  var container = document.getElementById("h5p-container");

  function send(message) {
    message.lms = "h5p";
    if (host && host !== window) { host.postMessage(message, MAIN); }
  }

  function report(code, detail) {
    detail = detail ? String(detail).slice(0, 300) : "";
    var key = code + "|" + detail;
    if (reported[key]) { return; }
    reported[key] = true;
    anyError = true;
    send({type: "error", code: code, detail: detail});
  }

  function scriptError(message) {
    message = String(message || "error").slice(0, 300);
    if (ready) {
      send({type: "warning", code: "script_error", detail: message});
    } else {
      report("script_error", message);
    }
  }

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  function hostOf(url) {
    var match = /^https?:\/\/([^\/:?#]+)/i.exec(String(url || ""));
    return match ? match[1].toLowerCase() : "";
  }

  // A file that did not load: a library's (name the library), the package's (name the
  // file), or on another host (see external()).
  function missing(url) {
    url = String(url || "");
    if (/^https?:/i.test(url) && url.indexOf(window.location.origin + "/") !== 0) {
      external(url);
      return;
    }
    // /h5p/libraries/r<revision>/<Machine.Name-major.minor>/... (the revision is optional)
    var library = /\/h5p\/libraries\/(?:r[0-9a-f]{12}\/)?([^\/?#]+)\//.exec(url);
    if (library) { report("missing_library", decode(library[1])); return; }
    var file = /\/h5p\/content\/[^\/]+\/([^?#]+)/.exec(url);
    report("missing_file", file ? decode(file[1]) : url.replace(/\/c\/[^\/]+\//, "/c/…/"));
  }

  // What the frame's policy refused. Media of the content from a host no platform admin
  // allows: the officer is told. Anything else a library fetches on its own from another
  // host (a web font loader, a social widget) stays blocked and is only counted.
  var violated = {};
  function violation(blocked, directive) {
    var name = hostOf(blocked);
    if (!name) {
      scriptError("blocked by the content security policy (" + directive + ": " + blocked + ")");
      return;
    }
    violated[name] = true;
    if (settings.mediaHosts.indexOf(name) !== -1) {
      if (blockedHosts.indexOf(name) === -1) { blockedHosts.push(name); }
      report("blocked_media", blockedHosts.join(", "));
    } else {
      send({type: "warning", code: "blocked_extra", detail: name});
    }
  }

  // A load from another host failed: blocked by the policy (a violation tells, maybe a
  // moment later), or an allowed host that could not be reached.
  var unreachable = [];
  function external(url) {
    var name = hostOf(url);
    setTimeout(function () {
      if (violated[name]) { return; }
      if (settings.mediaHosts.indexOf(name) !== -1) {
        if (unreachable.indexOf(name) === -1) { unreachable.push(name); }
        report("media_unreachable", unreachable.join(", "));
      } else {
        send({type: "warning", code: "unreachable_extra", detail: name});
      }
    }, 500);
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function height() {
    return Math.ceil(container.getBoundingClientRect().height);
  }

  function measure() {
    var current = height();
    if (current !== lastHeight) {
      lastHeight = current;
      if (ready) { send({type: "resize", height: current}); }
    }
  }

  function markReady() {
    if (ready) { return; }
    ready = true;
    lastHeight = height();
    send({type: "ready", height: lastHeight});
  }

  // Every xAPI statement of the content (main and sub-content) goes to the lesson page.
  function attach() {
    if (attached || !window.H5P || !window.H5P.externalDispatcher) { return; }
    attached = true;
    window.H5P.externalDispatcher.on("xAPI", function (event) {
      var statement = event && event.data && event.data.statement;
      if (!statement) { return; }
      if (!statement.id) { statement.id = uuid(); }  // so that a retry is the same statement
      var copy;
      try { copy = JSON.parse(JSON.stringify(statement)); } catch (e) { return; }
      send({type: "xapi", statement: copy});
    });
    window.H5P.externalDispatcher.on("initialized", markReady);
  }

  // H5P core's user-data requests (answered by the lesson page, which has the session).
  var statePrefix = settings.stateUrl.split(":contentId")[0];
  function isStateUrl(url) {
    return String(url || "").indexOf(statePrefix) !== -1;
  }

  function stateRequest(method, url, body, done) {
    url = String(url);
    var pieces = url.slice(url.indexOf(statePrefix) + statePrefix.length).split(/[?#]/)[0].split("/");
    var rid = nextRequest++;
    requests[rid] = done;
    send({
      type: "state", rid: rid, method: String(method || "GET").toUpperCase(),
      dataType: decode(pieces[1] || ""), subContentId: decode(pieces[2] || "0"),
      body: typeof body === "string" ? body : ""
    });
  }

  window.LMS_H5P_FRAME = {
    attach: attach,
    report: report,
    missing: missing,
    violation: violation,
    scriptError: scriptError,
    isStateUrl: isStateUrl,
    state: stateRequest
  };

  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      missing(target.src || target.href);
      return;
    }
    scriptError(event.message);
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason;
    if (!anyError) { scriptError(reason && reason.message ? reason.message : reason); }
  });
  document.addEventListener("securitypolicyviolation", function (event) {
    violation(event.blockedURI, event.effectiveDirective);
  });

  var nativeFetch = window.fetch;
  window.fetch = function (resource) {
    return nativeFetch.apply(this, arguments).then(function (response) {
      if (!response.ok) { missing(response.url || String(resource)); }
      return response;
    });
  };

  function start(init) {
    if (init.language) { document.documentElement.lang = String(init.language); }
    // Imported while a platform admin allowed these hosts, since removed: the policy
    // blocks them, and the officer learns why at once (the rest of the content plays).
    settings.blockedHosts.forEach(function (name) { blockedHosts.push(name); });
    if (blockedHosts.length) { report("blocked_media", blockedHosts.join(", ")); }
    var options = {
      id: settings.contentId,
      h5pJsonPath: settings.h5pJsonPath,
      librariesPath: settings.librariesPath,
      frameJs: settings.frameJs,
      frameCss: settings.frameCss,
      xAPIObjectIRI: String(init.objectIri || ""),
      // H5P core needs a user to save its state; the server sets the statements' actor.
      user: {name: String(init.userName || ""), mail: ""},
      saveFreq: 5,
      ajax: {contentUserDataUrl: settings.stateUrl},
      frame: false, copyright: false, "export": false, embed: false, icon: false, fullScreen: false
    };
    if (typeof init.state === "string" && init.state) { options.contentUserData = [{state: init.state}]; }
    // h5p-inner.js first, before H5P core, in this shell and in the content's frame
    // (h5p-standalone keeps core scripts already listed, with its own URLs, in order).
    var origin = window.location.origin;
    window.H5PIntegration = {
      core: {scripts: [origin + settings.innerJs, origin + settings.frameJs], styles: [origin + settings.frameCss]}
    };
    var loading;
    try {
      loading = new H5PStandalone.H5P(container, options);
    } catch (error) {
      report("load_failed", error && error.message ? error.message : error);
      return;
    }
    Promise.resolve(loading).then(attach, function (error) {
      if (!anyError) { report("load_failed", error && error.message ? error.message : error); }
    });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== host || event.origin !== MAIN) { return; }
    var data = event.data;
    if (!data || typeof data !== "object" || data.lms !== "h5p") { return; }
    if (data.type === "init" && !started) {
      started = true;
      start(data);
    } else if (data.type === "state-result") {
      var done = requests[data.rid];
      delete requests[data.rid];
      if (done) { done(Number(data.status) || 0, String(data.body || "")); }
    }
  });

  if (window.ResizeObserver) {
    new ResizeObserver(measure).observe(container);
  } else {
    setInterval(measure, 500);
  }

  // The lesson page may not listen yet: say hello until it answers (for a minute).
  var hellos = 0;
  (function hello() {
    if (started || hellos++ > 150) { return; }
    send({type: "hello"});
    setTimeout(hello, 400);
  })();
})();
