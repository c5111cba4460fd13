//! The one error type of the metrics: bad input described in words, never a panic.

/// What is wrong with the input of a metric.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// Two inputs that must pair up element by element have different lengths.
    #[error("{what}: length mismatch, {left} vs {right}")]
    LengthMismatch {
        what: &'static str,
        left: usize,
        right: usize,
    },
    /// A metric was asked about zero elements.
    #[error("{what}: empty input")]
    Empty { what: &'static str },
    /// Any other invalid argument (shape, range, non-finite value).
    #[error("{what}: {why}")]
    Invalid { what: &'static str, why: String },
}

impl MetricError {
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        MetricError::Invalid {
            what,
            why: why.into(),
        }
    }
}

/// Checks that two paired inputs have the same, non-zero length.
pub(crate) fn check_pair<A, B>(what: &'static str, a: &[A], b: &[B]) -> Result<usize, MetricError> {
    if a.len() != b.len() {
        return Err(MetricError::LengthMismatch {
            what,
            left: a.len(),
            right: b.len(),
        });
    }
    if a.is_empty() {
        return Err(MetricError::Empty { what });
    }
    Ok(a.len())
}
