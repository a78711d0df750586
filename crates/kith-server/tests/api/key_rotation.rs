//! `kith admin rotate-key`: every encrypted value (a sensitive field's, a webhook's secret, a
//! two-factor secret) sealed again with a new key while the server keeps running, from the key
//! file or from KITH_SECRET_KEY with KITH_PREVIOUS_SECRET_KEYS, and an interrupted rotation
//! taken up again.

use kith_server::auth::two_factor::{code_at, step_of};
use kith_store::{KeyRing, now_millis};
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};
use std::path::Path;

on_both_backends!(
    a_new_key_file_reseals_every_value_while_the_server_runs,
    keys_from_the_environment_rotate_and_an_interrupted_rotation_goes_on,
);

const KEY_A: &str = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="; // 32 bytes of 'A'
const KEY_B: &str = "4242424242424242424242424242424242424242424242424242424242424242";
const KEY_C: &str = "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M="; // 32 bytes of 'C'

/// `kith admin rotate-key` on the database at `url`, with none of the developer's KITH_* settings.
async fn rotate(dir: &Path, url: &str, keys: &[(&str, &str)]) -> (bool, String) {
    let (output, stdout, stderr) = crate::cli::run(
        crate::cli::kith(dir)
            .args(["admin", "rotate-key"])
            .env("KITH_DATABASE_URL", url)
            .env("KITH_DATA_DIR", dir)
            .envs(keys.iter().copied()),
    )
    .await;
    (output.status.success(), format!("{stdout}{stderr}"))
}

/// A person with a sensitive IBAN in a new workspace of `owner@example.com`; answers the
/// workspace's client and the person's id.
async fn person_with_an_iban(app: &TestApp) -> (TestClient, String, String) {
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let client = owner.in_workspace(&ws);
    let objects = client
        .get("/rest/metadata/objects")
        .await
        .expect_status(200);
    let person = objects["data"]["objects"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["nameSingular"] == "person"))
        .map(|o| o["id"].clone())
        .expect("person");
    client
        .post(
            "/rest/metadata/fields",
            json!({ "objectMetadataId": person, "name": "iban", "label": "IBAN", "type": "SENSITIVE_TEXT" }),
        )
        .await
        .expect_status(201);
    let created = client
        .post("/rest/people", json!({ "iban": "FR76 3000 6000" }))
        .await
        .expect_status(201);
    let id = created["data"]["createPerson"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    (client, ws, id)
}

async fn iban(client: &TestClient, id: &str) -> Value {
    client
        .get(&format!("/rest/people/{id}"))
        .await
        .expect_status(200)["data"]["person"]["iban"]
        .clone()
}

/// Signs `owner@example.com` in, with a two-factor code or recovery code when it has one.
async fn sign_in(app: &TestApp, code: Option<&str>) -> TestClient {
    let client = app.client();
    client
        .post(
            "/api/v1/auth/login",
            json!({ "email": "owner@example.com", "password": kith_testkit::PASSWORD, "code": code }),
        )
        .await
        .expect_status(200);
    client
}

/// `client`'s server cannot open the person's value.
async fn refused(client: &TestClient, ws: &str, id: &str) {
    let refused = client
        .in_workspace(ws)
        .get(&format!("/rest/people/{id}"))
        .await
        .expect_error(500, "internal");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot be decrypted"),
        "{refused}"
    );
}

fn key_file(dir: &Path) -> KeyRing {
    KeyRing::parse_file(&std::fs::read_to_string(dir.join("secret.key")).expect("key file"))
        .expect("a key file")
}

