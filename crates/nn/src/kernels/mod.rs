//! Hand-written CPU kernels, as candle custom ops, for the primitives where candle's own are
//! wrong or far too slow: convolution and transposed convolution (im2col + `gemm`, with bias,
//! ReLU and pooling fused), dense layers, max- and average-pooling, and Adam's update as one loop. Each op computes only the
//! gradients of operands that track one. [`crate::ops`] decides when to use them; other devices
//! and dtypes keep candle's.

pub(crate) mod adam;
pub(crate) mod avg_pool;
mod batch;
pub(crate) mod conv;
pub(crate) mod conv_transpose;
mod epilogue;
pub(crate) mod float;
mod im2col;
pub(crate) mod linear;
mod matmul;
pub(crate) mod max_pool;
mod scratch;
mod simd;

#[cfg(test)]
mod tests;
