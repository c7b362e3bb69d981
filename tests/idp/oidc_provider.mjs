// A real OpenID provider for the single sign-on tests (issue 16): the npm package
// oidc-provider, configured from one JSON argument:
//   node oidc_provider.mjs '{"issuer": "http://127.0.0.1:PORT", "port": PORT,
//     "clients": [{"client_id": ..., "client_secret": ..., "redirect_uris": [...]}],
//     "accounts": {"ana.quispe": {"email": ..., "name": ..., "locale": ..., "unit": ...}}}'
// The login form is the package's development interaction (any password; the login is
// the account id); consent is granted at once, as for a first-party client. Prints
// "ready" on stdout once it listens.
import { createRequire } from "node:module";
import path from "node:path";

const config = JSON.parse(process.argv[2]);
// The package is found in the project's node_modules, else where OIDC_PROVIDER_NODE_PATH
// points (a private install for a local run).
const roots = [path.resolve(import.meta.dirname, "../../node_modules")];
if (process.env.OIDC_PROVIDER_NODE_PATH) roots.push(process.env.OIDC_PROVIDER_NODE_PATH);
let Provider;
for (const root of roots) {
  try {
    const require = createRequire(path.join(root, "noop.js"));
    const resolved = require.resolve("oidc-provider");
    Provider = (await import(resolved)).default;
    break;
  } catch (error) {
    if (error.code !== "MODULE_NOT_FOUND" && error.code !== "ERR_MODULE_NOT_FOUND") throw error;
  }
}
if (!Provider) {
  console.error(`oidc-provider not found under ${roots.join(", ")}`);
  process.exit(2);
}

const accounts = config.accounts || {};
// A provider whose clock runs late by clock_offset seconds (refusal tests: its ID tokens
// expired before they arrive).
if (config.clock_offset) {
  const realNow = Date.now;
  Date.now = () => realNow() + config.clock_offset * 1000;
}
// Back-channel logout posts to the site under test, which listens on loopback: the
// package's SSRF guard refuses special-use addresses, so requests to the clients' own
// back-channel logout origins (and only those) go without it.
const backchannelOrigins = new Set(
  config.clients
    .filter((client) => client.backchannel_logout_uri)
    .map((client) => new URL(client.backchannel_logout_uri).origin),
);
const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...client,
  })),
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username", "locale", "unit"],
  },
  features: {
    devInteractions: { enabled: true },
    // Single logout: RP-initiated (with the package's confirmation form) and back-channel.
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  cookies: { keys: ["test-cookie-key-for-the-sso-tests"] },
  fetch(url, options) {
    if (backchannelOrigins.has(new URL(url).origin)) delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  ttl: { IdToken: config.id_token_ttl || 3600 },
  ...(config.jwks && { jwks: config.jwks }), // signing keys given (two issuers, one key)
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...accounts[id] };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    grant.addOIDCClaims(["email", "email_verified", "name", "preferred_username", "locale", "unit"]);
    await grant.save();
    return grant;
  },
});
provider.on("backchannel.error", (ctx, error) => console.error("backchannel.error", error));
provider.on("server_error", (ctx, error) => console.error("server_error", error));
provider.listen(config.port, "127.0.0.1", () => console.log("ready"));
