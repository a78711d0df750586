//! `GET /rest/live`: the workspace's record changes as server-sent events, as the caller may
//! read them (objects it may not read are left out, hidden fields absent, sensitive values
//! masked: the events are read through the caller's own `DataStore`). Each stream polls the
//! events table, so it works the same with many instances on one PostgreSQL.
//!
//! A stream lasts at most [`LIFETIME`] and ends when the server stops: the client reconnects,
//! sending `Last-Event-ID`, and its access is checked anew (a member removed meanwhile gets
//! 401/404 then). Events are read again for [`LATE_MS`] after their id's instant, so a write
//! whose transaction committed a little after it took its id is not missed; ids already sent
//! are not sent twice.

use super::RestAccess;
use crate::AppState;
use crate::http::AppResult;
use crate::webhooks::dispatch::without_hidden;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use kith_core::scope::Scope;
use kith_store::{DataStore, StoreError, event_floor, now_millis};
use serde_json::json;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

const POLL: Duration = Duration::from_millis(300);
const LIFETIME: Duration = Duration::from_secs(60);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long after its id's instant an event may still commit and be caught.
const LATE_MS: i64 = 2_000;
/// How far back `Last-Event-ID` may resume: a client away longer reloads what it shows.
const RESUME_MS: i64 = 5 * 60_000;
const PAGE: usize = 200;
const PAGES_PER_POLL: usize = 5;

/// Where a stream stands in the events table.
struct Tail {
    data: DataStore,
    /// The last event id looked at.
    cursor: Uuid,
    /// Ids already sent that the re-read window may meet again.
    sent: BTreeSet<Uuid>,
    /// Nothing up to this id is sent: the client had it (`Last-Event-ID`).
    had: Uuid,
}

impl Tail {
    /// The events not sent yet, oldest first.
    async fn fresh(&mut self) -> Result<Vec<kith_store::data::ChangeEvent>, StoreError> {
        let lower = self.cursor.min(event_floor(now_millis() - LATE_MS));
        self.sent = self.sent.split_off(&lower);
        let mut after = lower;
        let mut fresh = Vec::new();
        for _ in 0..PAGES_PER_POLL {
            let (events, last) = self.data.events_after(after, PAGE).await?;
            let Some(last) = last else { break };
            let new = events.into_iter().filter(|e| e.id > self.had);
            fresh.extend(new.filter(|e| self.sent.insert(e.id)));
            after = last;
        }
        self.cursor = self.cursor.max(after);
        Ok(fresh)
    }
}

fn change(event: &kith_store::data::ChangeEvent) -> Event {
    let data = json!({
        "id": event.id,
        "object": { "nameSingular": event.object.name_singular, "namePlural": event.object.name_plural },
        "recordId": event.record_id,
        "kind": event.kind,
        "actor": event.actor,
        "changes": without_hidden(event.changes.clone()),
        "happenedAt": event.at,
    });
    Event::default()
        .event("change")
        .id(event.id.to_string())
        .data(data.to_string())
}

/// Where a stream begins: after the event the client last saw when it is recent, else now.
fn resumed_from(headers: &HeaderMap) -> Option<Uuid> {
    let id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v.trim()).ok())?;
    (id >= event_floor(now_millis() - RESUME_MS)).then_some(id)
}

pub async fn live(
    State(state): State<AppState>,
    access: RestAccess,
    headers: HeaderMap,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    access.require_scope(Scope::RecordsRead)?;
    let stopping = state.stopping.clone();
    let mut tail = Tail {
        data: access.data,
        cursor: event_floor(now_millis()),
        sent: BTreeSet::new(),
        had: Uuid::nil(),
    };
    match resumed_from(&headers) {
        Some(id) => {
            tail.cursor = id;
            tail.had = id;
        }
        // What is already there when the stream opens is not news: mark it sent.
        None => {
            tail.fresh().await?;
        }
    }
    let ready = Event::default()
        .event("ready")
        .data("{}")
        .retry(Duration::from_secs(1));
    let until = Instant::now() + LIFETIME;
    let changes = stream::unfold(
        (tail, stopping),
        move |(mut tail, mut stopping)| async move {
            if !wait_for_poll(&mut stopping, until).await {
                return None;
            }
            let events = tail.fresh().await.ok()?;
            let sent: Vec<Result<Event, Infallible>> = events.iter().map(change).map(Ok).collect();
            Some((stream::iter(sent), (tail, stopping)))
        },
    )
    .flatten();
    let stream = stream::once(async move { Ok(ready) }).chain(changes);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// Sleeps until the next poll; false when the stream should end instead (its lifetime is over,
/// or the server is stopping).
async fn wait_for_poll(stopping: &mut watch::Receiver<bool>, until: Instant) -> bool {
    if Instant::now() >= until || *stopping.borrow() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(POLL) => true,
        changed = stopping.changed() => match changed {
            Ok(()) => !*stopping.borrow(),
            // No sender: nothing will ever stop the server this way.
            Err(_) => {
                tokio::time::sleep(POLL).await;
                true
            }
        },
    }
}
