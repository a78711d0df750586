//! Sign-up, sign-in, sessions, profile, password change and reset, sign-in history, throttling.

use kith_server::SignupPolicy;
use kith_server::auth::tokens::token_hash;
use kith_store::now_millis;
use kith_testkit::{Backend, PASSWORD, TestApp, code_in, on_both_backends, send};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    signup_login_me_logout,
    an_account_exports_everything_kith_holds_about_it,
    wrong_password_and_unknown_email_answer_alike,
    duplicate_email_is_refused_whatever_its_case,
    signup_names_every_wrong_field_and_stores_nothing,
    writes_without_the_csrf_token_are_refused,
    cross_origin_writes_are_refused,
    idle_and_expired_sessions_end,
    logout_everywhere_else_keeps_only_this_session,
    profile_changes_and_email_needs_the_password,
    password_change_signs_out_other_sessions,
    password_reset_by_mailed_single_use_token,
    login_history_lists_signins_and_failures,
    repeated_failed_logins_are_refused_with_retry_after,
    avatar_upload_checks_the_image,
    signup_policy_default_is_open_then_invite,
    closed_signup_refuses_everyone,
    idle_sessions_are_purged,
    an_account_is_deleted_for_good_once_no_workspace_needs_it,
);

async fn signup_login_me_logout(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.client();
    let signup = send(
        ada.request(Method::POST, "/api/v1/auth/signup")
            .json(&json!({
                "name": "Ada Lovelace", "email": "Ada@Example.com", "password": PASSWORD
            })),
    )
    .await;
    let cookies = signup.set_cookies();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("kith_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain-HTTP server must not set Secure: {session}"
    );
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("kith_csrf="))
        .expect("csrf cookie");
    assert!(
        !csrf.contains("HttpOnly"),
        "scripts must read the CSRF cookie: {csrf}"
    );
    let me = signup.expect_status(201);
    assert_eq!(me["email"], "ada@example.com");

    let me = ada.get("/api/v1/me").await.expect_status(200);
    assert_eq!(me["name"], "Ada Lovelace");
    assert_eq!(me["theme"], "system");

    ada.post("/api/v1/auth/logout", json!({}))
        .await
        .expect_status(204);
    ada.get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");

    let login = ada
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(login.expect_status(200)["name"], "Ada Lovelace");
    ada.get("/api/v1/me").await.expect_status(200);
    app.client()
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
}

async fn wrong_password_and_unknown_email_answer_alike(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.signup("Ada", "ada@example.com").await;
    let client = app.client();
    let wrong = client
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": "not the password" }),
        )
        .await;
    let unknown = client
        .post(
            "/api/v1/auth/login",
            json!({ "email": "bob@example.com", "password": PASSWORD }),
        )
        .await;
    let wrong = wrong.expect_error(401, "unauthenticated");
    assert_eq!(wrong, unknown.expect_error(401, "unauthenticated"));
    assert!(
        client.session_token().is_none(),
        "a failed login sets no session"
    );
}

async fn duplicate_email_is_refused_whatever_its_case(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.signup("Ada", "ada@example.com").await;
    let again = app.client().post(
        "/api/v1/auth/signup",
        json!({ "name": "Other", "email": " ADA@example.com", "password": PASSWORD }),
    );
    again.await.expect_error(409, "conflict");
    assert_eq!(app.db().count_users().await.expect("count"), 1);
}

async fn signup_names_every_wrong_field_and_stores_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let reply = app.client().post(
        "/api/v1/auth/signup",
        json!({ "name": " ", "email": "not-an-email", "password": "short" }),
    );
    let mut fields = reply.await.expect_error_fields(400, "validation_failed");
    fields.sort_unstable();
    assert_eq!(fields, ["email", "name", "password"]);
    assert_eq!(app.db().count_users().await.expect("count"), 0);
}

