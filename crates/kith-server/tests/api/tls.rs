//! HTTPS served by Kith itself: a certificate made here by a test authority, a client that trusts
//! only that authority, HSTS, `Secure` cookies, the redirect from plain HTTP, and clear errors
//! for files that cannot serve.

use kith_server::config::{Config, Settings};
use kith_testkit::{Backend, TestApp, on_both_backends, send};
use serde_json::json;
use std::path::{Path, PathBuf};

on_both_backends!(
    kith_serves_https_with_hsts_and_redirects_plain_http,
    certificate_files_that_cannot_serve_are_named_at_startup,
);

/// PEM files of a leaf certificate for 127.0.0.1 and localhost, issued by a test authority.
struct TestCertificate {
    authority_pem: String,
    cert: PathBuf,
    key: PathBuf,
    _dir: tempfile::TempDir,
}

fn test_certificate() -> TestCertificate {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let authority_key = KeyPair::generate().expect("authority key");
    let mut authority = CertificateParams::new(Vec::<String>::new()).expect("authority params");
    authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let authority_pem = authority
        .self_signed(&authority_key)
        .expect("authority certificate")
        .pem();
    let issuer = Issuer::new(authority, authority_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");
    let dir = tempfile::tempdir().expect("temporary directory");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, leaf.pem()).expect("write certificate");
    std::fs::write(&key, leaf_key.serialize_pem()).expect("write key");
    TestCertificate {
        authority_pem,
        cert,
        key,
        _dir: dir,
    }
}

/// A client that trusts only the test authority and follows no redirect.
fn trusting(authority_pem: &str) -> reqwest::Client {
    let authority = reqwest::Certificate::from_pem(authority_pem.as_bytes()).expect("authority");
    reqwest::Client::builder()
        .tls_certs_only([authority])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTPS client")
}

async fn kith_serves_https_with_hsts_and_redirects_plain_http(backend: Backend) {
    let certificate = test_certificate();
    let app = TestApp::start_with(backend, |s| {
        s.tls_cert = Some(certificate.cert.clone());
        s.tls_key = Some(certificate.key.clone());
        s.tls_redirect_from = Some("127.0.0.1:0".into());
    })
    .await;
    assert!(app.base.starts_with("https://127.0.0.1:"), "{}", app.base);
    let https = trusting(&certificate.authority_pem);

    let ready = send(https.get(app.url("/readyz"))).await;
    assert_eq!(ready.status, 200);
    assert_eq!(
        ready.header("strict-transport-security"),
        Some("max-age=31536000")
    );

    let signup = send(https.post(app.url("/api/v1/auth/signup")).json(
        &json!({ "name": "Ada", "email": "ada@example.com", "password": kith_testkit::PASSWORD }),
    ))
    .await;
    assert_eq!(signup.status, 201);
    let cookies = signup.set_cookies();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );

    // A client that does not trust the authority gets no answer, and plain HTTP on the HTTPS
    // port gets no page.
    let untrusting = reqwest::Client::new();
    assert!(untrusting.get(app.url("/readyz")).send().await.is_err());
    let plain = app.base.replacen("https://", "http://", 1);
    let plain_answer = reqwest::get(format!("{plain}/readyz")).await;
    assert!(
        plain_answer.as_ref().map_or(true, |r| r.status() != 200),
        "{plain_answer:?}"
    );

    // The redirect listener sends plain HTTP to the public HTTPS URL, path and query kept; a
    // forged Host does not change where it points.
    let redirect = app.state().config.public_url.clone();
    let from = app.redirect_addr().expect("redirect listener");
    let redirected = send(
        https
            .get(format!("http://{from}/w/abc/people?view=1"))
            .header("host", "evil.example.com"),
    )
    .await;
    assert_eq!(redirected.status, 308);
    let location = redirected.header("location").unwrap_or_default();
    assert_eq!(
        location,
        format!("{}w/abc/people?view=1", redirect.as_str())
    );
    assert_eq!(location, app.url("/w/abc/people?view=1"));
}

async fn certificate_files_that_cannot_serve_are_named_at_startup(backend: Backend) {
    let certificate = test_certificate();
    let other = test_certificate();
    let empty = certificate.cert.with_file_name("empty.pem");
    std::fs::write(&empty, "not a certificate\n").expect("write");
    let missing = certificate.cert.with_file_name("missing.pem");
    let cases: [(&Path, &Path, &str); 4] = [
        (&missing, &certificate.key, "missing.pem"),
        (&empty, &certificate.key, "empty.pem"),
        (&certificate.cert, &empty, "KITH_TLS_KEY"),
        (&certificate.cert, &other.key, "do not go together"),
    ];
    let data_dir = tempfile::tempdir().expect("data dir");
    let database = kith_testkit::test_database(backend, &data_dir).await;
    for (cert, key, named) in cases {
        let settings = Settings {
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some(data_dir.path().to_owned()),
            database_url: Some(database.url.clone()),
            tls_cert: Some(cert.to_owned()),
            tls_key: Some(key.to_owned()),
            ..Settings::default()
        };
        let config = Config::from_settings(settings).expect("settings are well formed");
        let error = match kith_server::serve::start(config).await {
            Ok(_) => panic!("{} with {} started", cert.display(), key.display()),
            Err(e) => e.to_string(),
        };
        assert!(error.contains(named), "{error}");
    }
}
