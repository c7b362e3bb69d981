/* The first of H5P core's scripts (see h5p-frame.js): it runs in the player shell and
   again, first of all, in the about:blank frame h5p-standalone creates inside it (both on
   the content origin), before H5P core and the package's libraries.

   Everywhere: where the browser refuses this frame its localStorage (a third-party frame
   when third-party cookies are blocked), H5P gets a storage kept in memory instead of an
   exception that stops the content.

   In the content's frame it reports to the shell (window.parent.LMS_H5P_FRAME, same
   origin) what keeps the content from showing: files that do not load, script errors,
   what the frame's policy blocks, libraries H5P core cannot find; and it sends H5P core's
   user-data requests through the shell to the lesson page instead of the network. */
(function () {
  "use strict";

  function memoryStorage() {
    var data = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : null; },
      setItem: function (key, value) { data[key] = String(value); },
      removeItem: function (key) { delete data[key]; },
      clear: function () { data = {}; },
      key: function (index) { var keys = Object.keys(data); return index < keys.length ? keys[index] : null; },
      get length() { return Object.keys(data).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      void window[name].length;
    } catch (e) {
      try { Object.defineProperty(window, name, {value: memoryStorage(), configurable: true}); } catch (e2) { /* kept */ }
    }
  });

  if (window.LMS_H5P_FRAME) { return; }  // the shell itself: h5p-frame.js reports there
  var shell = null;
  try { shell = window.parent !== window ? window.parent.LMS_H5P_FRAME : null; } catch (e) { shell = null; }
  if (!shell) { return; }
  shell.attach();

  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      shell.missing(target.src || target.href);
      return;
    }
    shell.scriptError(event.message);
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason;
    shell.scriptError(reason && reason.message ? reason.message : reason);
  });
  document.addEventListener("securitypolicyviolation", function (event) {
    shell.violation(event.blockedURI, event.effectiveDirective);
  });

  // Once H5P core and the libraries are loaded, before H5P core starts the content (its
  // start waits for jQuery's ready, which listens after this script does).
  document.addEventListener("DOMContentLoaded", function () {
    var H5P = window.H5P;
    if (!H5P || !H5P.jQuery) { return; }
    shell.attach();
    // H5P core says so when a library's code is missing ("Unable to find constructor for").
    var coreError = H5P.error;
    H5P.error = function (error) {
      var text = String(error && error.message ? error.message : error);
      var match = /Unable to find constructor for:\s*(.+)$/.exec(text);
      if (match) { shell.report("broken_library", match[1]); }
      return coreError.apply(this, arguments);
    };
    // H5P core's content-user-data requests (jQuery.ajax to H5PIntegration.ajax
    // .contentUserData) are answered through the lesson page, which holds the session.
    H5P.jQuery.ajaxTransport("+*", function (options) {
      if (!shell.isStateUrl(options.url)) { return undefined; }
      return {
        send: function (headers, complete) {
          shell.state(options.type, options.url, options.data, function (status, text) {
            complete(status, status >= 200 && status < 300 ? "success" : "error", {text: text});
          });
        },
        abort: function () { /* the answer is ignored */ }
      };
    });
  });
})();
