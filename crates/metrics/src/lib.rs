//! Evaluation metrics for `pipeline`.
