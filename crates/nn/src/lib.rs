//! Networks and training on candle for `pipeline`.
