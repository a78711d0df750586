//! Two-factor sign-in: setting up an authenticator app, signing in with its codes and with
//! recovery codes, the limit on wrong codes, and workspaces that require it of their members.

use kith_server::auth::two_factor::{code_at, step_of};
use kith_store::now_millis;
use kith_testkit::{Backend, PASSWORD, TestApp, TestClient, send};
use reqwest::Method;
use serde_json::{Value, json};

kith_testkit::on_both_backends!(
    signing_in_takes_each_code_once_and_each_recovery_code_once,
    wrong_codes_are_refused_after_five_until_the_window_passes,
    a_workspace_can_require_two_factor_sign_in_of_every_member,
);

fn now_step() -> u64 {
    step_of(u64::try_from(now_millis() / 1000).expect("after 1970"))
}

/// Sets up and turns on two-factor sign-in for the signed-in `client`: the raw secret and the
/// recovery codes.
pub(crate) async fn turn_on(client: &TestClient) -> (Vec<u8>, Vec<String>) {
    let setup = client
        .post(
            "/api/v1/me/two-factor/setup",
            json!({ "currentPassword": PASSWORD }),
        )
        .await
        .expect_status(200);
    let encoded = setup["secret"].as_str().expect("secret");
    assert!(
        setup["otpauthUri"]
            .as_str()
            .expect("uri")
            .contains(&format!("secret={encoded}&issuer=Kith")),
        "{setup}"
    );
    let secret = data_encoding::BASE32_NOPAD
        .decode(encoded.as_bytes())
        .expect("base32");
    let enabled = client
        .post(
            "/api/v1/me/two-factor/enable",
            json!({ "code": code_at(&secret, now_step()) }),
        )
        .await
        .expect_status(200);
    let codes = enabled["recoveryCodes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (secret, codes)
}

async fn login_with(
    app: &TestApp,
    email: &str,
    code: Option<&str>,
) -> (TestClient, kith_testkit::Reply) {
    let client = app.client();
    let reply = client
        .post(
            "/api/v1/auth/login",
            json!({ "email": email, "password": PASSWORD, "code": code }),
        )
        .await;
    (client, reply)
}

async fn signing_in_takes_each_code_once_and_each_recovery_code_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    assert_eq!(
        ada.get("/api/v1/me").await.expect_status(200)["twoFactor"],
        false
    );

    // Setting up takes the password, and nothing is required until a code confirms it.
    ada.post("/api/v1/me/two-factor/setup", json!({}))
        .await
        .expect_error(400, "validation_failed");
    ada.post(
        "/api/v1/me/two-factor/setup",
        json!({ "currentPassword": "not the password" }),
    )
    .await
    .expect_error(403, "forbidden");
    let setup = ada
        .post(
            "/api/v1/me/two-factor/setup",
            json!({ "currentPassword": PASSWORD }),
        )
        .await
        .expect_status(200);
    let secret = data_encoding::BASE32_NOPAD
        .decode(setup["secret"].as_str().expect("secret").as_bytes())
        .expect("base32");
    let status = ada.get("/api/v1/me/two-factor").await.expect_status(200);
    assert_eq!(
        status,
        json!({ "enabled": false, "settingUp": true, "recoveryCodesLeft": 0 })
    );
    // A second session, signed in with the password alone while nothing is required yet.
    let (laptop, signed_in) = login_with(&app, "ada@example.com", None).await;
    signed_in.expect_status(200);
    laptop.get("/api/v1/me").await.expect_status(200);

    let wrong = format!(
        "{:06}",
        (code_at(&secret, now_step()).parse::<u32>().expect("digits") + 1) % 1_000_000
    );
    let fields = ada
        .post("/api/v1/me/two-factor/enable", json!({ "code": wrong }))
        .await
        .expect_error_fields(403, "forbidden");
    assert_eq!(fields, ["code"]);
    let step = now_step();
    let enabled = ada
        .post(
            "/api/v1/me/two-factor/enable",
            json!({ "code": code_at(&secret, step) }),
        )
        .await
        .expect_status(200);
    let codes: Vec<String> =
        serde_json::from_value(enabled["recoveryCodes"].clone()).expect("codes");
    assert_eq!(codes.len(), 10);
    assert_eq!(
        ada.get("/api/v1/me").await.expect_status(200)["twoFactor"],
        true
    );
    // Turning it on ends the sessions that never showed a code, and keeps this one.
    assert_eq!(enabled["endedSessions"], 1, "{enabled}");
    laptop
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    assert_eq!(app.count_control_plane("recovery_codes").await, 10);

    // The password alone no longer opens a session.
    let (client, reply) = login_with(&app, "ada@example.com", None).await;
    assert!(
        reply
            .set_cookies()
            .iter()
            .all(|c| !c.starts_with("kith_session="))
    );
    reply.expect_error(401, "two_factor_required");
    client
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");

    // The code that turned it on was used; the next step's code (within the drift) is good once.
    login_with(&app, "ada@example.com", Some(&code_at(&secret, step)))
        .await
        .1
        .expect_error(401, "unauthenticated");
    let next = code_at(&secret, step + 1);
    let (client, reply) = login_with(&app, "ada@example.com", Some(&next)).await;
    reply.expect_status(200);
    assert_eq!(
        client.get("/api/v1/me").await.expect_status(200)["email"],
        "ada@example.com"
    );
    login_with(&app, "ada@example.com", Some(&next))
        .await
        .1
        .expect_error(401, "unauthenticated");

    // A recovery code signs in once, typed however.
    let typed = codes[3].to_uppercase().replace('-', " ");
    login_with(&app, "ada@example.com", Some(&typed))
        .await
        .1
        .expect_status(200);
    login_with(&app, "ada@example.com", Some(&codes[3]))
        .await
        .1
        .expect_error(401, "unauthenticated");
    let status = ada.get("/api/v1/me/two-factor").await.expect_status(200);
    assert_eq!(status["recoveryCodesLeft"], 9);

    // New recovery codes replace every old one.
    let renewed = ada
        .post(
            "/api/v1/me/two-factor/recovery-codes",
            json!({ "currentPassword": PASSWORD }),
        )
        .await
        .expect_status(200);
    login_with(&app, "ada@example.com", Some(&codes[4]))
        .await
        .1
        .expect_error(401, "unauthenticated");
    let fresh = renewed["recoveryCodes"][0].as_str().expect("code");
    login_with(&app, "ada@example.com", Some(fresh))
        .await
        .1
        .expect_status(200);

    let history = ada.get("/api/v1/me/logins").await.expect_status(200);
    let kinds: Vec<&str> = history["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"two_factor_enabled") && kinds.contains(&"two_factor_failed"),
        "{kinds:?}"
    );

    // Turning it off takes the password and forgets the secret and the codes.
    ada.post(
        "/api/v1/me/two-factor/disable",
        json!({ "currentPassword": PASSWORD }),
    )
    .await
    .expect_status(204);
    assert_eq!(app.count_control_plane("recovery_codes").await, 0);
    login_with(&app, "ada@example.com", None)
        .await
        .1
        .expect_status(200);
    app.stop().await;
}

