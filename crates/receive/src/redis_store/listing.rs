//! Listing events: one contact's through its index of stream ids, everything else by reading
//! the stream a page at a time.

use std::sync::atomic::Ordering;

use clever_kyc_core::callback::IdempotencyKey;
use redis::Value;

use super::{PAGE, RedisStore, corrupt};
use crate::codec::{from_hex_32, parse_submission_id, system_time};
use crate::store::{EventFilter, PendingEvent, StoreError, StoredEvent};

/// A stream entry as Redis returns it: its id and its fields.
type Entry = (String, Vec<(String, String)>);

impl RedisStore {
    fn stream(&self) -> String {
        format!("{}:events", self.prefix)
    }

    pub(super) fn index_complete_key(&self) -> String {
        format!("{}:by_email_complete", self.prefix)
    }

    /// Every event the filter matches, oldest first, reading the whole stream.
    pub(super) fn list_stream(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let stream = self.stream();
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut events = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page: Vec<Entry> = self.with_connection("list events", |c| {
                let value: Value = redis::cmd("XRANGE")
                    .arg(&stream)
                    .arg(&start)
                    .arg("+")
                    .arg("COUNT")
                    .arg(PAGE)
                    .query(c)?;
                Ok(redis::from_redis_value(value)?)
            })?;
            let Some((last_id, _)) = page.last() else {
                break;
            };
            start = format!("({last_id}");
            let full = page.len() == PAGE;
            let candidates = matching(page, filter)?;
            if self.add_counted(candidates, &mut events, limit)? || !full {
                break;
            }
        }
        Ok(events)
    }

    /// One contact's events (the filter's email), read through its list of stream ids, so
    /// the cost follows the contact's events, not the store's.
    pub(super) fn list_contact(
        &self,
        email: &str,
        filter: &EventFilter,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.ensure_email_index()?;
        let list = self.key("by_email", &email.to_ascii_lowercase());
        let ids: Vec<String> = self.with_connection("list a contact's events", |c| {
            redis::cmd("LRANGE").arg(&list).arg(0).arg(-1).query(c)
        })?;
        // The script appends in stream order; an index built while the script also ran can
        // hold an id twice or out of order.
        let mut ids = ids
            .iter()
            .map(|id| parse_stream_id(id).map(|parsed| (parsed, id)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| corrupt("contact index"))?;
        ids.sort_unstable();
        ids.dedup();
        let stream = self.stream();
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut events = Vec::new();
        for chunk in ids.chunks(PAGE) {
            let pages: Vec<Vec<Entry>> = self.with_connection("list a contact's events", |c| {
                let mut pipe = redis::pipe();
                for (_, id) in chunk {
                    pipe.cmd("XRANGE").arg(&stream).arg(id).arg(id);
                }
                pipe.query(c)
            })?;
            let candidates = matching(pages.into_iter().flatten().collect(), filter)?;
            if self.add_counted(candidates, &mut events, limit)? {
                break;
            }
        }
        Ok(events)
    }

    /// Indexes a stream written before contacts had lists of stream ids, once; afterwards
    /// the record script keeps the lists.
    fn ensure_email_index(&self) -> Result<(), StoreError> {
        if self.email_index_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let complete = self.index_complete_key();
        let done: bool = self.with_connection("check the contact index", |c| {
            redis::cmd("EXISTS").arg(&complete).query(c)
        })?;
        if !done {
            self.build_email_index()?;
            self.with_connection("mark the contact index complete", |c| {
                redis::cmd("SET").arg(&complete).arg(1).query::<()>(c)
            })?;
        }
        self.email_index_ready.store(true, Ordering::Release);
        Ok(())
    }

    fn build_email_index(&self) -> Result<(), StoreError> {
        let stream = self.stream();
        let mut start = "-".to_owned();
        loop {
            let page: Vec<Entry> = self.with_connection("index contacts", |c| {
                redis::cmd("XRANGE")
                    .arg(&stream)
                    .arg(&start)
                    .arg("+")
                    .arg("COUNT")
                    .arg(PAGE)
                    .query(c)
            })?;
            let Some((last_id, _)) = page.last() else {
                return Ok(());
            };
            start = format!("({last_id}");
            let full = page.len() == PAGE;
            let mut pipe = redis::pipe();
            for (id, fields) in &page {
                if let Some((_, email)) = fields.iter().find(|(name, _)| name == "email")
                    && !email.is_empty()
                {
                    pipe.cmd("RPUSH")
                        .arg(self.key("by_email", &email.to_ascii_lowercase()))
                        .arg(id)
                        .ignore();
                }
            }
            self.with_connection("index contacts", |c| pipe.query::<()>(c))?;
            if !full {
                return Ok(());
            }
        }
    }

    /// The claimed outbox members (idempotency keys in hex) as events with their attempts.
    pub(super) fn pending_events(
        &self,
        members: Vec<String>,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let infos: Vec<(Option<String>, Option<u32>)> =
            self.with_connection("read claimed events", |c| {
                let mut pipe = redis::pipe();
                for member in &members {
                    pipe.cmd("HMGET")
                        .arg(self.key("evt", member))
                        .arg("sid")
                        .arg("attempts");
                }
                pipe.query(c)
            })?;
        let stream = self.stream();
        let ids: Vec<String> = infos
            .iter()
            .map(|(sid, _)| {
                sid.clone()
                    .ok_or_else(|| corrupt("outbox entry without its event"))
            })
            .collect::<Result<_, _>>()?;
        let pages: Vec<Vec<Entry>> = self.with_connection("read claimed events", |c| {
            let mut pipe = redis::pipe();
            for id in &ids {
                pipe.cmd("XRANGE").arg(&stream).arg(id).arg(id);
            }
            pipe.query(c)
        })?;
        let mut candidates = Vec::with_capacity(pages.len());
        for page in pages {
            let (_, fields) = page
                .into_iter()
                .next()
                .ok_or_else(|| corrupt("outbox entry whose event is gone"))?;
            candidates.push(stream_entry(fields)?);
        }
        let mut events = Vec::with_capacity(candidates.len());
        self.add_counted(candidates, &mut events, usize::MAX)?;
        Ok(events
            .into_iter()
            .zip(infos)
            .map(|(event, (_, attempts))| PendingEvent {
                event,
                attempts: attempts.unwrap_or(0),
            })
            .collect())
    }

    /// Adds `candidates` with their delivery counts to `events`; true once `limit` is
    /// reached.
    fn add_counted(
        &self,
        candidates: Vec<StoredEvent>,
        events: &mut Vec<StoredEvent>,
        limit: usize,
    ) -> Result<bool, StoreError> {
        // Nothing to count (and Redis refuses an empty pipeline).
        if candidates.is_empty() {
            return Ok(events.len() >= limit);
        }
        let keys: Vec<String> = candidates
            .iter()
            .map(|e| self.key("evt", &e.idempotency_key.to_hex()))
            .collect();
        type Counters = (Option<u64>, Option<u8>, Option<u64>, Option<u32>);
        let counters: Vec<Counters> = self.with_connection("count deliveries", |c| {
            let mut pipe = redis::pipe();
            for key in &keys {
                pipe.cmd("HMGET")
                    .arg(key)
                    .arg("deliveries")
                    .arg("handled")
                    .arg("fwd_ms")
                    .arg("fwd_attempts");
            }
            pipe.query(c)
        })?;
        for (mut event, (deliveries, handled, forwarded, tries)) in
            candidates.into_iter().zip(counters)
        {
            event.deliveries = deliveries.unwrap_or(1);
            event.handled = handled == Some(1);
            event.forwarded_at = forwarded.map(|ms| system_time(ms as i64));
            event.forward_attempts = tries.unwrap_or(0);
            events.push(event);
            if events.len() >= limit {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The entries of `page` that `filter` matches.
fn matching(page: Vec<Entry>, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
    let mut candidates = Vec::new();
    for (_, fields) in page {
        let event = stream_entry(fields)?;
        if filter.matches(&event) {
            candidates.push(event);
        }
    }
    Ok(candidates)
}

/// A stream id, `milliseconds-sequence`, as numbers (so ids sort as Redis orders them).
fn parse_stream_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

fn stream_entry(fields: Vec<(String, String)>) -> Result<StoredEvent, StoreError> {
    let (mut key, mut submission, mut email, mut json, mut received) =
        (None, None, None, None, None);
    for (name, value) in fields {
        match name.as_str() {
            "key" => key = Some(value),
            "submission_id" => submission = Some(value),
            "email" => email = Some(value),
            "json" => json = Some(value),
            "received_ms" => received = Some(value),
            _ => {}
        }
    }
    let key = key
        .as_deref()
        .and_then(from_hex_32)
        .ok_or_else(|| corrupt("event key"))?;
    let submission = submission.unwrap_or_default();
    Ok(StoredEvent {
        submission_id: if submission.is_empty() {
            None
        } else {
            Some(parse_submission_id(&submission).ok_or_else(|| corrupt("submission_id"))?)
        },
        email: email.filter(|e| !e.is_empty()),
        idempotency_key: IdempotencyKey::from_bytes(key),
        event_json: json.ok_or_else(|| corrupt("event json"))?,
        received_at: system_time(
            received
                .and_then(|r| r.parse().ok())
                .ok_or_else(|| corrupt("event received_at"))?,
        ),
        deliveries: 1,
        handled: false,
        forwarded_at: None,
        forward_attempts: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_sort_as_numbers() {
        let mut ids = ["10-0", "9-1", "9-0"].map(|id| parse_stream_id(id).unwrap());
        ids.sort_unstable();
        assert_eq!(ids, [(9, 0), (9, 1), (10, 0)]);
        assert_eq!(parse_stream_id("9"), None);
        assert_eq!(parse_stream_id("a-1"), None);
    }
}