async fn a_new_key_file_reseals_every_value_while_the_server_runs(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let app = TestApp::start_with(backend, database.settings(&dir)).await;
    let (client, ws, id) = person_with_an_iban(&app).await;
    client
        .post(
            &format!("/api/v1/workspaces/{ws}/webhooks"),
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] }),
        )
        .await
        .expect_status(201);
    let (secret, recovery_codes) = crate::two_factor::turn_on(&client).await;
    let before = key_file(dir.path());
    assert!(before.previous.is_empty());

    let (ok, out) = rotate(dir.path(), &database.url, &[]).await;
    assert!(ok, "{out}");
    // The two-factor secret, the webhook's and the IBAN.
    assert!(out.contains("3 value(s) re-sealed, 0 already"), "{out}");
    let after = key_file(dir.path());
    assert_ne!(after.current, before.current);
    assert!(
        after.previous.is_empty(),
        "the old key is dropped once nothing needs it"
    );

    // The running server followed the key file: it opens the values sealed with the new key.
    assert_eq!(iban(&client, &id).await, "FR76 3000 6000");
    // The code after the one that turned two-factor sign-in on.
    let step = step_of(u64::try_from(now_millis() / 1000).expect("after 1970")) + 1;
    sign_in(&app, Some(&code_at(&secret, step))).await;
    app.stop().await;

    // The old key opens none of them any more; the new file does.
    let settings = database.settings(&dir);
    let old = TestApp::start_with(backend, |s| {
        settings(s);
        s.secret_key = Some(key_text(&before.current));
    })
    .await;
    let with_old_key = sign_in(&old, Some(&recovery_codes[0])).await;
    refused(&with_old_key, &ws, &id).await;
    with_old_key
        .get("/api/v1/me/two-factor")
        .await
        .expect_error(500, "internal");
    old.stop().await;
    let restarted = TestApp::start_with(backend, database.settings(&dir)).await;
    let client = sign_in(&restarted, Some(&recovery_codes[1])).await;
    assert_eq!(
        client.get("/api/v1/me/two-factor").await.expect_status(200)["enabled"],
        true
    );
    assert_eq!(iban(&client.in_workspace(&ws), &id).await, "FR76 3000 6000");
    restarted.stop().await;
}

fn key_text(key: &[u8; 32]) -> String {
    KeyRing::single(*key).to_file().trim().to_owned()
}

async fn keys_from_the_environment_rotate_and_an_interrupted_rotation_goes_on(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let database = kith_testkit::test_database(backend, &dir).await;
    let settings = database.settings(&dir);
    let with_key = |key: &'static str| {
        move |s: &mut kith_server::Settings| {
            settings(s);
            s.secret_key = Some(key.into());
        }
    };
    let app = TestApp::start_with(backend, with_key(KEY_A)).await;
    let (_, ws, id) = person_with_an_iban(&app).await;
    app.stop().await;

    // KITH_PREVIOUS_SECRET_KEYS alone is a configuration error naming it.
    let (ok, out) = rotate(
        dir.path(),
        &database.url,
        &[("KITH_PREVIOUS_SECRET_KEYS", KEY_A)],
    )
    .await;
    assert!(
        !ok && out.contains("KITH_PREVIOUS_SECRET_KEYS needs KITH_SECRET_KEY"),
        "{out}"
    );

    let keys = [
        ("KITH_SECRET_KEY", KEY_B),
        ("KITH_PREVIOUS_SECRET_KEYS", KEY_A),
    ];
    let (ok, out) = rotate(dir.path(), &database.url, &keys).await;
    assert!(
        ok && out.contains("1 value(s) re-sealed, 0 already"),
        "{out}"
    );
    assert!(
        out.contains("KITH_PREVIOUS_SECRET_KEYS can now be removed"),
        "{out}"
    );
    // Run again (as after an interruption), it finds nothing left to do.
    let (ok, out) = rotate(dir.path(), &database.url, &keys).await;
    assert!(
        ok && out.contains("0 value(s) re-sealed, 1 already"),
        "{out}"
    );
    let old = TestApp::start_with(backend, with_key(KEY_A)).await;
    refused(&sign_in(&old, None).await, &ws, &id).await;
    old.stop().await;

    // A key file a rotation left with its new key and the old one behind it: the next run goes
    // on with that new key rather than making another, and drops the old one at the end.
    let left = KeyRing::parse_file(&format!("{KEY_C}\n{KEY_B}\n")).expect("ring");
    std::fs::write(dir.path().join("secret.key"), left.to_file()).expect("write the key file");
    let (ok, out) = rotate(dir.path(), &database.url, &[]).await;
    assert!(
        ok && out.contains("an interrupted rotation") && out.contains("1 value(s) re-sealed"),
        "{out}"
    );
    assert_eq!(key_file(dir.path()), KeyRing::single(left.current));
    let restarted = TestApp::start_with(backend, database.settings(&dir)).await;
    let client = restarted.login("owner@example.com").await;
    assert_eq!(iban(&client.in_workspace(&ws), &id).await, "FR76 3000 6000");
    restarted.stop().await;
}
