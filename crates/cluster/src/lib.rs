//! Clustering on candle tensors for `pipeline`.
