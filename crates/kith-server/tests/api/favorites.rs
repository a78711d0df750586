//! Favourites: each principal's own, in their order; a favourite of what its reader may no
//! longer open is left out, and one of a deleted view or object goes with it; every refusal
//! names its key and stores nothing.

use crate::access::object_id;
use crate::views::{make_token, role_without_companies};
use kith_testkit::{Backend, TestApp, TestClient, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    favourites_are_personal_and_kept_in_their_owners_order,
    a_refused_favourite_names_its_key_and_stores_nothing,
    favourites_follow_what_they_point_at,
);

const FAVORITES: &str = "/rest/metadata/favorites";

async fn create_record(client: &TestClient, plural: &str, body: Value) -> String {
    let reply = client
        .post(&format!("/rest/{plural}"), body)
        .await
        .expect_status(201);
    let data = reply["data"].as_object().expect("data");
    data.values().next().expect("record")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn favorite(client: &TestClient, body: Value) -> Value {
    client.post(FAVORITES, body).await.expect_status(201)["data"]["createOneFavorite"].clone()
}

/// The labels of the caller's favourites, in their order.
async fn labels(client: &TestClient) -> Vec<String> {
    let reply = client.get(FAVORITES).await.expect_status(200);
    reply["data"]["favorites"]
        .as_array()
        .expect("favorites")
        .iter()
        .map(|f| f["label"].as_str().expect("label").to_owned())
        .collect()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

async fn favourites_are_personal_and_kept_in_their_owners_order(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (viewer, _) = app.join(&owner, &ws, "viewer@example.com", "viewer").await;
    let viewer = viewer.in_workspace(&ws);
    let companies = object_id(&owner, "companies").await;
    let people = object_id(&owner, "people").await;
    let acme = create_record(&owner, "companies", json!({ "name": "Acme" })).await;
    let ada = create_record(
        &owner,
        "people",
        json!({ "name": { "firstName": "Ada", "lastName": "Lovelace" } }),
    )
    .await;
    let view = owner
        .post(
            "/rest/metadata/views",
            json!({ "objectMetadataId": companies, "name": "Big ones", "filter": "employees[gte]:100" }),
        )
        .await
        .expect_status(201)["data"]["createOneView"]["id"]
        .clone();

    let first = favorite(
        &owner,
        json!({ "recordId": acme, "objectMetadataId": companies }),
    )
    .await;
    assert_eq!(first["recordId"], acme.as_str());
    assert_eq!(first["viewId"], Value::Null);
    assert_eq!(first["objectNameSingular"], "company");
    assert_eq!(first["objectNamePlural"], "companies");
    assert_eq!(first["label"], "Acme");
    let person = favorite(
        &owner,
        json!({ "recordId": ada, "objectMetadataId": people }),
    )
    .await;
    assert_eq!(
        person["label"], "Ada Lovelace",
        "a person by their full name"
    );
    let shown_view = favorite(&owner, json!({ "viewId": view })).await;
    assert_eq!(shown_view["label"], "Big ones");
    assert_eq!(shown_view["objectMetadataId"], companies);
    assert!(
        first["position"].as_f64() < person["position"].as_f64()
            && person["position"].as_f64() < shown_view["position"].as_f64(),
        "each new favourite goes last"
    );
    assert_eq!(labels(&owner).await, ["Acme", "Ada Lovelace", "Big ones"]);

    // Reordered by position: the view before everything, Acme between the other two.
    let moved = owner
        .patch(
            &format!("{FAVORITES}/{}", id_of(&shown_view)),
            json!({ "position": -1 }),
        )
        .await
        .expect_status(200)["data"]["updateOneFavorite"]
        .clone();
    assert_eq!(moved["position"], -1.0);
    let between = (person["position"].as_f64().expect("position")
        + shown_view["position"].as_f64().expect("position"))
        / 2.0;
    owner
        .patch(
            &format!("{FAVORITES}/{}", id_of(&first)),
            json!({ "position": between }),
        )
        .await
        .expect_status(200);
    assert_eq!(labels(&owner).await, ["Big ones", "Ada Lovelace", "Acme"]);

    // Another's favourites are not there for them; a viewer keeps favourites of their own.
    assert!(labels(&viewer).await.is_empty());
    for path in [format!("{FAVORITES}/{}", id_of(&first))] {
        viewer
            .patch(&path, json!({ "position": 0 }))
            .await
            .expect_error(404, "not_found");
        viewer.delete(&path).await.expect_error(404, "not_found");
    }
    favorite(
        &viewer,
        json!({ "recordId": acme, "objectMetadataId": companies }),
    )
    .await;
    assert_eq!(labels(&viewer).await, ["Acme"]);
    assert_eq!(labels(&owner).await, ["Big ones", "Ada Lovelace", "Acme"]);

    owner
        .delete(&format!("{FAVORITES}/{}", id_of(&person)))
        .await
        .expect_status(200);
    assert_eq!(labels(&owner).await, ["Big ones", "Acme"]);
    owner
        .delete(&format!("{FAVORITES}/{}", id_of(&person)))
        .await
        .expect_error(404, "not_found");
}

async fn a_refused_favourite_names_its_key_and_stores_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (member, _) = app.join(&owner, &ws, "member@example.com", "member").await;
    let member = member.in_workspace(&ws);
    let companies = object_id(&owner, "companies").await;
    let people = object_id(&owner, "people").await;
    let acme = create_record(&owner, "companies", json!({ "name": "Acme" })).await;
    let theirs = member
        .post(
            "/rest/metadata/views",
            json!({ "objectMetadataId": companies, "name": "Member's own" }),
        )
        .await
        .expect_status(201)["data"]["createOneView"]["id"]
        .clone();
    let nobody = "01a23098-0000-7000-8000-000000000000";
    let refused = [
        (json!({}), 400, "recordId"),
        (json!({ "recordId": acme }), 400, "objectMetadataId"),
        (
            json!({ "recordId": "acme", "objectMetadataId": companies }),
            400,
            "recordId",
        ),
        (
            json!({ "recordId": acme, "objectMetadataId": "companies" }),
            400,
            "objectMetadataId",
        ),
        (
            json!({ "recordId": acme, "objectMetadataId": companies, "viewId": theirs }),
            400,
            "viewId",
        ),
        (
            json!({ "viewId": theirs, "objectMetadataId": companies }),
            400,
            "objectMetadataId",
        ),
        (json!({ "viewId": "v1" }), 400, "viewId"),
        (
            json!({ "recordId": acme, "objectMetadataId": companies, "colour": "red" }),
            400,
            "body",
        ),
        (
            json!({ "recordId": acme, "objectMetadataId": companies, "position": "first" }),
            400,
            "body",
        ),
        (
            json!({ "recordId": acme, "objectMetadataId": nobody }),
            404,
            "objectMetadataId",
        ),
        // The record exists, but not as a person.
        (
            json!({ "recordId": acme, "objectMetadataId": people }),
            404,
            "recordId",
        ),
        (
            json!({ "recordId": nobody, "objectMetadataId": companies }),
            404,
            "recordId",
        ),
        // Another's personal view is not there for the owner.
        (json!({ "viewId": theirs }), 404, "viewId"),
        (json!({ "viewId": nobody }), 404, "viewId"),
    ];
    for (body, status, key) in refused {
        let code = if status == 400 {
            "validation_failed"
        } else {
            "not_found"
        };
        let fields = owner
            .post(FAVORITES, body.clone())
            .await
            .expect_error_fields(status, code);
        assert!(
            fields.iter().any(|f| f == key),
            "{body}: expected a {status} naming {key}, got {fields:?}"
        );
    }
    assert_eq!(
        app.count_stored(&ws, "_kith_favorites", "1 = 1").await,
        0,
        "a refused favourite was stored"
    );

    // Twice the same is refused the second time, naming what is a favourite already.
    let kept = favorite(
        &owner,
        json!({ "recordId": acme, "objectMetadataId": companies }),
    )
    .await;
    let fields = owner
        .post(
            FAVORITES,
            json!({ "recordId": acme, "objectMetadataId": companies }),
        )
        .await
        .expect_error_fields(409, "conflict");
    assert_eq!(fields, ["recordId"]);
    assert_eq!(app.count_stored(&ws, "_kith_favorites", "1 = 1").await, 1);

    // A move takes a position and nothing else; a refused move changes nothing.
    let path = format!("{FAVORITES}/{}", id_of(&kept));
    for change in [
        json!({}),
        json!({ "position": "top" }),
        json!({ "position": 1, "label": "x" }),
    ] {
        let fields = owner
            .patch(&path, change.clone())
            .await
            .expect_error_fields(400, "validation_failed");
        assert_eq!(fields, ["body"], "{change}");
    }
    owner
        .patch(&format!("{FAVORITES}/not-an-id"), json!({ "position": 1 }))
        .await
        .expect_error(404, "not_found");
    let listed = owner.get(FAVORITES).await.expect_status(200);
    assert_eq!(listed["data"]["favorites"][0]["position"], kept["position"]);
}

async fn favourites_follow_what_they_point_at(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, ws) = app.owner_with_workspace("owner@example.com").await;
    let owner = owner.in_workspace(&ws);
    let (member, member_id) = app.join(&owner, &ws, "member@example.com", "member").await;
    let member = member.in_workspace(&ws);
    let companies = object_id(&owner, "companies").await;
    let people = object_id(&owner, "people").await;
    let acme = create_record(&owner, "companies", json!({ "name": "Acme" })).await;
    let ada = create_record(&owner, "people", json!({ "name": { "firstName": "Ada" } })).await;
    let view = owner
        .post(
            "/rest/metadata/views",
            json!({ "objectMetadataId": companies, "name": "Shared", "visibility": "workspace" }),
        )
        .await
        .expect_status(201)["data"]["createOneView"]["id"]
        .clone();
    for body in [
        json!({ "recordId": acme, "objectMetadataId": companies }),
        json!({ "recordId": ada, "objectMetadataId": people }),
        json!({ "viewId": view }),
    ] {
        favorite(&member, body).await;
    }
    favorite(&owner, json!({ "viewId": view })).await;
    assert_eq!(labels(&member).await, ["Acme", "Ada", "Shared"]);

    // A record in the trash is left out, and back when it is restored; its new name shows.
    owner
        .delete(&format!("/rest/companies/{acme}"))
        .await
        .expect_status(200);
    assert_eq!(labels(&member).await, ["Ada", "Shared"]);
    owner
        .patch(&format!("/rest/restore/companies/{acme}"), json!({}))
        .await
        .expect_status(200);
    owner
        .patch(
            &format!("/rest/companies/{acme}"),
            json!({ "name": "Acme Ltd" }),
        )
        .await
        .expect_status(200);
    assert_eq!(labels(&member).await, ["Acme Ltd", "Ada", "Shared"]);

    // A role that may not read companies: their company and its view are left out, not lost.
    let role = role_without_companies(&owner, &ws).await;
    let members = format!("/api/v1/workspaces/{ws}/members/{member_id}");
    owner
        .patch(&members, json!({ "roleId": role }))
        .await
        .expect_status(200);
    assert_eq!(labels(&member).await, ["Ada"]);
    owner
        .patch(&members, json!({ "role": "member" }))
        .await
        .expect_status(200);
    assert_eq!(labels(&member).await, ["Acme Ltd", "Ada", "Shared"]);

    // A deleted view takes everyone's favourites of it along.
    owner
        .delete(&format!(
            "/rest/metadata/views/{}",
            view.as_str().expect("id")
        ))
        .await
        .expect_status(200);
    assert_eq!(labels(&member).await, ["Acme Ltd", "Ada"]);
    assert!(labels(&owner).await.is_empty());
    assert_eq!(
        app.count_stored(&ws, "_kith_favorites", "view_id IS NOT NULL")
            .await,
        0
    );

    // So does a deleted custom object.
    let deals = owner
        .post(
            "/rest/metadata/objects",
            json!({ "nameSingular": "deal", "namePlural": "deals", "labelSingular": "Deal", "labelPlural": "Deals" }),
        )
        .await
        .expect_status(201)["data"]["createOneObject"]["id"]
        .clone();
    let deal = create_record(&owner, "deals", json!({ "name": "Big deal" })).await;
    favorite(
        &member,
        json!({ "recordId": deal, "objectMetadataId": deals }),
    )
    .await;
    assert_eq!(labels(&member).await, ["Acme Ltd", "Ada", "Big deal"]);
    owner
        .delete(&format!(
            "/rest/metadata/objects/{}",
            deals.as_str().expect("id")
        ))
        .await
        .expect_status(200);
    assert_eq!(labels(&member).await, ["Acme Ltd", "Ada"]);
    assert_eq!(app.count_stored(&ws, "_kith_favorites", "1 = 1").await, 2);

    // Tokens: a read-only one lists its own (none) and adds none; a writing one keeps its own.
    let read_only = make_token(&owner, &ws, json!(["records:read"])).await;
    let writer = make_token(&owner, &ws, json!(["records:read", "records:write"])).await;
    let http = reqwest::Client::new();
    let as_token =
        |token: &str, request: reqwest::RequestBuilder| request.bearer_auth(token.to_owned());
    let listed = kith_testkit::send(as_token(&read_only, http.get(app.url(FAVORITES))))
        .await
        .expect_status(200);
    assert_eq!(listed["data"]["favorites"], json!([]));
    let body = json!({ "recordId": ada, "objectMetadataId": people });
    kith_testkit::send(as_token(
        &read_only,
        http.post(app.url(FAVORITES)).json(&body),
    ))
    .await
    .expect_error(403, "forbidden");
    kith_testkit::send(as_token(&writer, http.post(app.url(FAVORITES)).json(&body)))
        .await
        .expect_status(201);
    let theirs = kith_testkit::send(as_token(&writer, http.get(app.url(FAVORITES))))
        .await
        .expect_status(200);
    assert_eq!(theirs["data"]["favorites"][0]["label"], "Ada");
    assert!(
        labels(&owner).await.is_empty(),
        "a token's favourite is its own"
    );
}
