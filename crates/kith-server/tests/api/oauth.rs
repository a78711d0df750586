//! OAuth 2.1 as a remote MCP client meets it: discovery, registration, the browser's sign-in and
//! consent, the code for tokens with PKCE, `/mcp` with the access token, refresh, revocation,
//! and every way a stolen or stale credential is refused.

use crate::mcp::{READ_TOOLS, connect, names};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kith_testkit::{Backend, PASSWORD, Reply, TestApp, on_both_backends, send};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::sync::Arc;

on_both_backends!(
    a_client_discovers_registers_and_connects_with_consent,
    stolen_or_stale_credentials_are_refused,
    a_grant_acts_as_its_person_and_ends_when_they_leave,
    browsers_get_cors_answers_and_the_endpoints_are_rate_limited,
);

const REDIRECT: &str = "http://127.0.0.1:33418/callback";
const VERIFIER: &str = "a-verifier-of-enough-length-0123456789-abcdefghijklmnop";

const FORM: &str = "application/x-www-form-urlencoded";

fn encoded(fields: &[(&str, &str)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        form.append_pair(name, value);
    }
    form.finish()
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A browser: keeps cookies and does not follow redirects, so each step can be looked at.
struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Browser {
            http,
            base: app.base.clone(),
        }
    }

    async fn get(&self, path_and_query: &str) -> Reply {
        send(self.http.get(format!("{}{path_and_query}", self.base))).await
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("origin", &self.base)
                .header("content-type", FORM)
                .body(encoded(fields)),
        )
        .await
    }
}

fn html(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.bytes).into_owned()
}

/// The value of the hidden or selectable field `name` in a page's form.
fn form_value(page: &str, marker: &str) -> String {
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in the page: {page}"))
        + marker.len();
    page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn location(reply: &Reply) -> url::Url {
    assert_eq!(reply.status, 303, "a redirect: {}", html(reply));
    url::Url::parse(reply.header("location").expect("location")).expect("absolute location")
}

fn query_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

async fn register(app: &TestApp) -> String {
    let reply = send(
        reqwest::Client::new()
            .post(app.url("/oauth/register"))
            .json(&json!({
                "client_name": "Claude <Desktop>",
                "redirect_uris": [REDIRECT],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            })),
    )
    .await;
    let client = reply.expect_status(201);
    assert_eq!(client["token_endpoint_auth_method"], "none");
    client["client_id"].as_str().expect("client_id").to_owned()
}

fn authorize_query(client_id: &str, scope: &str, resource: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "xyz")
        .append_pair("scope", scope)
        .append_pair("resource", resource);
    format!("/oauth/authorize?{}", query.finish())
}

/// Signs `email` in on the consent page's form (if not yet) and answers the consent with
/// `grant` in workspace `ws`; returns where the browser is sent back to.
async fn consent(
    app: &TestApp,
    browser: &Browser,
    client_id: &str,
    email: &str,
    ws: &str,
    grant: &str,
) -> url::Url {
    let query = authorize_query(client_id, "records:read records:write", &app.url("/mcp"));
    let mut page = browser.get(&query).await;
    if html(&page).contains("action=\"/oauth/login\"") {
        let hidden = hidden_fields(&html(&page));
        let mut fields: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        fields.extend([("email", email), ("password", PASSWORD)]);
        let signed_in = browser.post_form("/oauth/login", &fields).await;
        assert_eq!(signed_in.status, 303, "{}", html(&signed_in));
        let back = signed_in.header("location").expect("location").to_owned();
        assert!(back.starts_with("/oauth/authorize?"), "{back}");
        page = browser.get(&back).await;
    }
    let page = html(&page);
    assert!(
        page.contains("Claude &lt;Desktop&gt;"),
        "names the client, escaped: {page}"
    );
    assert!(
        page.contains(&format!("value=\"{ws}\"")),
        "offers the workspace"
    );
    assert!(
        page.contains("value=\"write\" checked"),
        "preselects what was asked for"
    );
    let hidden = hidden_fields(&page);
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend([("workspace", ws), ("grant", grant), ("decision", "allow")]);
    location(&browser.post_form("/oauth/authorize", &fields).await)
}

