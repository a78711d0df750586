//! OAuth 2.1 as a remote MCP client meets it: discovery, registration, the authorization
//! endpoint handing the browser to the web app's consent screen and that screen's API, the code
//! for tokens with PKCE, `/mcp` with the access token, refresh, revocation, and every way a
//! stolen or stale credential, an untrusted request or a forged consent is refused.

use crate::mcp::{READ_TOOLS, connect, names};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kith_testkit::{Backend, Reply, TestApp, TestClient, on_both_backends, send};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

on_both_backends!(
    a_client_discovers_registers_and_connects_with_consent,
    stolen_or_stale_credentials_are_refused,
    untrusted_requests_and_forged_answers_are_refused,
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

/// The answer of the authorization endpoint to a browser, redirects not followed.
async fn authorize(app: &TestApp, path_and_query: &str) -> Reply {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    send(http.get(app.url(path_and_query))).await
}

fn location(reply: &Reply) -> url::Url {
    assert_eq!(reply.status, 303, "a redirect: {:?}", reply.json);
    url::Url::parse(reply.header("location").expect("location")).expect("absolute location")
}

/// Where the authorization endpoint sends the browser for a request it can go on with: the
/// web app's consent screen, with the same parameters.
async fn consent_screen(app: &TestApp, query: &str) -> String {
    let reply = authorize(app, query).await;
    assert_eq!(reply.status, 303, "{:?}", reply.json);
    let screen = reply.header("location").expect("location").to_owned();
    let (path, params) = screen.split_once('?').expect("parameters");
    assert_eq!(path, "/oauth/consent");
    assert_eq!(params, query.split_once('?').expect("a query").1);
    screen
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

/// What the consent screen at `screen` asks `person`, as the API answers it.
async fn prompt(person: &TestClient, screen: &str) -> Reply {
    let query = screen.split_once('?').expect("parameters").1;
    person
        .get(&format!("/api/v1/oauth/authorization?{query}"))
        .await
}

/// The authorization request of the consent screen at `screen`, as the answer's body holds it.
fn request_of(screen: &str) -> Value {
    let query = screen.split_once('?').expect("parameters").1;
    let pairs: serde_json::Map<String, Value> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), json!(value)))
        .collect();
    Value::Object(pairs)
}

/// `person`'s answer on the consent screen at `screen`: `choice` holds the decision and, to
/// allow, the workspace and grant.
async fn answer(person: &TestClient, screen: &str, choice: Value) -> Reply {
    let mut body = choice;
    body["request"] = request_of(screen);
    person.post("/api/v1/oauth/authorization", body).await
}

/// Where an answer sends the browser.
fn redirect_to(reply: Reply) -> url::Url {
    let answer = reply.expect_status(200);
    url::Url::parse(answer["redirectTo"].as_str().expect("redirectTo")).expect("a URL")
}