async fn writes_without_the_csrf_token_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let body = json!({ "name": "Sneaky" });
    let missing = send(ada.request(Method::POST, "/api/v1/workspaces").json(&body)).await;
    assert!(
        missing.expect_error(403, "forbidden")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("X-CSRF-Token")
    );
    let wrong = send(
        ada.request(Method::POST, "/api/v1/workspaces")
            .header("x-csrf-token", "guess")
            .json(&body),
    )
    .await;
    wrong.expect_error(403, "forbidden");
    let patch = send(
        ada.request(Method::PATCH, "/api/v1/me")
            .json(&json!({ "name": "Changed" })),
    )
    .await;
    patch.expect_error(403, "forbidden");
    assert_eq!(
        ada.get("/api/v1/workspaces").await.expect_status(200)["data"],
        json!([]),
        "nothing was created"
    );
    assert_eq!(
        ada.get("/api/v1/me").await.expect_status(200)["name"],
        "Ada"
    );
    ada.post("/api/v1/workspaces", body)
        .await
        .expect_status(201);
}

async fn cross_origin_writes_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let evil = ada
        .with_csrf(Method::POST, "/api/v1/workspaces")
        .header("origin", "https://evil.example")
        .json(&json!({ "name": "X" }));
    send(evil).await.expect_error(403, "forbidden");
    let login = app
        .client()
        .request(Method::POST, "/api/v1/auth/login")
        .header("origin", "null");
    send(login.json(&json!({ "email": "ada@example.com", "password": PASSWORD })))
        .await
        .expect_error(403, "forbidden");
    let same = ada
        .with_csrf(Method::POST, "/api/v1/workspaces")
        .header("origin", app.base.as_str())
        .json(&json!({ "name": "Y" }));
    send(same).await.expect_status(201);
}

async fn idle_and_expired_sessions_end(backend: Backend) {
    let app = TestApp::start(backend).await;
    let idle = app.signup("Ada", "ada@example.com").await;
    let hash = token_hash(&idle.session_token().expect("session"));
    let eight_days_ago = now_millis() - 8 * 24 * 3600 * 1000;
    app.db()
        .set_session_times(&hash, eight_days_ago, now_millis() + 3_600_000)
        .await
        .expect("age session");
    idle.get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");

    let expired = app.client();
    expired
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await
        .expect_status(200);
    let hash = token_hash(&expired.session_token().expect("session"));
    app.db()
        .set_session_times(&hash, now_millis(), now_millis() - 1)
        .await
        .expect("expire session");
    expired
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
}

async fn logout_everywhere_else_keeps_only_this_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    let laptop = app.signup("Ada", "ada@example.com").await;
    let phone = app.client();
    phone
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await
        .expect_status(200);
    let ended = laptop
        .post("/api/v1/auth/logout-others", json!({}))
        .await
        .expect_status(200);
    assert_eq!(ended["endedSessions"], 1);
    phone
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    laptop.get("/api/v1/me").await.expect_status(200);
}

async fn profile_changes_and_email_needs_the_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let me = ada
        .patch("/api/v1/me", json!({ "name": "Ada King", "theme": "dark" }))
        .await
        .expect_status(200);
    assert_eq!(
        (me["name"].as_str(), me["theme"].as_str()),
        (Some("Ada King"), Some("dark"))
    );
    ada.patch("/api/v1/me", json!({ "theme": "purple" }))
        .await
        .expect_error(400, "validation_failed");
    ada.patch("/api/v1/me", json!({ "name": "" }))
        .await
        .expect_error(400, "validation_failed");

    let no_password = ada
        .patch("/api/v1/me", json!({ "email": "ada@king.org" }))
        .await
        .expect_error(400, "validation_failed");
    assert_eq!(no_password["details"][0]["field"], "currentPassword");
    let wrong = ada
        .patch(
            "/api/v1/me",
            json!({ "email": "ada@king.org", "currentPassword": "nope nope nope" }),
        )
        .await;
    let wrong = wrong.expect_error(403, "forbidden");
    assert_eq!(wrong["details"][0]["field"], "currentPassword");
    assert_eq!(
        ada.get("/api/v1/me").await.expect_status(200)["email"],
        "ada@example.com"
    );

    app.signup("Bob", "bob@example.com").await;
    let taken = ada
        .patch(
            "/api/v1/me",
            json!({ "email": "bob@example.com", "currentPassword": PASSWORD }),
        )
        .await;
    taken.expect_error(409, "conflict");
    let moved = ada
        .patch(
            "/api/v1/me",
            json!({ "email": "Ada@King.org", "currentPassword": PASSWORD }),
        )
        .await;
    assert_eq!(moved.expect_status(200)["email"], "ada@king.org");
    let login = app
        .client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@king.org", "password": PASSWORD }),
        )
        .await;
    login.expect_status(200);
}