fn hidden_fields(page: &str) -> Vec<(String, String)> {
    page.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let name = rest.split('"').next().unwrap_or_default().to_owned();
            let value = form_value(rest, "value=\"");
            (name, unescape(&value))
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A code for `email`'s consent, checked to come back with the client's state and our issuer.
async fn code(app: &TestApp, browser: &Browser, client_id: &str, email: &str, ws: &str) -> String {
    let back = consent(app, browser, client_id, email, ws, "read").await;
    assert!(back.as_str().starts_with(REDIRECT), "{back}");
    assert_eq!(query_value(&back, "state").as_deref(), Some("xyz"));
    assert_eq!(query_value(&back, "iss"), Some(app.base.clone()));
    query_value(&back, "code").expect("a code")
}

async fn token_request(app: &TestApp, fields: &[(&str, &str)]) -> Reply {
    send(
        reqwest::Client::new()
            .post(app.url("/oauth/token"))
            .header("content-type", FORM)
            .body(encoded(fields)),
    )
    .await
}

async fn exchange(app: &TestApp, client_id: &str, code: &str, verifier: &str) -> Reply {
    token_request(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", REDIRECT),
            ("resource", &app.url("/mcp")),
        ],
    )
    .await
}

async fn refresh(app: &TestApp, client_id: &str, refresh_token: &str) -> Reply {
    token_request(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

fn oauth_error(reply: Reply, status: u16) -> String {
    assert_eq!(reply.status, status, "{:?}", reply.json);
    reply.json["error"].as_str().expect("error").to_owned()
}

/// How `/mcp` answers an `initialize` with `token`.
async fn mcp_status(app: &TestApp, token: &str) -> u16 {
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "t", "version": "1" } },
    });
    send(
        reqwest::Client::new()
            .post(app.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(token)
            .json(&initialize),
    )
    .await
    .status
}

fn secret(tokens: &Value, name: &str) -> String {
    tokens[name].as_str().expect(name).to_owned()
}

