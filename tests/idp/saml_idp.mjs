// A SAML 2.0 identity provider for the single sign-on tests (issue 16): the npm package
// samlp (Auth0's SAML protocol middleware) builds and signs the responses; this script
// serves it on plain node:http with a login form. Configured from one JSON argument:
//   {"issuer": "urn:...", "port": N, "cert": "PEM", "key": "PEM",
//    "service_providers": {"<SP entity id>": "<ACS URL>"},
//    "accounts": {"pedro": {"nameid": "...", "email": ..., "name": ..., "unit": ...,
//                            "locale": ..., "authn_context": "..."}},
//    "clock_skew_seconds": 0,
//    "single_logout": {"<SP entity id>": {"url": "<SLS URL>", "cert": "PEM"}}}
// GET /metadata: the IdP metadata. GET /sso: the single sign-on service (HTTP-Redirect
// binding). GET /slo: single logout (samlp.logout, HTTP-Redirect, signed both ways):
// the SP's LogoutRequest (checked against the SP's certificate) ends the IdP session;
// without a SAML message, an IdP-initiated logout of every SP the browser signed in to. A negative clock skew makes an IdP whose clock is behind (its assertions
// arrive expired). Prints "ready" once it listens.
import { createRequire } from "node:module";
import crypto from "node:crypto";
import http from "node:http";
import path from "node:path";

const config = JSON.parse(process.argv[2]);
const roots = [path.resolve(import.meta.dirname, "../../node_modules")];
if (process.env.SAMLP_NODE_PATH) roots.push(process.env.SAMLP_NODE_PATH);
let samlp;
let require;
for (const root of roots) {
  try {
    require = createRequire(path.join(root, "noop.js"));
    samlp = require("samlp");
    break;
  } catch (error) {
    if (error.code !== "MODULE_NOT_FOUND") throw error;
  }
}
if (!samlp) {
  console.error(`samlp not found under ${roots.join(", ")}`);
  process.exit(2);
}

const skew = (config.clock_skew_seconds || 0) * 1000;
if (skew) {
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...args);
    }
    static now() {
      return RealDate.now() + skew;
    }
  };
}

const PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const accounts = config.accounts || {};
const SessionParticipants = require("samlp/lib/sessionParticipants");
// The IdP's sessions, by the browser's idp_session cookie: who signed in, the service
// providers they signed in to (samlp's session participants) and samlp's logout state.
const sessions = new Map();

function ProfileMapper(account) {
  this.account = account;
}
ProfileMapper.prototype.getClaims = function () {
  const { nameid, authn_context, ...attributes } = this.account;
  return attributes;
};
ProfileMapper.prototype.getNameIdentifier = function () {
  return { nameIdentifier: this.account.nameid, nameIdentifierFormat: PERSISTENT };
};

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function cookies(req) {
  return Object.fromEntries(
    (req.headers.cookie || "").split(";").map((p) => p.trim().split("=").map(decodeURIComponent)),
  );
}

function shim(req, res, url) {
  req.query = Object.fromEntries(url.searchParams);
  req.originalUrl = url.pathname;
  req.protocol = "http";
  res.set = (name, value) => res.setHeader(name, value);
  res.redirect = (location) => {
    res.statusCode = 302;
    res.setHeader("Location", location);
    res.end();
  };
  res.send = (status, body) => {
    if (typeof status === "number") {
      res.statusCode = status;
      res.end(body === undefined ? "" : String(body));
    } else res.end(status);
  };
}

const metadata = samlp.metadata({
  issuer: config.issuer,
  cert: config.cert,
  redirectEndpointPath: "/sso",
  postEndpointPath: "/sso",
  logoutEndpointPaths: { redirect: "/slo" },
});

function loginPage(res, query) {
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.end(`<!doctype html><html lang="en"><title>Test IdP sign-in</title>
<form method="post" action="/login"><label>User <input name="username"></label>
<input type="hidden" name="query" value="${escape(query)}">
<button type="submit">Sign in at the IdP</button></form></html>`);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, config.issuer_url || `http://127.0.0.1:${config.port}`);
  shim(req, res, url);
  const fail = (error) => {
    console.error(error);
    res.statusCode = 400;
    res.end(String(error && error.message ? error.message : error));
  };
  if (req.method === "GET" && url.pathname === "/metadata") return metadata(req, res);
  if (req.method === "POST" && url.pathname === "/login") {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const username = form.get("username") || "";
    if (!Object.hasOwn(accounts, username)) return loginPage(res, form.get("query") || "");
    const sessionId = crypto.randomUUID();
    sessions.set(sessionId, { username, participants: [] });
    res.statusCode = 302;
    res.setHeader("Set-Cookie", [
      `idp_user=${encodeURIComponent(username)}; Path=/; HttpOnly`,
      `idp_session=${sessionId}; Path=/; HttpOnly`,
    ]);
    res.setHeader("Location", `/sso?${form.get("query") || ""}`);
    return res.end();
  }
  if (req.method === "GET" && url.pathname === "/logout") {
    res.setHeader("Set-Cookie", "idp_user=; Path=/; Max-Age=0");
    return res.end("signed out");
  }
  if (req.method === "GET" && url.pathname === "/sso") {
    const username = cookies(req).idp_user;
    if (!username || !Object.hasOwn(accounts, username)) return loginPage(res, url.search.slice(1));
    const account = accounts[username];
    const session = sessions.get(cookies(req).idp_session);
    return samlp.parseRequest(req, (error, request) => {
      if (error || !request) return fail(error || "no SAMLRequest");
      // The ACS comes from the IdP's own list of service providers, never from the request.
      const acs = (config.service_providers || {})[request.issuer];
      if (!acs) return fail(`unknown service provider ${request.issuer}`);
      const sessionIndex = `_${crypto.randomUUID()}`;
      const slo = (config.single_logout || {})[request.issuer];
      if (session && slo) {
        session.participants.push({
          serviceProviderId: request.issuer,
          nameId: account.nameid,
          nameIdFormat: PERSISTENT,
          sessionIndex,
          serviceProviderLogoutURL: slo.url,
          cert: slo.cert,
          binding: REDIRECT,
        });
      }
      samlp.auth({
        sessionIndex,
        issuer: config.issuer,
        cert: config.cert,
        key: config.key,
        audience: request.issuer,
        destination: acs,
        recipient: acs,
        lifetimeInSeconds: 300,
        authnContextClassRef:
          account.authn_context ||
          "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
        getUserFromRequest: () => account,
        profileMapper: (user) => new ProfileMapper(user),
        getPostURL: (audience, dom, incoming, callback) => callback(null, acs),
      })(req, res, fail);
    });
  }
  if (req.method === "GET" && url.pathname === "/slo") {
    const sessionId = cookies(req).idp_session;
    const session = sessions.get(sessionId) || { participants: [] };
    req.session = session; // samlp keeps its logout state here (flowstate)
    req.body = {};
    return samlp.logout({
      issuer: config.issuer,
      cert: config.cert,
      key: config.key,
      deflate: true,
      protocolBinding: REDIRECT,
      signatureAlgorithm: "rsa-sha256",
      digestAlgorithm: "sha256",
      sessionParticipants: new SessionParticipants(session.participants),
      clearIdPSession(done) {
        sessions.delete(sessionId);
        res.setHeader("Set-Cookie", [
          "idp_user=; Path=/; Max-Age=0",
          "idp_session=; Path=/; Max-Age=0",
        ]);
        done();
      },
    })(req, res, fail);
  }
  res.statusCode = 404;
  res.end("not found");
});
server.listen(config.port, "127.0.0.1", () => console.log("ready"));