async fn password_change_signs_out_other_sessions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let laptop = app.signup("Ada", "ada@example.com").await;
    let phone = app.client();
    phone
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await
        .expect_status(200);
    let wrong = laptop.post(
        "/api/v1/me/password",
        json!({ "currentPassword": "wrong wrong wrong", "newPassword": "a brand new passphrase" }),
    );
    wrong.await.expect_error(403, "forbidden");
    let weak = laptop.post(
        "/api/v1/me/password",
        json!({ "currentPassword": PASSWORD, "newPassword": "short" }),
    );
    weak.await.expect_error(400, "validation_failed");
    phone.get("/api/v1/me").await.expect_status(200);

    let changed = laptop.post(
        "/api/v1/me/password",
        json!({ "currentPassword": PASSWORD, "newPassword": "a brand new passphrase" }),
    );
    changed.await.expect_status(204);
    phone
        .get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    laptop.get("/api/v1/me").await.expect_status(200);
    let old = app
        .client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    old.expect_error(401, "unauthenticated");
    let new = app.client().post(
        "/api/v1/auth/login",
        json!({ "email": "ada@example.com", "password": "a brand new passphrase" }),
    );
    new.await.expect_status(200);
}

async fn password_reset_by_mailed_single_use_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let anonymous = app.client();
    let unknown = anonymous
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "nobody@example.com" }),
        )
        .await;
    let known = anonymous
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "ADA@example.com" }),
        )
        .await;
    assert_eq!(
        unknown.expect_status(202),
        known.expect_status(202),
        "the answer does not reveal who has an account"
    );
    assert!(
        app.db()
            .outbox(Some("nobody@example.com"), 5)
            .await
            .expect("outbox")
            .is_empty()
    );

    let mail = app.last_mail_to("ada@example.com").await;
    assert_eq!(
        mail.status, "local",
        "no SMTP configured: the mail stays in the outbox"
    );
    let token = code_in(&mail);
    assert!(
        mail.body
            .contains(&format!("/reset-password?token={token}")),
        "{}",
        mail.body
    );

    let weak = anonymous
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": token, "password": "short" }),
        )
        .await;
    weak.expect_error(400, "validation_failed");
    let reset = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "reset to this phrase" }),
    );
    reset.await.expect_status(200);
    ada.get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    let again = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "and again to this" }),
    );
    again.await.expect_error(404, "invalid_token");
    anonymous
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": "reset to this phrase" }),
        )
        .await
        .expect_status(200);

    anonymous
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "ada@example.com" }),
        )
        .await
        .expect_status(202);
    let expired = code_in(&app.last_mail_to("ada@example.com").await);
    assert_ne!(expired, token);
    app.db()
        .set_password_reset_expiry(&token_hash(&expired), now_millis() - 1)
        .await
        .expect("expire token");
    let late = anonymous.post(
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": expired, "password": "too late for this" }),
    );
    late.await.expect_error(404, "invalid_token");
    anonymous
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": "reset to this phrase" }),
        )
        .await
        .expect_status(200);
}

async fn login_history_lists_signins_and_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    app.client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": "not it at all" }),
        )
        .await
        .expect_status(401);
    app.client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await
        .expect_status(200);
    let history = ada.get("/api/v1/me/logins").await.expect_status(200);
    let events = history["data"].as_array().expect("data");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["login", "login_failed", "signup"]);
    assert!(
        events
            .iter()
            .all(|e| e["ip"] == "127.0.0.1" && e["userAgent"] == "kith-testkit"),
        "{history}"
    );
    ada.get("/api/v1/me/logins?limit=0")
        .await
        .expect_error(400, "validation_failed");
    ada.get("/api/v1/me/logins?limit=abc")
        .await
        .expect_error(400, "bad_request");
}

async fn repeated_failed_logins_are_refused_with_retry_after(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.signup("Ada", "ada@example.com").await;
    let client = app.client();
    let attempt = |password: &'static str| {
        client.post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": password }),
        )
    };
    for _ in 0..10 {
        attempt("a wrong guess")
            .await
            .expect_error(401, "unauthenticated");
    }
    let refused = attempt(PASSWORD).await;
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After header");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    refused.expect_error(429, "rate_limited");
    assert!(
        client.session_token().is_none(),
        "even the right password is refused while blocked"
    );
}