async fn a_client_discovers_registers_and_connects_with_consent(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;

    // Discovery, from the 401 of /mcp onwards.
    let unauthorized = send(
        reqwest::Client::new()
            .post(app.url("/mcp"))
            .json(&json!({})),
    )
    .await;
    let www_authenticate = unauthorized.header("www-authenticate").unwrap_or_default();
    let metadata_url = app.url("/.well-known/oauth-protected-resource/mcp");
    assert!(www_authenticate.contains(&format!("resource_metadata=\"{metadata_url}\"")));
    let resource = send(reqwest::Client::new().get(&metadata_url))
        .await
        .expect_status(200);
    assert_eq!(resource["resource"], app.url("/mcp"));
    assert_eq!(
        resource["scopes_supported"],
        json!(["records:read", "records:write", "metadata:write"])
    );
    let without_suffix = app.url("/.well-known/oauth-protected-resource");
    let same = send(reqwest::Client::new().get(&without_suffix))
        .await
        .expect_status(200);
    assert_eq!(same, resource);
    let issuer = resource["authorization_servers"][0]
        .as_str()
        .expect("issuer");
    assert_eq!(issuer, app.base);
    let server = send(
        reqwest::Client::new().get(format!("{issuer}/.well-known/oauth-authorization-server")),
    )
    .await
    .expect_status(200);
    assert_eq!(server["issuer"], app.base);
    assert_eq!(server["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(server["token_endpoint"], app.url("/oauth/token"));
    assert_eq!(server["registration_endpoint"], app.url("/oauth/register"));
    assert_eq!(server["revocation_endpoint"], app.url("/oauth/revoke"));

    // Registration refuses what it cannot keep safe.
    let bad = send(
        reqwest::Client::new()
            .post(app.url("/oauth/register"))
            .json(&json!({ "client_name": "Phish", "redirect_uris": ["http://evil.example/cb"] })),
    )
    .await;
    assert_eq!(oauth_error(bad, 400), "invalid_redirect_uri");
    let client_id = register(&app).await;

    // The browser signs in on the consent page, then consents to read and write.
    let browser = Browser::new(&app);
    let wrong = browser
        .post_form(
            "/oauth/login",
            &[
                ("client_id", &client_id),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("code_challenge", &challenge(VERIFIER)),
                ("code_challenge_method", "S256"),
                ("email", "owner@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(html(&wrong).contains("wrong email or password"));
    let back = consent(
        &app,
        &browser,
        &client_id,
        "owner@example.com",
        &ws,
        "write",
    )
    .await;
    let code = query_value(&back, "code").expect("code");
    let tokens = exchange(&app, &client_id, &code, VERIFIER)
        .await
        .expect_status(200);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "records:read records:write");
    assert_eq!(tokens["expires_in"], 3600);
    let access = secret(&tokens, "access_token");

    // The access token works at /mcp, as the person, with the grant's tools.
    let agent = connect(&app, &access).await;
    let tools = names(&agent.list_all_tools().await.expect("tools/list"));
    assert!(tools.contains(&"create_record".to_owned()));
    agent.cancel().await.expect("close");
    let api_token = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "Same scopes", "scopes": ["records:read", "records:write"] }),
        )
        .await
        .expect_status(201);
    let same_scopes = connect(&app, api_token["token"].as_str().expect("token")).await;
    let expected = names(&same_scopes.list_all_tools().await.expect("tools/list"));
    same_scopes.cancel().await.expect("close");
    assert_eq!(tools, expected, "the tools of a token with the same scopes");
    // …and nowhere else: it was issued for /mcp.
    let rest = send(
        reqwest::Client::new()
            .get(app.url("/rest/companies"))
            .bearer_auth(&access),
    )
    .await;
    rest.expect_error(401, "unauthenticated");

    // Connected apps: the person's and the workspace's.
    let mine = owner
        .get("/api/v1/me/connected-apps")
        .await
        .expect_status(200);
    assert_eq!(mine["data"][0]["client"]["name"], "Claude <Desktop>");
    assert_eq!(mine["data"][0]["workspace"]["id"], ws);
    assert_eq!(
        mine["data"][0]["scopes"],
        json!(["records:read", "records:write"])
    );
    let listed = owner
        .get(&format!("/api/v1/workspaces/{ws}/connected-apps"))
        .await
        .expect_status(200);
    assert_eq!(listed["data"], mine["data"]);
    let tokens_list = owner
        .get(&format!("/api/v1/workspaces/{ws}/tokens"))
        .await
        .expect_status(200);
    let token_names: Vec<&Value> = tokens_list["data"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(
        token_names,
        [&json!("Same scopes")],
        "a grant is no API token"
    );

    // Refresh rotates: a new pair, and the old access token still works until it expires.
    let rotated = refresh(&app, &client_id, &secret(&tokens, "refresh_token"))
        .await
        .expect_status(200);
    assert_ne!(rotated["refresh_token"], tokens["refresh_token"]);
    let newer = secret(&rotated, "access_token");
    assert_eq!(mcp_status(&app, &newer).await, 200);

    // Revoking the access token ends it at once.
    let revoked = send(
        reqwest::Client::new()
            .post(app.url("/oauth/revoke"))
            .header("content-type", FORM)
            .body(encoded(&[("token", &newer), ("client_id", &client_id)])),
    )
    .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(mcp_status(&app, &newer).await, 401);

    // Disconnecting the app in Kith ends the whole grant.
    let grant = mine["data"][0]["id"].as_str().expect("grant id");
    owner
        .delete(&format!("/api/v1/me/connected-apps/{grant}"))
        .await
        .expect_status(204);
    assert_eq!(mcp_status(&app, &access).await, 401);
    let gone = refresh(&app, &client_id, &secret(&rotated, "refresh_token")).await;
    assert_eq!(oauth_error(gone, 400), "invalid_grant");
    assert_eq!(
        owner
            .get("/api/v1/me/connected-apps")
            .await
            .expect_status(200)["data"],
        json!([])
    );
}

async fn stolen_or_stale_credentials_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client_id = register(&app).await;
    let browser = Browser::new(&app);
    let email = "owner@example.com";

    // A wrong verifier: the code is refused (and spent).
    let first = code(&app, &browser, &client_id, email, &ws).await;
    let wrong = exchange(&app, &client_id, &first, &format!("{VERIFIER}x")).await;
    assert_eq!(oauth_error(wrong, 400), "invalid_grant");
    let after = exchange(&app, &client_id, &first, VERIFIER).await;
    assert_eq!(oauth_error(after, 400), "invalid_grant");

    // A reused code: refused, and the tokens the first use gave are revoked.
    let second = code(&app, &browser, &client_id, email, &ws).await;
    let tokens = exchange(&app, &client_id, &second, VERIFIER)
        .await
        .expect_status(200);
    let access = secret(&tokens, "access_token");
    assert_eq!(mcp_status(&app, &access).await, 200);
    let reused = exchange(&app, &client_id, &second, VERIFIER).await;
    assert_eq!(oauth_error(reused, 400), "invalid_grant");
    assert_eq!(mcp_status(&app, &access).await, 401);

    // A code for another client, or a foreign resource at the token endpoint.
    let third = code(&app, &browser, &client_id, email, &ws).await;
    let other_client = register(&app).await;
    let stolen = exchange(&app, &other_client, &third, VERIFIER).await;
    assert_eq!(oauth_error(stolen, 400), "invalid_grant");
    let fourth = code(&app, &browser, &client_id, email, &ws).await;
    let foreign = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &fourth),
            ("code_verifier", VERIFIER),
            ("resource", "https://other.example/mcp"),
        ],
    )
    .await;
    assert_eq!(oauth_error(foreign, 400), "invalid_target");

    // A foreign resource at the authorization endpoint goes back to the client as an error.
    let asked = browser
        .get(&authorize_query(
            &client_id,
            "records:read",
            "https://other.example/mcp",
        ))
        .await;
    let back = location(&asked);
    assert_eq!(
        query_value(&back, "error").as_deref(),
        Some("invalid_target")
    );
    assert_eq!(query_value(&back, "state").as_deref(), Some("xyz"));
    // No PKCE, or plain PKCE: refused.
    let plain = authorize_query(&client_id, "records:read", &app.url("/mcp"))
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let back = location(&browser.get(&plain).await);
    assert_eq!(
        query_value(&back, "error").as_deref(),
        Some("invalid_request")
    );
    // An unregistered redirect is never followed.
    let elsewhere = authorize_query(&client_id, "records:read", &app.url("/mcp"))
        .replace("33418%2Fcallback", "33418%2Felsewhere");
    let shown = browser.get(&elsewhere).await;
    assert_eq!(shown.status, 400);
    assert!(html(&shown).contains("did not register"));
    assert_eq!(shown.header("location"), None);

    // An expired access token, and a reused refresh token (which ends the grant).
    let fifth = code(&app, &browser, &client_id, email, &ws).await;
    let tokens = exchange(&app, &client_id, &fifth, VERIFIER)
        .await
        .expect_status(200);
    let rotated = refresh(&app, &client_id, &secret(&tokens, "refresh_token"))
        .await
        .expect_status(200);
    let newest = secret(&rotated, "access_token");
    let expired = app
        .update_control_plane(
            "oauth_tokens",
            "expires_at = 1",
            "kind = 'access' AND used_at IS NULL",
        )
        .await;
    assert!(expired >= 1);
    assert_eq!(mcp_status(&app, &newest).await, 401);
    let replayed = refresh(&app, &client_id, &secret(&tokens, "refresh_token")).await;
    assert_eq!(oauth_error(replayed, 400), "invalid_grant");
    let after_replay = refresh(&app, &client_id, &secret(&rotated, "refresh_token")).await;
    assert_eq!(
        oauth_error(after_replay, 400),
        "invalid_grant",
        "a replayed refresh token ends the grant"
    );

    // Denying sends the client access_denied.
    let query = authorize_query(&client_id, "records:read", &app.url("/mcp"));
    let page = html(&browser.get(&query).await);
    let hidden = hidden_fields(&page);
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend([
        ("workspace", ws.as_str()),
        ("grant", "read"),
        ("decision", "deny"),
    ]);
    let back = location(&browser.post_form("/oauth/authorize", &fields).await);
    assert_eq!(
        query_value(&back, "error").as_deref(),
        Some("access_denied")
    );
    // A consent without the session's CSRF token is not taken.
    let forged: Vec<(&str, &str)> = fields
        .iter()
        .map(|&(k, v)| match k {
            "csrf" => (k, "forged"),
            "decision" => (k, "allow"),
            _ => (k, v),
        })
        .collect();
    let refused = browser.post_form("/oauth/authorize", &forged).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.header("location"), None);
}

