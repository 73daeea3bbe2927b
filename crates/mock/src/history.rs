//! Bounded history: the simulator keeps the latest records and counts what it let go, so
//! a flood of requests cannot grow its memory.

use std::collections::VecDeque;

/// Records of each kind kept for inspection; older ones are dropped and counted.
pub const HISTORY_CAPACITY: usize = 10_000;

/// Client-supplied text (tokens, emails) is kept up to this many bytes.
pub const MAX_RECORDED_TEXT: usize = 256;

/// A ring buffer of records with a count of those dropped.
#[derive(Debug, Clone)]
pub(crate) struct History<T> {
    items: VecDeque<T>,
    dropped: u64,
    capacity: usize,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
            dropped: 0,
            capacity: HISTORY_CAPACITY,
        }
    }
}

impl<T: Clone> History<T> {
    /// Appends, dropping the oldest past the capacity.
    pub(crate) fn push(&mut self, item: T) {
        if self.items.len() >= self.capacity {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(item);
    }

    /// How many were ever pushed: the next sequence number minus one.
    pub(crate) fn total(&self) -> u64 {
        self.dropped + self.items.len() as u64
    }

    /// How many were dropped.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// A copy of what is kept, oldest first.
    /// At most `limit` records after sequence number `after` (records are numbered from 1 in
    /// the order they came), and the `after` of the next page when there is one.
    pub(crate) fn page(&self, after: u64, limit: usize) -> (Vec<T>, Option<u64>) {
        let start = usize::try_from(after.saturating_sub(self.dropped))
            .unwrap_or(usize::MAX)
            .min(self.items.len());
        let items: Vec<T> = self.items.iter().skip(start).take(limit).cloned().collect();
        let end = start + items.len();
        let next = (end < self.items.len()).then(|| self.dropped + end as u64);
        (items, next)
    }

    pub(crate) fn snapshot(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }
}

/// `text` cut to [`MAX_RECORDED_TEXT`] bytes on a character boundary.
pub(crate) fn cut(text: String) -> String {
    if text.len() <= MAX_RECORDED_TEXT {
        return text;
    }
    let mut end = MAX_RECORDED_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_records_are_dropped_and_counted() {
        let mut history = History {
            capacity: 2,
            ..History::default()
        };
        for i in 0..5 {
            history.push(i);
        }
        assert_eq!(history.snapshot(), [3, 4]);
        // Numbered from 1 in arrival order: 1 to 3 were dropped; 4 and 5 are kept.
        assert_eq!(history.page(0, 1), (vec![3], Some(4)));
        assert_eq!(history.page(4, 10), (vec![4], None));
        assert_eq!(history.page(9, 10), (vec![], None));
        assert_eq!((history.dropped(), history.total()), (3, 5));
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let text = "é".repeat(200);
        let cut = cut(text);
        assert!(cut.len() <= MAX_RECORDED_TEXT && cut.chars().all(|c| c == 'é'));
    }
}
