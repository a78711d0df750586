//! `/rest/search`: prefixes across objects, following changes, trash and restore.

use super::{create, id_of, urlencode, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(
    search_finds_by_prefix_across_objects_and_follows_changes,
    a_label_is_found_however_many_texts_match
);

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
    // The words of the labels kept in order: Big Acme, Acme Labs, Acme, Globex, Renewal call.
    assert_eq!(
        app.count_stored(&ws, "_kith_search_labels", "1 = 1").await,
        8,
        "Ada's went with her"
    );
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

/// A record whose label starts with the query comes first even when the texts of more records
/// than search ranks hold the query (its full-text index hands over matches unranked).
async fn a_label_is_found_however_many_texts_match(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let notes: Vec<_> = (0..450)
        .map(|i| json!({ "title": format!("Call {i}"), "body": "they want quartz counters" }))
        .collect();
    owner
        .post("/rest/batch/notes", json!(notes))
        .await
        .expect_status(201);
    create(&owner, "companies", json!({ "name": "Quartz Works" })).await;
    for query in ["qua", "quartz", "quartz wor", "works qua"] {
        let hits = owner
            .get(&format!("/rest/search?q={}&limit=5", urlencode(query)))
            .await
            .expect_status(200);
        let hits = hits["data"]["search"].as_array().expect("hits");
        assert_eq!(
            hits.len(),
            if query.contains(' ') { 1 } else { 5 },
            "{query}"
        );
        assert_eq!(hits[0]["label"], "Quartz Works", "{query}: {hits:?}");
    }
    let hits = owner
        .get("/rest/search?q=counters&limit=100")
        .await
        .expect_status(200);
    assert_eq!(
        hits["data"]["search"].as_array().map(Vec::len),
        Some(100),
        "a word of the texts alone is still found"
    );
}
