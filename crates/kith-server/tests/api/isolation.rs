//! A member of one workspace gets 404, never data and never a change, from every route of another.

use kith_testkit::{Backend, TestApp, code_in, on_both_backends, send};
use reqwest::Method;
use serde_json::json;

on_both_backends!(every_workspace_route_of_another_workspace_is_not_found);

async fn every_workspace_route_of_another_workspace_is_not_found(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (alice, a) = app.owner_with_workspace("alice@example.com").await;
    let (bob, b) = app.owner_with_workspace("bob@example.com").await;
    bob.post(
        &format!("/api/v1/workspaces/{b}/invitations"),
        json!({ "email": "carol@example.com" }),
    )
    .await
    .expect_status(201);
    let invitation = bob
        .get(&format!("/api/v1/workspaces/{b}/invitations"))
        .await
        .expect_status(200)["data"][0]["id"]
        .clone();
    let invitation = invitation.as_str().expect("invitation id").to_owned();
    let bob_id = bob.get("/api/v1/me").await.expect_status(200)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let before = (
        bob.get(&format!("/api/v1/workspaces/{b}"))
            .await
            .expect_status(200),
        bob.get(&format!("/api/v1/workspaces/{b}/members"))
            .await
            .expect_status(200),
        bob.get(&format!("/api/v1/workspaces/{b}/invitations"))
            .await
            .expect_status(200),
    );

    let routes: [(Method, String, Option<serde_json::Value>); 12] = [
        (Method::GET, format!("/api/v1/workspaces/{b}"), None),
        (
            Method::PATCH,
            format!("/api/v1/workspaces/{b}"),
            Some(json!({ "name": "Taken" })),
        ),
        (Method::DELETE, format!("/api/v1/workspaces/{b}"), None),
        (Method::GET, format!("/api/v1/workspaces/{b}/members"), None),
        (
            Method::PATCH,
            format!("/api/v1/workspaces/{b}/members/{bob_id}"),
            Some(json!({ "role": "viewer" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/workspaces/{b}/members/{bob_id}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/workspaces/{b}/leave"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/workspaces/{b}/transfer-ownership"),
            Some(json!({ "userId": bob_id })),
        ),
        (
            Method::GET,
            format!("/api/v1/workspaces/{b}/invitations"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/workspaces/{b}/invitations"),
            Some(json!({ "email": "alice@example.com", "role": "admin" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/workspaces/{b}/invitations/{invitation}"),
            None,
        ),
        // Someone else's workspace id spelled differently is still not found.
        (
            Method::GET,
            format!("/api/v1/workspaces/{}", b.to_uppercase()),
            None,
        ),
    ];
    for (method, path, body) in routes {
        let mut request = alice.with_csrf(method.clone(), &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = send(request).await;
        assert_eq!(
            reply.status,
            404,
            "{method} {path} answered {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.bytes)
        );
        assert_eq!(reply.json["error"]["code"], "not_found");
        assert!(
            !String::from_utf8_lossy(&reply.bytes).contains("bob@example.com"),
            "{method} {path} leaked data"
        );
    }
    for path in [
        "/api/v1/workspaces/not-a-uuid",
        "/api/v1/workspaces/not-a-uuid/members",
    ] {
        alice.get(path).await.expect_error(404, "not_found");
    }

    let after = (
        bob.get(&format!("/api/v1/workspaces/{b}"))
            .await
            .expect_status(200),
        bob.get(&format!("/api/v1/workspaces/{b}/members"))
            .await
            .expect_status(200),
        bob.get(&format!("/api/v1/workspaces/{b}/invitations"))
            .await
            .expect_status(200),
    );
    assert_eq!(before, after, "workspace B is unchanged");
    assert!(
        app.db()
            .outbox(Some("alice@example.com"), 5)
            .await
            .expect("outbox")
            .is_empty(),
        "no invitation was sent"
    );
    let alice_sees: Vec<String> = alice.get("/api/v1/workspaces").await.expect_status(200)["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|w| w["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(alice_sees, [a]);
    // Bob's invitation to Carol still works: nothing of B was disturbed.
    let carol = app.signup("Carol", "carol@example.com").await;
    let token = code_in(&app.last_mail_to("carol@example.com").await);
    carol
        .post(&format!("/api/v1/invitations/{token}/accept"), json!({}))
        .await
        .expect_status(200);
}
