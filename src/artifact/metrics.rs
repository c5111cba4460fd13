//! One measured number of an evaluation stage.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// The metric's name (`accuracy`, `nmi`, `ssim`, ...).
    pub metric: String,
    pub value: f64,
    /// A position along a curve (the predicted frame t for video metrics), when the metric is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
}

impl MetricValue {
    pub fn new(metric: impl Into<String>, value: f64) -> Self {
        Self { metric: metric.into(), value, step: None }
    }
    pub fn at(metric: impl Into<String>, step: u64, value: f64) -> Self {
        Self { metric: metric.into(), value, step: Some(step) }
    }
}
