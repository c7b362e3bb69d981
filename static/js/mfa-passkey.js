// Passkeys on the sign-in security pages (lms/mfa): registration and verification with
// the browser's WebAuthn API. The server (python-fido2) sends its options as JSON with
// base64url strings for the binary fields; they are turned into ArrayBuffers here, and
// the browser's answer back into base64url JSON for the server to check.
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json.publicKey);
    options.challenge = toBytes(options.challenge);
    options.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(json) {
    var options = Object.assign({}, json.publicKey);
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return { publicKey: options };
  }

  function credentialJson(credential) {
    var response = credential.response;
    var body = { clientDataJSON: toText(response.clientDataJSON) };
    if (response.attestationObject) {
      body.attestationObject = toText(response.attestationObject);
      if (response.getTransports) body.transports = response.getTransports();
    } else {
      body.authenticatorData = toText(response.authenticatorData);
      body.signature = toText(response.signature);
      if (response.userHandle) body.userHandle = toText(response.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: body,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function post(url, form, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value
      },
      body: JSON.stringify(body || {})
    }).then(function (answer) {
      return answer.json().then(function (data) {
        if (!answer.ok) {
          var refused = new Error(data.detail || answer.statusText);
          refused.fromServer = true;
          throw refused;
        }
        return data;
      });
    });
  }

  function wire(form, ceremony) {
    var error = form.querySelector("[data-passkey-error]");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      ceremony(form)
        .then(function (data) { window.location.assign(data.redirect); })
        .catch(function (problem) {
          // The server's refusals are translated; the browser's own (cancelled, timed out,
          // no authenticator) are not: the page's message stands for them.
          error.textContent = problem && problem.fromServer ? problem.message : form.dataset.failedMessage;
          error.hidden = false;
          button.disabled = false;
        });
    });
  }

  function register(form) {
    return post(form.dataset.optionsUrl, form).then(function (options) {
      return navigator.credentials.create(creationOptions(options));
    }).then(function (credential) {
      var name = form.querySelector("input[name=name]");
      return post(form.dataset.completeUrl, form, {
        name: name ? name.value : "",
        credential: credentialJson(credential)
      });
    });
  }

  function verify(form) {
    return post(form.dataset.optionsUrl, form).then(function (options) {
      return navigator.credentials.get(requestOptions(options));
    }).then(function (credential) {
      return post(form.dataset.completeUrl, form, {
        next: form.querySelector("input[name=next]").value,
        credential: credentialJson(credential)
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential || !navigator.credentials) return;
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
      note.hidden = true;
    });
    document.querySelectorAll("form[data-passkey-register]").forEach(function (form) {
      wire(form, register);
    });
    document.querySelectorAll("form[data-passkey-verify]").forEach(function (form) {
      wire(form, verify);
    });
  });
})();
