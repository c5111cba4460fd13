//! Scratch buffers reused across calls on each thread. The kernels' column matrices and
//! gradient buffers are large (up to a few MiB) and needed on every call; allocating them
//! afresh zero-fills them and, past glibc's mmap threshold, faults every page in again.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use super::float::Float;

/// Buffers a thread keeps between calls; a few per kernel in flight are enough.
const KEEP: usize = 6;

thread_local! {
    static F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
    static F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// Access to this thread's pool of buffers of one element type.
pub(crate) trait Pooled: Sized + 'static {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R;
}

impl Pooled for f32 {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R {
        F32.with(|p| f(&mut p.borrow_mut()))
    }
}

impl Pooled for f64 {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R {
        F64.with(|p| f(&mut p.borrow_mut()))
    }
}

/// `len` elements whose values are left over from earlier use (initialised, but arbitrary):
/// for buffers the kernel overwrites before reading. Goes back to the thread's pool on drop.
pub(crate) struct Scratch<T: Float> {
    buf: Vec<T>,
    len: usize,
}

impl<T: Float> Scratch<T> {
    pub fn new(len: usize) -> Self {
        // The largest pooled buffer, so a small one is not grown while a big one waits.
        let mut buf = T::with_pool(|p| {
            let i = (0..p.len()).max_by_key(|&i| p[i].len())?;
            Some(p.swap_remove(i))
        })
        .unwrap_or_default();
        if buf.len() < len {
            buf.resize(len, T::ZERO);
        }
        Scratch { buf, len }
    }
}

impl<T: Float> Drop for Scratch<T> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        T::with_pool(|p| {
            if p.len() < KEEP {
                p.push(buf);
            }
        });
    }
}

impl<T: Float> Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[..self.len]
    }
}

impl<T: Float> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[..self.len]
    }
}
