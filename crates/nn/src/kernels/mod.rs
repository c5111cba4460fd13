//! Hand-written CPU kernels, as candle custom ops, for the primitives where candle's own are
//! wrong or far too slow. [`crate::ops`] decides when to use them; other devices keep candle's.

pub(crate) mod max_pool;
