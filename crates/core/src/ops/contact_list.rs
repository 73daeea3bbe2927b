//! Get Contact Requests in a Period, and a cursor over its pages that always ends.

use std::collections::VecDeque;
use std::time::SystemTime;

use http::{Method, Response, StatusCode};
use serde::Deserialize;

use crate::call::{CallError, Completed};
use crate::config::{ApiConfig, CONTACTS_PATH};
use crate::lenient::opt_count;
use crate::operation::{Operation, RetrySafety};
use crate::ops::contact::Contact;
use crate::request::{HttpRequest, api_request, copy_request};
use crate::response::{ErrorStyle, ResponseError, classify_failure, success_json};
use crate::utc::UtcDateTime;

const DEFAULT_PER_PAGE: u32 = ContactListQuery::DEFAULT_PER_PAGE;
const MAX_PER_PAGE: u32 = ContactListQuery::MAX_PER_PAGE;
const DEFAULT_MAX_PAGES: u32 = ContactPages::DEFAULT_MAX_PAGES;

/// Which contacts to list: those whose KYC was requested in `[from, to]` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactListQuery {
    from: UtcDateTime,
    to: UtcDateTime,
    per_page: u32,
}

impl ContactListQuery {
    /// Records per page when none is asked for (the API's own default).
    pub const DEFAULT_PER_PAGE: u32 = 20;
    /// The most records per page this SDK asks for.
    pub const MAX_PER_PAGE: u32 = 100;

    /// Contacts requested between `from` and `to`, [`ContactListQuery::DEFAULT_PER_PAGE`] a page. The bounds
    /// are swapped if given in the wrong order.
    pub fn new(from: UtcDateTime, to: UtcDateTime) -> Self {
        Self {
            from: from.min(to),
            to: from.max(to),
            per_page: DEFAULT_PER_PAGE,
        }
    }

    /// Records per page, clamped to `1..=MAX_PER_PAGE`.
    #[must_use]
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, MAX_PER_PAGE);
        self
    }

    /// The page size asked for.
    pub fn page_size(&self) -> u32 {
        self.per_page
    }
}

/// One page of the contact list. The schema sends `total_page`, the example `total` (a
/// record count); either, both or neither may be present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ContactPage {
    /// The page number, as the API echoed it.
    #[serde(default, deserialize_with = "opt_count")]
    pub page: Option<u64>,
    /// The page size, as the API echoed it.
    #[serde(default, deserialize_with = "opt_count")]
    pub per_page: Option<u64>,
    /// The number of pages, when sent.
    #[serde(default, deserialize_with = "opt_count")]
    pub total_page: Option<u64>,
    /// The number of records, when sent.
    #[serde(default, deserialize_with = "opt_count")]
    pub total: Option<u64>,
    /// The contacts (records may lack `identity` and other fields).
    #[serde(default)]
    pub records: Vec<Contact>,
}

/// `GET /api/v2/contacts/?from_date=...&to_date=...&page=N&per_page=M`: one page.
pub struct ListContacts {
    page: u32,
    request: HttpRequest,
}

impl std::fmt::Debug for ListContacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListContacts")
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

impl ListContacts {
    /// Page `page` (from 1) of `query`.
    ///
    /// ```
    /// use clever_kyc_core::*;
    /// use clever_kyc_core::{contact::ContactListQuery, contact::ListContacts};
    /// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
    /// let query = ContactListQuery::new("2026-11-01".parse()?, "2026-11-27T23:59:59".parse()?);
    /// let request = ListContacts::new(&config, &query, 2).request(std::time::SystemTime::UNIX_EPOCH);
    /// assert_eq!(
    ///     request.uri().query(),
    ///     Some("from_date=2026-11-01T00:00:00&to_date=2026-11-27T23:59:59&page=2&per_page=20")
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: &ApiConfig, query: &ContactListQuery, page: u32) -> Self {
        let page = page.max(1);
        // The date-times are digits, '-', ':' and 'T': nothing to percent-encode.
        let uri = config.uri(&format!(
            "{CONTACTS_PATH}/?from_date={}&to_date={}&page={page}&per_page={}",
            query.from, query.to, query.per_page
        ));
        Self {
            page,
            request: api_request(config, Method::GET, uri, None),
        }
    }

    /// The page number this asks for.
    pub fn page(&self) -> u32 {
        self.page
    }
}

