//! What the simulator reports to Prometheus: `clever_kyc_mock_submissions_total{outcome}`
//! and `clever_kyc_mock_deliveries_total{result}`.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, &'static str)>;

/// The simulator's counters; clones count into the same series.
#[derive(Debug, Clone, Default)]
pub struct MockMetrics {
    submissions: Family<Labels, Counter>,
    deliveries: Family<Labels, Counter>,
}

impl MockMetrics {
    /// Adds the counters to `registry` under their fixed names.
    pub fn register(&self, registry: &mut Registry) {
        // Every series from the start, at 0.
        for outcome in ["accepted", "refused"] {
            drop(self.submissions.get_or_create(&vec![("outcome", outcome)]));
        }
        for result in ["delivered", "failed"] {
            drop(self.deliveries.get_or_create(&vec![("result", result)]));
        }
        registry.register(
            "clever_kyc_mock_submissions",
            "Submissions answered, by outcome: accepted or refused",
            self.submissions.clone(),
        );
        registry.register(
            "clever_kyc_mock_deliveries",
            "Callback delivery attempts, by result: delivered (2xx) or failed",
            self.deliveries.clone(),
        );
    }

    pub(crate) fn submission(&self, accepted: bool) {
        let outcome = if accepted { "accepted" } else { "refused" };
        self.submissions
            .get_or_create(&vec![("outcome", outcome)])
            .inc();
    }

    pub(crate) fn delivery(&self, delivered: bool) {
        let result = if delivered { "delivered" } else { "failed" };
        self.deliveries
            .get_or_create(&vec![("result", result)])
            .inc();
    }
}
