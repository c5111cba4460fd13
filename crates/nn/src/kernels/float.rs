//! The element types the CPU kernels run on (f32 and f64), and moving their data in and out of
//! candle's CPU storage.

use std::ops::{Add, AddAssign, Div, Mul, Sub};

use candle_core::{CpuStorage, Layout, Result, Storage, Tensor};

/// An element type with a `gemm` kernel and the arithmetic the kernels need.
pub(crate) trait Float:
    candle_core::WithDType
    + Copy
    + Send
    + Sync
    + 'static
    + PartialOrd
    + Default
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + super::scratch::Pooled
{
    const ZERO: Self;
    const ONE: Self;
    fn sqrt(self) -> Self;
    fn slice(storage: &CpuStorage) -> Option<&[Self]>;
    fn storage(v: Vec<Self>) -> CpuStorage;
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn slice(storage: &CpuStorage) -> Option<&[Self]> {
        match storage {
            CpuStorage::F32(v) => Some(v),
            _ => None,
        }
    }
    fn storage(v: Vec<Self>) -> CpuStorage {
        CpuStorage::F32(v)
    }
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline(always)]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn slice(storage: &CpuStorage) -> Option<&[Self]> {
        match storage {
            CpuStorage::F64(v) => Some(v),
            _ => None,
        }
    }
    fn storage(v: Vec<Self>) -> CpuStorage {
        CpuStorage::F64(v)
    }
}

/// The elements of a contiguous tensor's storage (an offset view is fine; a strided one is not:
/// [`crate::ops`] makes inputs contiguous before calling a kernel).
pub(crate) fn contiguous<'a, T: Float>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [T]> {
    let data = T::slice(storage).ok_or_else(|| candle_core::Error::Msg(format!("{op}: mixed or unsupported dtypes")))?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{op}: the input must be contiguous"),
    }
}

/// Runs `f` on the contiguous elements of CPU tensors (inside a backward pass, where the
/// operands are tensors rather than storages).
pub(crate) fn with_data<T: Float, R>(t: &Tensor, op: &str, f: impl FnOnce(&[T]) -> Result<R>) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(s) => f(contiguous(s, layout, op)?),
        _ => candle_core::bail!("{op}: the CPU kernel got a tensor on another device"),
    }
}

/// Evaluates `$body` with `$T` bound to the Rust type of a candle dtype (f32 or f64).
macro_rules! by_dtype {
    ($dtype:expr, $op:expr, |$T:ident| $body:expr) => {
        match $dtype {
            candle_core::DType::F32 => {
                type $T = f32;
                $body
            }
            candle_core::DType::F64 => {
                type $T = f64;
                $body
            }
            other => candle_core::bail!("{}: unsupported dtype {:?}", $op, other),
        }
    };
}
pub(crate) use by_dtype;
