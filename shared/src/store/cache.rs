//! A per-instance cache of what a function read, kept for a fixed time: for read-mostly items
//! many requests need (a banner, a suggestion bucket). Capped: when full, it starts over.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct TtlCache<V> {
    entries: OnceLock<Mutex<HashMap<String, (Instant, V)>>>,
    ttl: Duration,
    cap: usize,
}

impl<V: Clone> TtlCache<V> {
    pub const fn new(ttl_secs: u64, cap: usize) -> Self {
        TtlCache { entries: OnceLock::new(), ttl: Duration::from_secs(ttl_secs), cap }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, V)>> {
        self.entries.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value kept under `key`, if it was read less than the cache's time ago.
    pub fn get(&self, key: &str) -> Option<V> {
        self.entries().get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: &str, value: V) {
        let mut entries = self.entries();
        if entries.len() >= self.cap {
            entries.clear();
        }
        entries.insert(key.to_owned(), (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_for_their_time_and_a_full_cache_starts_over() {
        let cache: TtlCache<u32> = TtlCache::new(60, 2);
        cache.put("a", 1);
        cache.put("b", 2);
        assert_eq!((cache.get("a"), cache.get("b"), cache.get("c")), (Some(1), Some(2), None));
        cache.put("c", 3);
        assert_eq!((cache.get("a"), cache.get("c")), (None, Some(3)));
        let expired: TtlCache<u32> = TtlCache::new(0, 2);
        expired.put("a", 1);
        assert_eq!(expired.get("a"), None);
    }
}