async fn wrong_codes_are_refused_after_five_until_the_window_passes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let (secret, codes) = turn_on(&ada).await;
    for _ in 0..5 {
        login_with(&app, "ada@example.com", Some("000000"))
            .await
            .1
            .expect_error(401, "unauthenticated");
    }
    // Now even a right code, or a recovery code, waits for the window to pass.
    let refused = login_with(
        &app,
        "ada@example.com",
        Some(&code_at(&secret, now_step() + 1)),
    )
    .await
    .1;
    assert!(refused.header("retry-after").is_some());
    refused.expect_error(429, "rate_limited");
    login_with(&app, "ada@example.com", Some(&codes[0]))
        .await
        .1
        .expect_error(429, "rate_limited");

    // Once the failures are older than the window, a right code signs in again.
    let older = now_millis() - 16 * 60 * 1000;
    app.update_control_plane(
        "login_failures",
        &format!("at = {older}"),
        "key LIKE '2fa:%'",
    )
    .await;
    login_with(&app, "ada@example.com", Some(&codes[0]))
        .await
        .1
        .expect_status(200);
    app.stop().await;
}

async fn put(client: &TestClient, path: &str, body: Value) -> kith_testkit::Reply {
    send(client.with_csrf(Method::PUT, path).json(&body)).await
}

async fn a_workspace_can_require_two_factor_sign_in_of_every_member(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let (admin, _) = app.join(&owner, &ws, "admin@example.com", "admin").await;
    let token = admin
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "Script", "scopes": ["records:read"] }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let policy = format!("/api/v1/workspaces/{ws}/two-factor");

    // Only an owner, and only one who has it, can require it.
    let fields = put(&owner, &policy, json!({ "required": true }))
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["requireTwoFactor"]);
    turn_on(&owner).await;
    put(&admin, &policy, json!({ "required": true }))
        .await
        .expect_error(403, "forbidden");
    let workspace = put(&owner, &policy, json!({ "required": true }))
        .await
        .expect_status(200);
    assert_eq!(workspace["requireTwoFactor"], true);

    // Members without it are kept out of every surface: the workspace's routes, the records API
    // with a session, and their API tokens.
    let fields = member
        .get(&format!("/api/v1/workspaces/{ws}"))
        .await
        .expect_error_fields(403, "forbidden");
    assert_eq!(fields, ["twoFactor"]);
    member
        .in_workspace(&ws)
        .get("/rest/people")
        .await
        .expect_error(403, "forbidden");
    let with_token = app.client();
    send(
        with_token
            .request(Method::GET, "/rest/people")
            .bearer_auth(&token),
    )
    .await
    .expect_error(403, "forbidden");
    // They still see the workspace in their list, marked, so the app can say why.
    let listed = member.get("/api/v1/workspaces").await.expect_status(200);
    assert_eq!(listed["data"][0]["requireTwoFactor"], true);
    owner
        .in_workspace(&ws)
        .get("/rest/people")
        .await
        .expect_status(200);

    // With it on, the member is back in; and cannot turn it off while the workspace requires it.
    turn_on(&member).await;
    member
        .in_workspace(&ws)
        .get("/rest/people")
        .await
        .expect_status(200);
    let refused = member
        .post(
            "/api/v1/me/two-factor/disable",
            json!({ "currentPassword": PASSWORD }),
        )
        .await
        .expect_error(409, "conflict");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains("\"Acme\""),
        "{refused}"
    );

    put(&owner, &policy, json!({ "required": false }))
        .await
        .expect_status(200);
    send(
        with_token
            .request(Method::GET, "/rest/people")
            .bearer_auth(&token),
    )
    .await
    .expect_status(200);
    member
        .post(
            "/api/v1/me/two-factor/disable",
            json!({ "currentPassword": PASSWORD }),
        )
        .await
        .expect_status(204);
    app.stop().await;
}