impl Operation for ListContacts {
    type Output = ContactPage;
    const NAME: &'static str = "contact list page";
    const SAFETY: RetrySafety = RetrySafety::Idempotent;

    fn request(&self, _now: SystemTime) -> HttpRequest {
        copy_request(&self.request)
    }

    fn parse<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Result<ContactPage, ResponseError> {
        if response.status() != StatusCode::OK {
            return Err(classify_failure(response, ErrorStyle::HelloClever));
        }
        success_json(response)
    }
}

/// The cursor stopped because it fetched its maximum number of pages while the API still
/// said there were more: the totals it sent may be inconsistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "stopped after {pages} pages of the contact list while the API still announced more; narrow the period or raise the page limit"
)]
pub struct PageLimitReached {
    /// The pages fetched.
    pub pages: u32,
}

/// Walks the pages of a contact list, deciding from each page whether another follows. It
/// always ends: on an empty or short page, when `total_page` or `total` says the list is
/// complete, or at its page limit, whatever the totals claim.
///
/// ```
/// use clever_kyc_core::*;
/// use clever_kyc_core::{contact::ContactListQuery, contact::ContactPage, contact::ContactPages};
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let query = ContactListQuery::new("2026-11-01".parse()?, "2026-11-27".parse()?).per_page(2);
/// let mut pages = ContactPages::new(query);
/// let first = pages.next_operation(&config).expect("a first page");
/// assert_eq!(first.page(), 1);
/// // A page of one record when two were asked for is the last one.
/// let page: ContactPage = serde_json::from_str(r#"{"records": [{"email": "a@example.com"}]}"#)?;
/// pages.advance(&page)?;
/// assert!(pages.next_operation(&config).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ContactPages {
    query: ContactListQuery,
    next: Option<u32>,
    records_seen: u64,
    max_pages: u32,
}

impl ContactPages {
    /// The most pages a cursor fetches before it stops with [`PageLimitReached`]: 1,000
    /// pages of 20 is 20,000 contacts.
    pub const DEFAULT_MAX_PAGES: u32 = 1_000;