async fn a_grant_acts_as_its_person_and_ends_when_they_leave(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (_viewer, viewer_id) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let client_id = register(&app).await;
    let browser = Browser::new(&app);
    // The viewer grants read and write; their role still allows only reading.
    let back = consent(
        &app,
        &browser,
        &client_id,
        "viewer@example.com",
        &ws,
        "write",
    )
    .await;
    let code = query_value(&back, "code").expect("code");
    let tokens = exchange(&app, &client_id, &code, VERIFIER)
        .await
        .expect_status(200);
    let access = secret(&tokens, "access_token");
    let agent = connect(&app, &access).await;
    let tools = agent.list_all_tools().await.expect("tools/list");
    assert_eq!(names(&tools), READ_TOOLS);
    agent.cancel().await.expect("close");
    // The workspace's admins see the app, and who connected it.
    let listed = owner
        .get(&format!("/api/v1/workspaces/{ws}/connected-apps"))
        .await
        .expect_status(200);
    assert_eq!(listed["data"][0]["person"]["email"], "viewer@example.com");
    // Once the person leaves, the grant opens nothing (after the token cache's few seconds).
    owner
        .delete(&format!("/api/v1/workspaces/{ws}/members/{viewer_id}"))
        .await
        .expect_status(204);
    let mut status = 200;
    for _ in 0..40 {
        status = mcp_status(&app, &access).await;
        if status == 401 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(status, 401);
    let refreshed = refresh(&app, &client_id, &secret(&tokens, "refresh_token")).await;
    assert_eq!(oauth_error(refreshed, 400), "invalid_grant");
}

async fn browsers_get_cors_answers_and_the_endpoints_are_rate_limited(backend: Backend) {
    let app = TestApp::start_with(backend, |settings| {
        settings.mcp_origins = Some("http://localhost:6274".into());
    })
    .await;
    let preflight = |path: &str, origin: &str| {
        send(
            reqwest::Client::new()
                .request(reqwest::Method::OPTIONS, app.url(path))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization, content-type, mcp-protocol-version",
                ),
        )
    };
    for path in [
        "/oauth/token",
        "/oauth/register",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let answer = preflight(path, "https://claude.ai").await;
        assert_eq!(answer.status, 204, "{path}");
        assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    }
    let mcp = preflight("/mcp", "http://localhost:6274").await;
    assert_eq!(mcp.status, 204);
    assert_eq!(
        mcp.header("access-control-allow-origin"),
        Some("http://localhost:6274")
    );
    let allowed = mcp
        .header("access-control-allow-headers")
        .unwrap_or_default();
    for needed in ["authorization", "mcp-protocol-version", "mcp-session-id"] {
        assert!(allowed.contains(needed), "{allowed}");
    }
    let foreign = preflight("/mcp", "https://evil.example").await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    // The browser client's own request is let through to the token check.
    let from_inspector = send(
        reqwest::Client::new()
            .post(app.url("/mcp"))
            .header("origin", "http://localhost:6274")
            .json(&json!({})),
    )
    .await;
    assert_eq!(from_inspector.status, 401);
    assert_eq!(
        from_inspector.header("access-control-allow-origin"),
        Some("http://localhost:6274")
    );

    // One address may not register clients (or guess codes) without end. The limit counts per
    // clock minute: twice the limit and one more puts more than the limit into one minute even
    // when the requests straddle a minute's end.
    let mut last = 0;
    for _ in 0..121 {
        last = send(
            reqwest::Client::new()
                .post(app.url("/oauth/register"))
                .json(&json!({ "redirect_uris": [REDIRECT] })),
        )
        .await
        .status;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
}
