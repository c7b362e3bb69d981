/* Plays the H5P activities of a lesson with h5p-standalone and reports scored xAPI
   statements to the server. Configuration comes from a JSON script element per block. */
(function () {
  "use strict";

  var root = document.getElementById("h5p-settings");
  if (!root) { return; }
  var settings = JSON.parse(root.textContent);
  var slotsByContentId = {};
  window.LMS_CSRF_TOKEN = settings.csrfToken;  // read by the in-frame script (h5p-frame.js)

  function text(key) { return settings.messages[key] || key; }

  function setStatus(container, key, extra) {
    var status = container.querySelector("[data-h5p-status]");
    if (status) { status.textContent = text(key) + (extra ? " " + extra : ""); }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": settings.csrfToken},
      body: JSON.stringify(body)
    });
  }

  // Statements that could not be sent (connection lost) wait in memory and are retried.
  var pending = [];
  function send(slot, statement) {
    setStatus(slot.container, "saving");
    post(settings.xapiUrl.replace("{id}", slot.id), statement).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      if (answer.stored) {
        slot.container.setAttribute("data-h5p-recorded", "true");
        setStatus(slot.container, "saved");
      }
    }).catch(function () {
      pending.push([slot, statement]);
      setStatus(slot.container, "offline");
    });
  }
  window.addEventListener("online", function () {
    var queue = pending; pending = [];
    queue.forEach(function (item) { send(item[0], item[1]); });
  });

  function onStatement(event) {
    var statement = event.data && event.data.statement;
    if (!statement || !statement.result || !statement.result.score) { return; }
    var extensions = (statement.object && statement.object.definition &&
      statement.object.definition.extensions) || {};
    var contentId = extensions["http://h5p.org/x-api/h5p-local-content-id"];
    var parent = statement.context && statement.context.contextActivities &&
      statement.context.contextActivities.parent;
    if (parent && parent.length) { return; }  // only top-level results count
    var slot = slotsByContentId[String(contentId)];
    if (slot) { send(slot, statement); }
  }

  var listening = false;
  document.querySelectorAll("[data-h5p-block]").forEach(function (container) {
    var config = settings.blocks[container.getAttribute("data-h5p-block")];
    if (!config) { setStatus(container, "unavailable"); return; }
    var slot = {id: config.id, container: container};
    slotsByContentId[config.id] = slot;
    var options = {
      id: config.id,
      h5pJsonPath: settings.contentUrl + config.activityUuid,
      librariesPath: settings.librariesUrl,
      frameJs: settings.frameJs,
      frameCss: settings.frameCss,
      xAPIObjectIRI: settings.objectIri + "#" + container.getAttribute("data-h5p-block"),
      user: {name: settings.userName, mail: settings.userMail},
      saveFreq: 5,
      ajax: {contentUserDataUrl: settings.stateUrl},
      customJs: settings.frameScript
    };
    if (config.state) { options.contentUserData = [{state: config.state}]; }
    var player = container.querySelector("[data-h5p-player]");
    new H5PStandalone.H5P(player, options).then(function () {
      container.setAttribute("data-h5p-ready", "true");
      setStatus(container, config.completed ? "completed" : "ready");
      if (!listening) {
        H5P.externalDispatcher.on("xAPI", onStatement);
        listening = true;
      }
    }).catch(function () {
      setStatus(container, "failed");
    });
  });
})();
