//! The REST API for records, by URL area: one record at a time (`crud`), lists with filters,
//! sorting, cursor paging, `depth` and `fields` (`list`), batches, timelines, search, `groupBy`,
//! idempotency keys, tasks and notes linked to records, duplicates and merge, the trash's purge
//! job, and how records are stored (`storage`). Helpers shared by several of them live here.

mod batch;
mod crud;
mod duplicates;
mod export;
mod group_by;
mod idempotency;
mod imports;
mod links;
mod list;
mod search;
mod storage;
mod timeline;
mod trash_purge;

use kith_testkit::{TestApp, TestClient};
use serde_json::Value;

/// An owner's client working in a fresh workspace.
async fn workspace(app: &TestApp) -> (TestClient, String) {
    let (owner, id) = app.owner_with_workspace("owner@example.com").await;
    (owner.in_workspace(&id), id)
}

async fn create(client: &TestClient, plural: &str, body: Value) -> Value {
    let reply = client
        .post(&format!("/rest/{plural}"), body)
        .await
        .expect_status(201);
    let data = reply["data"].as_object().expect("data");
    data.values().next().expect("created record").clone()
}

/// A record's timeline (`path` is the record's), newest first: its events and their kinds.
async fn timeline_of(client: &TestClient, path: &str) -> (Vec<Value>, Vec<String>) {
    let timeline = client
        .get(&format!("{path}/timeline"))
        .await
        .expect_status(200);
    let events = timeline["data"]["timeline"]
        .as_array()
        .cloned()
        .expect("timeline");
    let kinds = events
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect();
    (events, kinds)
}

fn id_of(record: &Value) -> String {
    record["id"].as_str().expect("id").to_owned()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Joins `ws` as `role`; the client is bound to the workspace for `/rest`.
async fn join_as(
    app: &TestApp,
    owner: &TestClient,
    ws: &str,
    email: &str,
    role: &str,
) -> (TestClient, String) {
    let (client, _) = app.join(owner, ws, email, role).await;
    (client.in_workspace(ws), ws.to_owned())
}

/// Whether a plan line of either database is a sort of the rows read.
pub(super) fn sorts(line: &str) -> bool {
    line.contains("TEMP B-TREE FOR")
        || line
            .trim_start()
            .trim_start_matches("->")
            .trim_start()
            .starts_with("Sort")
        || line.contains("Incremental Sort")
}

/// Whether a page of `object` ordered by `order` is sorted rather than walked from an index.
pub(super) async fn page_is_sorted(
    data: &kith_store::DataStore,
    plural: &str,
    order: &str,
) -> bool {
    let catalog = data.objects().await.expect("catalog");
    let object = catalog
        .iter()
        .find(|o| o.name_plural == plural)
        .expect("object");
    let page = kith_store::ListQuery {
        order_by: kith_core::sort::parse(order).expect("order"),
        limit: 50,
        ..kith_store::ListQuery::default()
    };
    let plan = data.list_plan(object, &page).await.expect("plan");
    plan.iter().any(|line| sorts(line))
}

/// Waits up to ten seconds for the background job to build the index that serves `order`.
pub(super) async fn index_comes_to_serve(data: &kith_store::DataStore, plural: &str, order: &str) {
    for _ in 0..100 {
        if !page_is_sorted(data, plural, order).await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("order_by={order} is still sorted, not read from an index");
}

/// Waits up to ten seconds for the workspace's `table` to hold `count` rows (a background job
/// filling it).
pub(super) async fn rows_come_to(app: &TestApp, ws: &str, table: &str, count: i64) {
    let mut held = 0;
    for _ in 0..100 {
        held = app.count_stored(ws, table, "1 = 1").await;
        if held == count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{table} holds {held} rows, not {count}");
}
