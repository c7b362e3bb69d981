/* The SCORM player shell, on the content origin (courses/packages/scorm/player.py).

   It provides the SCORM API from scorm-again (window.API for SCORM 1.2, window.API_1484_11
   for SCORM 2004) to the SCO, which it loads in a nested frame from the package's files
   on this same origin. It never talks to the site: it talks only with the lesson page
   that framed it (settings.mainOrigin), by postMessage:

   shell -> page   hello                         ask for the first launch (repeated until
                                                 a launch arrives)
                   commit {item, session, cmi,   what the SCO wrote this session (element
                           final, nav}           names and values, as written), on
                                                 LMSCommit/Commit, LMSFinish/Terminate
                                                 (final), and when the SCO is unloaded
                                                 without finishing (pagehide)
   page -> shell   launch {item, launch, cmi}    start (or switch to) a SCO: a new API
                                                 loaded with the SCO's stored data
*/
(function () {
  "use strict";

  var settings = JSON.parse(document.getElementById("scorm-frame-settings").textContent);
  var MAIN = settings.mainOrigin;
  var Scorm12 = window.Scorm12API;
  var Scorm2004 = window.Scorm2004API;
  var api = null;
  var current = null;  // {item, session, written, nav, finished}
  var frame = null;

  function send(message) {
    message.lms = "scorm";
    window.parent.postMessage(message, MAIN);
  }

  function newSession() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function commit(final) {
    if (!current) { return; }
    if (current.finished && !final) { return; }
    send({
      type: "commit",
      item: current.item,
      session: current.session,
      cmi: current.written,
      final: !!final,
      nav: current.nav || ""
    });
    if (final) { current.finished = true; }
  }

  function makeApi(version, data) {
    var options = {autocommit: true, autocommitSeconds: 5, lmsCommitUrl: false, logLevel: 5, onLogMessage: function () {}};
    var instance = version === "1.2" ? new Scorm12(options) : new Scorm2004(options);
    instance.loadFromFlattenedJSON(data, "");
    var setName = version === "1.2" ? "LMSSetValue" : "SetValue";
    // Only what the SCO wrote, and only what the API accepted (read-only and invalid
    // values are refused by scorm-again with an error code; they are not sent).
    instance.on(setName + ".cmi.*", function (element, value) {
      if (String(instance.lastErrorCode) === "0" && current) { current.written[element] = String(value); }
    });
    if (version !== "1.2") {
      instance.on("SetValue.adl.nav.request", function (element, value) {
        if (String(instance.lastErrorCode) === "0" && current) { current.nav = String(value); }
      });
    }
    instance.on(version === "1.2" ? "LMSCommit" : "Commit", function () { commit(false); });
    instance.on(version === "1.2" ? "LMSFinish" : "Terminate", function () { commit(true); });
    return instance;
  }

  function start(data) {
    current = {item: data.item, session: newSession(), written: {}, nav: "", finished: false};
    api = makeApi(data.version, data.cmi || {});
    if (data.version === "1.2") { window.API = api; } else { window.API_1484_11 = api; }
    frame = document.createElement("iframe");
    frame.title = data.title || "";
    frame.src = settings.contentBase + data.launch;
    document.body.appendChild(frame);
  }

  function launch(data) {
    if (!frame) { start(data); return; }
    // Unload the running SCO first: its own unload handler usually finishes the session
    // (LMSFinish/Terminate); what it did not send is sent as it stood.
    var old = frame;
    frame = null;
    old.addEventListener("load", function () {
      commit(true);
      old.remove();
      start(data);
    }, {once: true});
    old.src = "about:blank";
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== MAIN || event.source !== window.parent) { return; }
    var data = event.data;
    if (!data || typeof data !== "object" || data.lms !== "scorm") { return; }
    if (data.type === "launch" && typeof data.launch === "string" && !/^[a-z]+:/i.test(data.launch)) {
      launch(data);
    }
  });

  // Closing or leaving the page: what the SCO wrote since its last commit is sent (the
  // SCO may finish in its own unload handler first; then this sends nothing new).
  window.addEventListener("pagehide", function () { commit(false); });

  // The lesson page may not listen yet: say hello until it launches a SCO (for a minute).
  var hellos = 0;
  (function hello() {
    if (current || hellos++ > 150) { return; }
    send({type: "hello"});
    setTimeout(hello, 400);
  })();
})();
