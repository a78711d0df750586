//! Outgoing mail: delivered over SMTP when configured, recorded either way.

use kith_testkit::{Backend, FakeSmtp, TestApp, on_both_backends};
use serde_json::json;
use std::time::Duration;

on_both_backends!(
    mail_is_delivered_over_smtp_and_marked_sent,
    failed_delivery_stays_in_the_outbox_with_the_error
);

async fn mail_is_delivered_over_smtp_and_marked_sent(backend: Backend) {
    let smtp = FakeSmtp::start().await;
    let app = TestApp::start_with(backend, |s| {
        s.smtp_url = Some(smtp.url());
        s.mail_from = Some("Acme CRM <crm@acme.test>".into());
    })
    .await;
    app.signup("Ada", "ada@example.com").await;
    app.client()
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "ada@example.com" }),
        )
        .await
        .expect_status(202);
    let messages = smtp.wait_for(1).await;
    assert!(
        messages[0].contains("To: ada@example.com"),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].contains("From: \"Acme CRM\" <crm@acme.test>"),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].contains("Subject: Reset your Kith password"),
        "{}",
        messages[0]
    );
    let mut status = String::new();
    for _ in 0..50 {
        status = app.last_mail_to("ada@example.com").await.status;
        if status == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "sent");
}

async fn failed_delivery_stays_in_the_outbox_with_the_error(backend: Backend) {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let app = TestApp::start_with(backend, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{closed_port}"))
    })
    .await;
    app.signup("Ada", "ada@example.com").await;
    // The request succeeds: a mail server being down never blocks a password reset.
    app.client()
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "ada@example.com" }),
        )
        .await
        .expect_status(202);
    let mut mail = app.last_mail_to("ada@example.com").await;
    for _ in 0..100 {
        if mail.status == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        mail = app.last_mail_to("ada@example.com").await;
    }
    assert_eq!(mail.status, "failed");
    assert!(
        mail.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{mail:?}"
    );
    assert_eq!(mail.attempts, 1);
}
