//! `/rest/search`: prefixes across objects, following changes, trash and restore.

use super::{create, id_of, urlencode, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(search_finds_by_prefix_across_objects_and_follows_changes);

async fn search_finds_by_prefix_across_objects_and_follows_changes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = workspace(&app).await;
    for name in ["Big Acme", "Acme Labs", "Acme", "Globex"] {
        create(&owner, "companies", json!({ "name": name, "domainName": { "primaryLinkUrl": format!("https://www.{}.com", name.to_lowercase().replace(' ', "")) } })).await;
    }
    let ada = create(&owner, "people", json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" }, "emails": { "primaryEmail": "ada@acme.com" } })).await;
    create(
        &owner,
        "notes",
        json!({ "title": "Renewal call", "body": "Acme wants the **pro** plan" }),
    )
    .await;
    let search = |query: &str| {
        let owner = owner.clone();
        let path = format!("/rest/search?q={}", urlencode(query));
        async move {
            let reply = owner.get(&path).await.expect_status(200);
            reply["data"]["search"]
                .as_array()
                .expect("search")
                .iter()
                .map(|h| {
                    (
                        h["objectNameSingular"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        h["label"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let hits = search("acm").await;
    let labels: Vec<&str> = hits.iter().map(|(_, label)| label.as_str()).collect();
    assert_eq!(
        &labels[..2],
        ["Acme", "Acme Labs"],
        "labels starting with the query first: {hits:?}"
    );
    for expected in ["Big Acme", "Ada Lovelace", "Renewal call"] {
        assert!(
            labels.contains(&expected),
            "{expected} missing from {hits:?}"
        );
    }
    assert!(!labels.contains(&"Globex"));
    assert_eq!(
        search("ada love").await,
        [("person".to_owned(), "Ada Lovelace".to_owned())]
    );
    assert_eq!(
        search("globex.com").await,
        [("company".to_owned(), "Globex".to_owned())]
    );
    let only_people = owner
        .get("/rest/search?q=acm&objects=people")
        .await
        .expect_status(200);
    assert_eq!(
        only_people["data"]["search"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(only_people["data"]["search"][0]["recordId"], ada["id"]);
    assert!(
        search("\"acme\"* (").await.iter().any(|(_, l)| l == "Acme"),
        "query syntax is plain words"
    );
    assert!(search("zzz").await.is_empty());

    let path = format!("/rest/people/{}", id_of(&ada));
    owner
        .patch(&path, json!({ "name": { "firstName": "Augusta" } }))
        .await
        .expect_status(200);
    assert_eq!(
        search("augusta").await,
        [("person".to_owned(), "Augusta Lovelace".to_owned())]
    );
    assert_eq!(
        search("ada love").await,
        [("person".to_owned(), "Augusta Lovelace".to_owned())],
        "found by email, with the new label"
    );
    owner.delete(&path).await.expect_status(200);
    assert!(
        search("augusta").await.is_empty(),
        "the trash is not searched"
    );
    owner
        .patch(&format!("/rest/restore/people/{}", id_of(&ada)), json!({}))
        .await
        .expect_status(200);
    assert_eq!(search("augusta").await.len(), 1);
    owner
        .delete(&format!("{path}?permanent=true"))
        .await
        .expect_status(200);
    assert!(search("augusta").await.is_empty());
    owner
        .get("/rest/search")
        .await
        .expect_error(400, "validation_failed");
    owner
        .get("/rest/search?q=a&objects=unicorns")
        .await
        .expect_error(404, "not_found");
    if backend == Backend::Sqlite {
        // After creates, changes, trash, restore and a permanent delete: one map row an entry.
        let entries = app.count_stored(&ws, "_kith_search", "1 = 1").await;
        assert_eq!(
            entries, 5,
            "four companies and the note; Ada is deleted for good"
        );
        assert_eq!(
            app.count_stored(&ws, "_kith_search_docs", "1 = 1").await,
            entries
        );
    }
    // A word longer than PostgreSQL indexes is left out, and the rest of the text is still found,
    // quotes, backslashes and accents included.
    let long_word = "x".repeat(3_000);
    let odd = format!("{long_word} O'Brien Zoë back\\slash");
    create(
        &owner,
        "notes",
        json!({ "title": "Odd words", "body": odd }),
    )
    .await;
    for query in ["o'brien", "ZOË", "slash", "back"] {
        assert_eq!(
            search(query).await,
            [("note".to_owned(), "Odd words".to_owned())],
            "{query}"
        );
    }
    assert!(search(&"y".repeat(3_000)).await.is_empty());
}