    /// A cursor at page 1, with [`ContactPages::DEFAULT_MAX_PAGES`].
    pub fn new(query: ContactListQuery) -> Self {
        Self {
            query,
            next: Some(1),
            records_seen: 0,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// The most pages to fetch (at least 1).
    #[must_use]
    pub fn with_max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The request for the next page, or `None` when the list is complete.
    pub fn next_operation(&self, config: &ApiConfig) -> Option<ListContacts> {
        self.next
            .map(|page| ListContacts::new(config, &self.query, page))
    }

    /// Records the page just fetched and decides whether another follows.
    ///
    /// # Errors
    /// [`PageLimitReached`] when the page limit is reached while the API still announces
    /// more; the cursor is then finished.
    pub fn advance(&mut self, page: &ContactPage) -> Result<(), PageLimitReached> {
        let Some(number) = self.next.take() else {
            return Ok(());
        };
        let received = page.records.len() as u64;
        self.records_seen = self.records_seen.saturating_add(received);
        // A server may cap the page size below what was asked; its echo is the better guide.
        let page_size = page
            .per_page
            .filter(|&n| n > 0)
            .unwrap_or(u64::from(self.query.per_page))
            .min(u64::from(self.query.per_page));
        let complete = received == 0
            || received < page_size
            || page.total_page.is_some_and(|t| u64::from(number) >= t)
            || page.total.is_some_and(|t| self.records_seen >= t);
        if complete {
            return Ok(());
        }
        if number >= self.max_pages {
            return Err(PageLimitReached { pages: number });
        }
        self.next = Some(number + 1);
        Ok(())
    }

    /// Records received so far.
    pub fn records_seen(&self) -> u64 {
        self.records_seen
    }
}

/// Why walking the contact list stopped early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContactListError {
    /// A page could not be fetched.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The page limit was reached while the API still announced more.
    #[error(transparent)]
    PageLimit(#[from] PageLimitReached),
}

/// What a transport does next while walking the contact list.
#[derive(Debug)]
#[must_use]
pub enum WalkStep {
    /// Hand this to the caller.
    Item(Result<Contact, ContactListError>),
    /// Fetch this page, then [`ContactWalk::deliver`] the result.
    Fetch(ListContacts),
    /// The walk is over.
    End,
}

/// The contact list, record by record: the page cursor plus the records of the page in
/// hand. Each transport's iterator or stream is a loop over [`step`](Self::step).
#[derive(Debug)]
pub struct ContactWalk {
    config: ApiConfig,
    pages: ContactPages,
    buffer: VecDeque<Contact>,
    error: Option<ContactListError>,
    finished: bool,
}

impl ContactWalk {
    /// A walk over `pages`, built with `config`.
    pub fn new(config: &ApiConfig, pages: ContactPages) -> Self {
        Self {
            config: config.clone(),
            pages,
            buffer: VecDeque::new(),
            error: None,
            finished: false,
        }
    }

    /// The next thing to do.
    pub fn step(&mut self) -> WalkStep {
        if let Some(contact) = self.buffer.pop_front() {
            return WalkStep::Item(Ok(contact));
        }
        if let Some(error) = self.error.take() {
            self.finished = true;
            return WalkStep::Item(Err(error));
        }
        if self.finished {
            return WalkStep::End;
        }
        match self.pages.next_operation(&self.config) {
            Some(operation) => WalkStep::Fetch(operation),
            None => {
                self.finished = true;
                WalkStep::End
            }
        }
    }

    /// Takes the result of the fetch asked for.
    pub fn deliver(&mut self, result: Result<Completed<ContactPage>, CallError>) {
        match result {
            Ok(done) => {
                let page = done.into_value();
                if let Err(limit) = self.pages.advance(&page) {
                    // The records of the last page are still handed out before the error.
                    self.error = Some(limit.into());
                }
                self.buffer.extend(page.records);
            }
            Err(error) => self.error = Some(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn query() -> ContactListQuery {
        ContactListQuery::new("2026-11-01".parse().unwrap(), "2026-11-27".parse().unwrap())
            .per_page(2)
    }

    fn page(records: usize, total_page: Option<u64>, total: Option<u64>) -> ContactPage {
        ContactPage {
            page: None,
            per_page: None,
            total_page,
            total,
            records: vec![Contact::default(); records],
        }
    }

    #[test]
    fn the_example_and_the_schema_shapes_both_parse() {
        let example: ContactPage = serde_json::from_str(
            r#"{"page": 1, "per_page": 20, "total": 1, "records": [{"email": "a@example.com", "kyc_statuses": []}]}"#,
        )
        .unwrap();
        assert_eq!((example.total, example.total_page), (Some(1), None));
        let schema: ContactPage = serde_json::from_str(
            r#"{"page": "1", "per_page": "20", "total_page": "null", "records": []}"#,
        )
        .unwrap();
        assert_eq!((schema.page, schema.total_page), (Some(1), None));
    }

    #[test]
    fn totals_end_the_walk() {
        let mut c = ContactPages::new(query());
        c.advance(&page(2, Some(2), None)).unwrap();
        assert!(c.next.is_some());
        c.advance(&page(2, Some(2), None)).unwrap();
        assert!(c.next.is_none(), "total_page 2 reached");

        let mut c = ContactPages::new(query());
        c.advance(&page(2, None, Some(4))).unwrap();
        c.advance(&page(2, None, Some(4))).unwrap();
        assert!(c.next.is_none(), "4 records of 4 seen");
    }

    #[test]
    fn inconsistent_totals_stop_at_the_page_limit() {
        let mut c = ContactPages::new(query()).with_max_pages(5);
        for _ in 0..4 {
            c.advance(&page(2, Some(1_000_000), None)).unwrap();
        }
        assert_eq!(
            c.advance(&page(2, Some(1_000_000), None)),
            Err(PageLimitReached { pages: 5 })
        );
        assert!(c.next.is_none());
    }

    proptest! {
        /// Whatever the pages say, the cursor asks for at most `max` pages, in order.
        #[test]
        fn the_walk_always_ends(
            pages in proptest::collection::vec((0usize..4, proptest::option::of(0u64..10), proptest::option::of(0u64..30), proptest::option::of(0u64..5)), 1..40),
            max in 1u32..12,
        ) {
            let mut c = ContactPages::new(query()).with_max_pages(max);
            let mut asked = Vec::new();
            for (records, total_page, total, per_page) in pages {
                let Some(number) = c.next else { break };
                asked.push(number);
                let mut p = page(records, total_page, total);
                p.per_page = per_page;
                if c.advance(&p).is_err() { break; }
            }
            prop_assert!(asked.len() <= max as usize);
            prop_assert!(asked.iter().copied().eq(1..=asked.len() as u32));
        }
    }
}