async fn avatar_upload_checks_the_image(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRtest".to_vec();
    let put = |content_type: &'static str, body: Vec<u8>| {
        send(
            ada.with_csrf(Method::PUT, "/api/v1/me/avatar")
                .header("content-type", content_type)
                .body(body),
        )
    };
    put("image/jpeg", png.clone())
        .await
        .expect_error(415, "unsupported_media_type");
    put("image/png", b"<svg onload=alert(1)>".to_vec())
        .await
        .expect_error(415, "unsupported_media_type");
    ada.get("/api/v1/me/avatar")
        .await
        .expect_error(404, "not_found");
    put("image/png", png.clone()).await.expect_status(204);
    let avatar = ada.get("/api/v1/me/avatar").await;
    assert_eq!(avatar.header("content-type"), Some("image/png"));
    assert_eq!(avatar.bytes, png);
    assert_eq!(
        ada.get("/api/v1/me").await.expect_status(200)["avatarUrl"],
        "/api/v1/me/avatar"
    );
    ada.delete("/api/v1/me/avatar").await.expect_status(204);
    ada.get("/api/v1/me/avatar")
        .await
        .expect_error(404, "not_found");
}

async fn signup_policy_default_is_open_then_invite(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.signup = None).await;
    let (owner, workspace) = app.owner_with_workspace("first@example.com").await;
    let stranger = app.client().post(
        "/api/v1/auth/signup",
        json!({ "name": "S", "email": "s@example.com", "password": PASSWORD }),
    );
    assert!(
        stranger.await.expect_error(403, "forbidden")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("invitation")
    );

    owner
        .post(
            &format!("/api/v1/workspaces/{workspace}/invitations"),
            json!({ "email": "s@example.com" }),
        )
        .await
        .expect_status(201);
    let token = code_in(&app.last_mail_to("s@example.com").await);
    let wrong_email = json!({ "name": "S", "email": "other@example.com", "password": PASSWORD, "inviteToken": token });
    app.client()
        .post("/api/v1/auth/signup", wrong_email)
        .await
        .expect_error(403, "forbidden");
    let invited = app.client();
    let body = json!({ "name": "S", "email": "s@example.com", "password": PASSWORD, "inviteToken": token });
    invited
        .post("/api/v1/auth/signup", body)
        .await
        .expect_status(201);
    let mine = invited.get("/api/v1/workspaces").await.expect_status(200);
    assert_eq!(mine["data"][0]["id"], workspace.as_str());
    assert_eq!(mine["data"][0]["role"], "member");
}

async fn closed_signup_refuses_everyone(backend: Backend) {
    let app = TestApp::start_with(backend, |s| s.signup = Some(SignupPolicy::Closed)).await;
    let reply = app.client().post(
        "/api/v1/auth/signup",
        json!({ "name": "A", "email": "a@example.com", "password": PASSWORD }),
    );
    assert!(
        reply.await.expect_error(403, "forbidden")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("kith admin create-user")
    );
    assert_eq!(app.db().count_users().await.expect("count"), 0);
}

async fn idle_sessions_are_purged(backend: Backend) {
    let app = TestApp::start(backend).await;
    let idle = app.signup("Ada", "ada@example.com").await;
    let active = app.client();
    active
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await
        .expect_status(200);
    let hash = token_hash(&idle.session_token().expect("session"));
    let week = 7 * 24 * 3600 * 1000;
    app.db()
        .set_session_times(&hash, now_millis() - week - 1, now_millis() + week)
        .await
        .expect("age session");
    let purged = app
        .db()
        .purge_expired(week, 3_600_000, 90 * 24 * 3600 * 1000)
        .await
        .expect("purge");
    assert_eq!(purged, 1, "only the idle session goes");
    active.get("/api/v1/me").await.expect_status(200);
    let purged_again = app
        .db()
        .purge_expired(week, 3_600_000, 90 * 24 * 3600 * 1000)
        .await
        .expect("purge");
    assert_eq!(purged_again, 0);
}

