//! `/rest/{plural}/groupBy`: counts and sums, here of a pipeline of opportunities.

use super::{create, id_of, workspace};
use kith_testkit::{Backend, TestApp, on_both_backends};
use serde_json::json;

on_both_backends!(
    group_by_counts_and_sums_a_pipeline,
    twentys_group_by_form_is_answered_in_its_shape,
);

async fn group_by_counts_and_sums_a_pipeline(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    let deals = [
        ("A", Some("PROPOSAL"), Some(1_000_000), Some(50)),
        ("B", Some("NEW"), Some(2_500_000), Some(10)),
        ("C", Some("PROPOSAL"), Some(3_000_000), Some(70)),
        ("D", Some("CUSTOMER"), None, Some(100)),
        ("E", None, Some(500_000), None),
    ];
    for (name, stage, micros, probability) in deals {
        let amount = micros.map(|m: i64| json!({ "amountMicros": m, "currencyCode": "EUR" }));
        create(
            &owner,
            "opportunities",
            json!({ "name": name, "stage": stage, "amount": amount, "probability": probability }),
        )
        .await;
    }
    let trashed = create(&owner, "opportunities", json!({ "name": "T", "stage": "NEW", "amount": { "amountMicros": 9, "currencyCode": "EUR" } })).await;
    owner
        .delete(&format!("/rest/opportunities/{}", id_of(&trashed)))
        .await
        .expect_status(200);

    let grouped = owner
        .get("/rest/opportunities/groupBy?field=stage&aggregate=count,sum:amount,avg:probability")
        .await
        .expect_status(200);
    assert_eq!(
        grouped["data"]["groupBy"],
        json!([
            { "key": null, "count": 1, "sum:amount": 500_000, "avg:probability": null },
            { "key": "NEW", "count": 1, "sum:amount": 2_500_000, "avg:probability": 10 },
            { "key": "PROPOSAL", "count": 2, "sum:amount": 4_000_000, "avg:probability": 60 },
            { "key": "CUSTOMER", "count": 1, "sum:amount": null, "avg:probability": 100 },
        ]),
        "groups in the order of the stage's options, the trash left out"
    );
    let filtered = owner
        .get("/rest/opportunities/groupBy?field=stage&filter=probability[gte]:50")
        .await
        .expect_status(200);
    assert_eq!(
        filtered["data"]["groupBy"],
        json!([{ "key": "PROPOSAL", "count": 2 }, { "key": "CUSTOMER", "count": 1 }])
    );
    let by_currency = owner.get("/rest/opportunities/groupBy?field=amount.currencyCode&aggregate=max:amount.amountMicros").await;
    assert_eq!(
        by_currency.expect_status(200)["data"]["groupBy"],
        json!([{ "key": null, "max:amount.amountMicros": null }, { "key": "EUR", "max:amount.amountMicros": 3_000_000 }])
    );
    for (query, field) in [
        ("aggregate=count", "field"),
        ("field=stage&aggregate=median:amount", "aggregate"),
        ("field=stage&aggregate=sum:name", "aggregate"),
        ("field=stage&aggregate=sum", "aggregate"),
        ("field=amount", "field"),
        ("field=stage&filter=stage[eq", "filter"),
    ] {
        let error = owner
            .get(&format!("/rest/opportunities/groupBy?{query}"))
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{query}: {error}");
    }
}

/// A script written against Twenty's client asks `group_by=[{"stage":true}]` and reads
/// `groupByDimensionValues` and `totalCount`; Kith's own form stays as it is.
async fn twentys_group_by_form_is_answered_in_its_shape(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (owner, _) = workspace(&app).await;
    for (name, stage) in [("A", Some("NEW")), ("B", Some("NEW")), ("C", None)] {
        create(
            &owner,
            "opportunities",
            json!({ "name": name, "stage": stage }),
        )
        .await;
    }
    let grouped = owner
        .get("/rest/opportunities/groupBy?group_by=%5B%7B%22stage%22%3Atrue%7D%5D")
        .await
        .expect_status(200);
    assert_eq!(
        grouped["data"]["groupBy"],
        json!([
            { "groupByDimensionValues": [null], "totalCount": 1 },
            { "groupByDimensionValues": ["NEW"], "totalCount": 2 },
        ])
    );
    for (query, field) in [
        (
            "group_by=%5B%7B%22stage%22%3Atrue%7D%2C%7B%22name%22%3Atrue%7D%5D",
            "group_by",
        ),
        ("group_by=stage", "group_by"),
        ("group_by=%5B%7B%22unicorn%22%3Atrue%7D%5D", "field"),
        (
            "group_by=%5B%7B%22stage%22%3Atrue%7D%5D&field=stage",
            "group_by",
        ),
    ] {
        let error = owner
            .get(&format!("/rest/opportunities/groupBy?{query}"))
            .await
            .expect_error(400, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{query}: {error}");
    }
}
