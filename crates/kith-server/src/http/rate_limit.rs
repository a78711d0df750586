//! Request limits shared by every instance without a database write per request. Each instance
//! counts locally and decides on the shared total plus its own hits not yet written; once a
//! second it adds those to the database and learns the new total. Instances so agree to within
//! about a second of traffic, at the cost of one write a second per busy key.

use kith_store::{Db, Millis, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const WINDOW_MS: Millis = 60_000;

#[derive(Clone, Default)]
pub struct RateLimiter {
    windows: Arc<Mutex<HashMap<String, Window>>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Millis,
    /// Hits of every instance, as of the last exchange with the database.
    shared: i64,
    /// This instance's hits since then.
    local: i64,
}

impl RateLimiter {
    /// Counts a hit for `key`; `Ok(Err(seconds))` to wait when the window's `limit` is used up.
    /// The first hit of a window on this instance reads the total so far from the database.
    pub async fn hit(
        &self,
        db: &Db,
        key: &str,
        now: Millis,
        limit: i64,
    ) -> Result<Result<(), u64>, StoreError> {
        let start = now / WINDOW_MS * WINDOW_MS;
        if !self.knows(key, start) {
            let shared = db.rate_hits(key, start).await?;
            if let Ok(mut windows) = self.windows.lock() {
                let window = windows.entry(key.to_owned()).or_insert(Window {
                    start,
                    shared,
                    local: 0,
                });
                if window.start != start {
                    *window = Window {
                        start,
                        shared,
                        local: 0,
                    };
                }
            }
        }
        Ok(self.count(key, start, now, limit))
    }

    fn knows(&self, key: &str, start: Millis) -> bool {
        self.windows
            .lock()
            .is_ok_and(|windows| windows.get(key).is_some_and(|w| w.start == start))
    }

    fn count(&self, key: &str, start: Millis, now: Millis, limit: i64) -> Result<(), u64> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let window = windows.entry(key.to_owned()).or_insert(Window {
            start,
            shared: 0,
            local: 0,
        });
        if window.shared + window.local >= limit {
            let seconds = (start + WINDOW_MS - now).max(1000) / 1000;
            return Err(u64::try_from(seconds).unwrap_or(1));
        }
        window.local += 1;
        Ok(())
    }

    /// Writes this instance's unwritten hits and takes in everyone's totals.
    pub async fn exchange(&self, db: &Db) -> Result<(), StoreError> {
        let pending: Vec<(String, Millis, i64)> = match self.windows.lock() {
            Ok(mut windows) => windows
                .iter_mut()
                .filter(|(_, w)| w.local > 0)
                .map(|(key, w)| {
                    let local = std::mem::take(&mut w.local);
                    w.shared += local;
                    (key.clone(), w.start, local)
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        for (key, start, hits) in pending {
            let total = db.add_rate_hits(&key, start, hits).await?;
            if let Ok(mut windows) = self.windows.lock()
                && let Some(window) = windows.get_mut(&key).filter(|w| w.start == start)
            {
                window.shared = window.shared.max(total);
            }
        }
        if let Ok(mut windows) = self.windows.lock() {
            let current = kith_store::now_millis() / WINDOW_MS * WINDOW_MS;
            windows.retain(|_, w| w.start >= current - WINDOW_MS);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_next_window() {
        let limiter = RateLimiter::default();
        let start = 10 * WINDOW_MS;
        let now = start + 30_000;
        for _ in 0..3 {
            assert!(limiter.count("k", start, now, 3).is_ok());
        }
        assert_eq!(limiter.count("k", start, now, 3), Err(30));
        assert!(
            limiter.count("other", start, now, 3).is_ok(),
            "keys are counted apart"
        );
        assert!(
            limiter.knows("k", start) && !limiter.knows("k", start + WINDOW_MS),
            "a new window is read from the database first"
        );
    }
}