async fn an_account_is_deleted_for_good_once_no_workspace_needs_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (ada, solo) = app.owner_with_workspace("ada@example.com").await;
    let (grace, shared) = app.owner_with_workspace("grace@example.com").await;
    grace
        .post(
            &format!("/api/v1/workspaces/{shared}/invitations"),
            json!({ "email": "ada@example.com", "role": "member" }),
        )
        .await
        .expect_status(201);
    let code = code_in(&app.last_mail_to("ada@example.com").await);
    ada.post(&format!("/api/v1/invitations/{code}/accept"), json!({}))
        .await
        .expect_status(200);
    let delete_me = |client: &kith_testkit::TestClient, body: serde_json::Value| {
        send(client.with_csrf(Method::DELETE, "/api/v1/me").json(&body))
    };

    delete_me(&ada, json!({}))
        .await
        .expect_error(400, "validation_failed");
    delete_me(&ada, json!({ "currentPassword": "not the password" }))
        .await
        .expect_error(403, "forbidden");
    let refused = delete_me(&ada, json!({ "currentPassword": PASSWORD })).await;
    let refused = refused.expect_error(409, "conflict");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"Acme\"")),
        "names the workspace: {refused}"
    );
    ada.get("/api/v1/me").await.expect_status(200);

    ada.delete(&format!("/api/v1/workspaces/{solo}"))
        .await
        .expect_status(204);
    delete_me(&ada, json!({ "currentPassword": PASSWORD }))
        .await
        .expect_status(204);
    ada.get("/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    app.client()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await
        .expect_error(401, "unauthenticated");
    let members = grace
        .get(&format!("/api/v1/workspaces/{shared}/members"))
        .await
        .expect_status(200);
    let emails: Vec<&str> = members["data"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["grace@example.com"],
        "her membership went with her"
    );
    assert!(
        app.db()
            .user_by_email("ada@example.com")
            .await
            .expect("lookup")
            .is_none()
    );

    // The address is free again: an invitation brings a new, empty account.
    app.join(&grace, &shared, "ada@example.com", "viewer").await;
}

/// `GET /api/v1/me/export`: one file of everything Kith holds about the account, with nothing
/// of another account in it and no mail body (they hold sign-in links).
async fn an_account_exports_everything_kith_holds_about_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let in_ws = owner.in_workspace(&ws);
    let company = in_ws
        .post("/rest/companies", json!({ "name": "Acme" }))
        .await
        .expect_status(201)["data"]["createCompany"]["id"]
        .clone();
    in_ws
        .post("/rest/metadata/favorites", json!({ "recordId": company, "objectMetadataId": crate::access::object_id(&in_ws, "companies").await }))
        .await
        .expect_status(201);
    owner
        .post(
            &format!("/api/v1/workspaces/{ws}/tokens"),
            json!({ "name": "my script", "scopes": ["records:read"] }),
        )
        .await
        .expect_status(201);
    owner
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "owner@example.com" }),
        )
        .await;
    let (other, _) = app.owner_with_workspace("other@example.com").await;
    other
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "other@example.com" }),
        )
        .await;

    let reply = owner.get("/api/v1/me/export").await;
    assert_eq!(reply.status, 200);
    let disposition = reply
        .header("content-disposition")
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"kith-account-"),
        "{disposition}"
    );
    let file: Value = serde_json::from_slice(&reply.bytes).expect("JSON");
    assert_eq!(file["account"]["email"], "owner@example.com");
    assert_eq!(file["workspaces"][0]["id"], ws.as_str());
    assert_eq!(file["workspaces"][0]["role"], "owner");
    assert_eq!(file["workspaces"][0]["apiTokens"][0]["name"], "my script");
    assert_eq!(file["workspaces"][0]["favorites"][0]["label"], "Acme");
    assert!(file["signIns"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(
        file["mails"].as_array().is_some_and(|m| m
            .iter()
            .any(|m| m["subject"].as_str().is_some_and(|s| s.contains("Reset")))),
        "{}",
        file["mails"]
    );
    let text = String::from_utf8_lossy(&reply.bytes);
    assert!(
        !text.contains("other@example.com"),
        "nothing of another account"
    );
    assert!(!text.contains("token="), "no mail body, with its link");
    assert!(!text.contains("kith_"), "no token secret");
    app.client()
        .get("/api/v1/me/export")
        .await
        .expect_error(401, "unauthenticated");
}