/// `person` consents to `grant` in workspace `ws` on the consent screen an authorization
/// request for read and write leads to; returns where the browser is sent back to.
async fn consent(
    app: &TestApp,
    person: &TestClient,
    client_id: &str,
    ws: &str,
    grant: &str,
) -> url::Url {
    let query = authorize_query(client_id, "records:read records:write", &app.url("/mcp"));
    let screen = consent_screen(app, &query).await;
    let asked = prompt(person, &screen).await.expect_status(200);
    assert_eq!(asked["client"]["name"], "Claude <Desktop>");
    assert_eq!(asked["client"]["id"], client_id);
    assert_eq!(asked["redirectHost"], "http://127.0.0.1");
    assert_eq!(asked["requested"], "write", "the smallest grant asked for");
    let grants: Vec<&Value> = asked["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| &g["name"])
        .collect();
    assert_eq!(grants, [&json!("read"), &json!("write"), &json!("schema")]);
    assert_eq!(asked["grants"][1]["description"], "Read and change records");
    assert_eq!(
        asked["grants"][1]["scopes"],
        json!(["records:read", "records:write"])
    );
    let choice = json!({ "decision": "allow", "workspaceId": ws, "grant": grant });
    redirect_to(answer(person, &screen, choice).await)
}

/// A code for `person`'s consent, checked to come back with the client's state and our issuer.
async fn code(app: &TestApp, person: &TestClient, client_id: &str, ws: &str) -> String {
    let back = consent(app, person, client_id, ws, "read").await;
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

    // The authorization endpoint sends a browser on to the consent screen, signed in or not;
    // the screen's API needs the session, then the person consents to read and write.
    let query = authorize_query(&client_id, "records:read", &app.url("/mcp"));
    let screen = consent_screen(&app, &query).await;
    prompt(&app.client(), &screen)
        .await
        .expect_error(401, "unauthenticated");
    let back = consent(&app, &owner, &client_id, &ws, "write").await;
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
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client_id = register(&app).await;

    // A wrong verifier: the code is refused (and spent).
    let first = code(&app, &owner, &client_id, &ws).await;
    let wrong = exchange(&app, &client_id, &first, &format!("{VERIFIER}x")).await;
    assert_eq!(oauth_error(wrong, 400), "invalid_grant");
    let after = exchange(&app, &client_id, &first, VERIFIER).await;
    assert_eq!(oauth_error(after, 400), "invalid_grant");

    // A reused code: refused, and the tokens the first use gave are revoked.
    let second = code(&app, &owner, &client_id, &ws).await;
    let tokens = exchange(&app, &client_id, &second, VERIFIER)
        .await
        .expect_status(200);
    let access = secret(&tokens, "access_token");
    assert_eq!(mcp_status(&app, &access).await, 200);
    let reused = exchange(&app, &client_id, &second, VERIFIER).await;
    assert_eq!(oauth_error(reused, 400), "invalid_grant");
    assert_eq!(mcp_status(&app, &access).await, 401);

    // A code for another client, or a foreign resource at the token endpoint.
    let third = code(&app, &owner, &client_id, &ws).await;
    let other_client = register(&app).await;
    let stolen = exchange(&app, &other_client, &third, VERIFIER).await;
    assert_eq!(oauth_error(stolen, 400), "invalid_grant");
    let fourth = code(&app, &owner, &client_id, &ws).await;
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
    let asked = authorize(
        &app,
        &authorize_query(&client_id, "records:read", "https://other.example/mcp"),
    )
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
    let back = location(&authorize(&app, &plain).await);
    assert_eq!(
        query_value(&back, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(back.as_str().starts_with(REDIRECT), "{back}");

    // An expired access token, and a reused refresh token (which ends the grant).
    let fifth = code(&app, &owner, &client_id, &ws).await;
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
}

async fn untrusted_requests_and_forged_answers_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client_id = register(&app).await;
    let query = authorize_query(&client_id, "records:read", &app.url("/mcp"));

    // An unregistered redirect is never followed: the consent screen shows why, and its API
    // refuses to go on, naming the parameter.
    let elsewhere = query.replace("33418%2Fcallback", "33418%2Felsewhere");
    let screen = consent_screen(&app, &elsewhere).await;
    let refused = prompt(&owner, &screen)
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(refused, ["redirect_uri"]);
    let choice = json!({ "decision": "allow", "workspaceId": ws, "grant": "read" });
    let refused = answer(&owner, &screen, choice.clone())
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(refused, ["request.redirect_uri"]);
    let unknown = consent_screen(&app, &query.replace(&client_id, "no-such-client")).await;
    let refused = prompt(&owner, &unknown)
        .await
        .expect_error_fields(404, "not_found");
    assert_eq!(refused, ["client_id"]);
    let foreign = authorize_query(&client_id, "records:read", "https://other.example/mcp");
    let refused = prompt(&owner, &foreign)
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(refused, ["resource"]);
    let unknown = prompt(&owner, &format!("{query}&prompt=consent"))
        .await
        .expect_error(400, "bad_request");
    assert!(
        unknown["message"]
            .as_str()
            .is_some_and(|m| m.contains("prompt")),
        "{unknown}"
    );

    // Allowing names a workspace of the person's and a grant.
    let screen = consent_screen(&app, &query).await;
    let fields = answer(&owner, &screen, json!({ "decision": "allow" }))
        .await
        .expect_error_fields(400, "validation_failed");
    assert_eq!(fields, ["workspaceId", "grant"]);
    let stranger = app.signup("Stranger", "stranger@example.com").await;
    let theirs = stranger.create_workspace("Theirs").await;
    let elsewhere = json!({ "decision": "allow", "workspaceId": theirs, "grant": "read" });
    let refused = answer(&owner, &screen, elsewhere)
        .await
        .expect_error_fields(404, "not_found");
    assert_eq!(refused, ["workspaceId"]);

    // Denying sends the client access_denied, with its state.
    let back = redirect_to(answer(&owner, &screen, json!({ "decision": "deny" })).await);
    assert!(back.as_str().starts_with(REDIRECT), "{back}");
    assert_eq!(
        query_value(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_value(&back, "state").as_deref(), Some("xyz"));
    assert_eq!(query_value(&back, "code"), None);

    // An answer without the session's CSRF token, from another site, or from nobody is not
    // taken, and makes no grant.
    let mut body = choice;
    body["request"] = request_of(&screen);
    let path = "/api/v1/oauth/authorization";
    let without_csrf = send(owner.request(reqwest::Method::POST, path).json(&body)).await;
    without_csrf.expect_error(403, "forbidden");
    let cross_site = send(
        owner
            .with_csrf(reqwest::Method::POST, path)
            .header("origin", "https://evil.example")
            .json(&body),
    )
    .await;
    cross_site.expect_error(403, "forbidden");
    app.client()
        .post(path, body)
        .await
        .expect_error(401, "unauthenticated");
    let apps = owner
        .get("/api/v1/me/connected-apps")
        .await
        .expect_status(200);
    assert_eq!(apps["data"], json!([]), "no grant was made");
}

async fn a_grant_acts_as_its_person_and_ends_when_they_leave(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (viewer, viewer_id) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let client_id = register(&app).await;
    // The viewer grants read and write; their role still allows only reading.
    let back = consent(&app, &viewer, &client_id, &ws, "write").await;
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
