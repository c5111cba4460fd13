//! k×k / stride-k max-pooling (floor mode) on the CPU with an exact backward: each window's
//! gradient goes to its first maximum, as in PyTorch. Replaces candle 0.11's pool backward, which
//! scales gradients by (number of maxima)/k² and misroutes them on sides that are not a multiple
//! of k (see [`crate::ops::max_pool2d`]). The window helpers also serve the pooling fused into
//! [`super::conv::Conv2d`].

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::float::{by_dtype, contiguous, with_data, Float};
use super::simd::multiversion;

/// Forward op; its backward recomputes each window's maximum from the input.
pub(crate) struct MaxPool {
    pub k: usize,
}

multiversion! {
    /// For each k×k window of an `h × w` plane: its maximum into `out` and, when `arg` is given,
    /// the maximum's offset `dy·k + dx` within the window (the first one on ties). Written with
    /// selects rather than branches: on real activations which element wins is unpredictable,
    /// and mispredicted branches made the pool cost as much as the convolution before it.
    pub(crate) fn pool_plane<T: Float>(plane: &[T], w: usize, k: usize, out: &mut [T], arg: Option<&mut [u8]>) {
        let wo = w / k;
        if wo == 0 {
            return;
        }
        let mut arg = arg;
        for (oy, orow) in out.chunks_exact_mut(wo).enumerate() {
            let rows = &plane[oy * k * w..(oy * k + k - 1) * w + wo * k];
            let mut arow = arg.as_deref_mut().map(|a| &mut a[oy * wo..(oy + 1) * wo]);
            if k == 2 {
                let (r0, r1) = (&rows[..2 * wo], &rows[w..w + 2 * wo]);
                // First maximum of (a, b), of (c, d), then of the two: the same winner as a
                // scan in order a, b, c, d with strict comparisons. Separate loops with and
                // without offsets, free of bounds checks, so both vectorise.
                let pairs = r0.chunks_exact(2).zip(r1.chunks_exact(2));
                match arow.as_deref_mut() {
                    Some(ar) => {
                        for ((o, at), (top, bottom)) in orow.iter_mut().zip(ar.iter_mut()).zip(pairs) {
                            let (a, b, c, d) = (top[0], top[1], bottom[0], bottom[1]);
                            let (m1, i1) = if b > a { (b, 1u8) } else { (a, 0u8) };
                            let (m2, i2) = if d > c { (d, 3u8) } else { (c, 2u8) };
                            let up = m2 > m1;
                            *o = if up { m2 } else { m1 };
                            *at = if up { i2 } else { i1 };
                        }
                    }
                    None => {
                        for (o, (top, bottom)) in orow.iter_mut().zip(pairs) {
                            let (a, b, c, d) = (top[0], top[1], bottom[0], bottom[1]);
                            let m1 = if b > a { b } else { a };
                            let m2 = if d > c { d } else { c };
                            *o = if m2 > m1 { m2 } else { m1 };
                        }
                    }
                }
                continue;
            }
            for ox in 0..wo {
                let (mut best, mut at) = (rows[ox * k], 0u8);
                for dy in 0..k {
                    for dx in 0..k {
                        let x = rows[dy * w + ox * k + dx];
                        let better = x > best;
                        best = if better { x } else { best };
                        at = if better { (dy * k + dx) as u8 } else { at };
                    }
                }
                orow[ox] = best;
                if let Some(ar) = arow.as_deref_mut() {
                    ar[ox] = at;
                }
            }
        }
    }
}

multiversion! {
    /// The input gradient of one `h × w` plane from its pooled gradient: each window's maximum
    /// gets its cell's gradient, every other element 0 (`grad_in` is overwritten). With `mask`,
    /// cell `o` passes its gradient on only where `mask[o] > 0` (the pooled output of a ReLU).
    /// Returns the sum of the gradients passed on (a bias gradient).
    pub(crate) fn unpool_plane<T: Float>(grad: &[T], arg: &[u8], h: usize, w: usize, k: usize, grad_in: &mut [T], mask: Option<&[T]>) -> T {
        let (ho, wo) = (h / k, w / k);
        let zero = std::hint::black_box(T::ZERO);
        let mut sum = T::ZERO;
        if k == 2 && wo > 0 {
            // Every element of the covered rows is written once, so nothing is cleared first.
            for (oy, (grow, arow)) in grad.chunks_exact(wo).zip(arg.chunks_exact(wo)).enumerate().take(ho) {
                let (top, bottom) = grad_in[2 * oy * w..(2 * oy + 2) * w].split_at_mut(w);
                let mrow = mask.map(|m| &m[oy * wo..(oy + 1) * wo]);
                unpool2_row(&grow[..wo], &arow[..wo], mrow, &mut top[..2 * wo], &mut bottom[..2 * wo]);
                sum += masked_sum(grow, mrow);
                if w > 2 * wo {
                    top[2 * wo..].fill(zero);
                    bottom[2 * wo..].fill(zero);
                }
            }
            grad_in[2 * ho * w..].fill(zero);
            return sum;
        }
        grad_in.fill(zero);
        if wo == 0 {
            return sum;
        }
        // Offset of each in-window position from the window's corner; a table instead of a
        // division and a remainder by the (run-time) window size per element.
        let mut offset = [0usize; 256];
        for (a, o) in offset.iter_mut().enumerate().take(k * k) {
            *o = (a / k) * w + a % k;
        }
        for (oy, (grow, arow)) in grad.chunks_exact(wo).zip(arg.chunks_exact(wo)).enumerate().take(ho) {
            let row = oy * k * w;
            let mrow = mask.map(|m| &m[oy * wo..(oy + 1) * wo]);
            for (ox, (&g, &a)) in grow.iter().zip(arow).enumerate() {
                let g = if mrow.is_none_or(|m| m[ox] > zero) { g } else { zero };
                sum += g;
                grad_in[row + ox * k + offset[a as usize]] += g;
            }
        }
        sum
    }
}

/// One row of 2×2 windows: cell `ox`'s gradient (0 where `mask` ≤ 0) goes to `top[2·ox + a]` for
/// argmax `a` = 0, 1 or `bottom[2·ox + a − 2]` for 2, 3; every other element gets 0. Eight cells
/// at a time through fixed-size arrays, which the compiler turns into vector selects and
/// shuffles; indexing the rows directly left a scalar loop that cost as much as the products
/// around it on a first layer's 32×32 maps.
#[inline(always)]
fn unpool2_row<T: Float>(g: &[T], a: &[u8], mask: Option<&[T]>, top: &mut [T], bottom: &mut [T]) {
    const L: usize = 8;
    let masked = |i: usize| match mask {
        Some(m) if m[i] <= T::ZERO => T::ZERO,
        _ => g[i],
    };
    let full = g.len() / L * L;
    for c in (0..full).step_by(L) {
        let mut gv = [T::ZERO; L];
        gv.copy_from_slice(&g[c..c + L]);
        if let Some(m) = mask {
            let m = &m[c..c + L];
            for i in 0..L {
                gv[i] = if m[i] > T::ZERO { gv[i] } else { T::ZERO };
            }
        }
        let mut av = [0u8; L];
        av.copy_from_slice(&a[c..c + L]);
        let (t, b) = (&mut top[2 * c..2 * c + 2 * L], &mut bottom[2 * c..2 * c + 2 * L]);
        for i in 0..2 * L {
            let (v, at) = (gv[i / 2], av[i / 2] as usize);
            t[i] = if at == (i & 1) { v } else { T::ZERO };
            b[i] = if at == (i & 1) + 2 { v } else { T::ZERO };
        }
    }
    for ox in full..g.len() {
        let (v, at) = (masked(ox), a[ox] as usize);
        for dx in 0..2 {
            top[2 * ox + dx] = if at == dx { v } else { T::ZERO };
            bottom[2 * ox + dx] = if at == dx + 2 { v } else { T::ZERO };
        }
    }
}

/// `Σ g[i]` over the `i` with `mask[i] > 0`, or over all `i` without a mask. Eight partial
/// sums, so the adds vectorise (a single running sum is a serial chain).
#[inline(always)]
fn masked_sum<T: Float>(g: &[T], mask: Option<&[T]>) -> T {
    let mut part = [T::ZERO; 8];
    let mut gc = g.chunks_exact(8);
    let mut s = T::ZERO;
    match mask {
        Some(mask) => {
            let mut mc = mask.chunks_exact(8);
            for (g8, m8) in (&mut gc).zip(&mut mc) {
                for i in 0..8 {
                    part[i] += if m8[i] > T::ZERO { g8[i] } else { T::ZERO };
                }
            }
            for (&g, &m) in gc.remainder().iter().zip(mc.remainder()) {
                s += if m > T::ZERO { g } else { T::ZERO };
            }
        }
        None => {
            for g8 in &mut gc {
                for i in 0..8 {
                    part[i] += g8[i];
                }
            }
            for &g in gc.remainder() {
                s += g;
            }
        }
    }
    for p in part {
        s += p;
    }
    s
}

fn forward<T: Float>(x: &[T], (_, _, h, w): (usize, usize, usize, usize), k: usize) -> Vec<T> {
    let per = (h / k) * (w / k);
    let mut out = vec![T::ZERO; x.len() / (h * w).max(1) * per];
    if per > 0 {
        out.par_chunks_mut(per).zip(x.par_chunks(h * w)).for_each(|(o, plane)| pool_plane(plane, w, k, o, None));
    }
    out
}

fn backward<T: Float>(x: &[T], g: &[T], (_, _, h, w): (usize, usize, usize, usize), k: usize) -> Vec<T> {
    let per = (h / k) * (w / k);
    let mut dx = vec![T::ZERO; x.len()];
    if per > 0 {
        dx.par_chunks_mut(h * w).zip(x.par_chunks(h * w)).zip(g.par_chunks(per)).for_each(|((d, plane), gp)| {
            let (mut vals, mut arg) = (vec![T::ZERO; per], vec![0u8; per]);
            pool_plane(plane, w, k, &mut vals, Some(&mut arg));
            unpool_plane(gp, &arg, h, w, k, d, None);
        });
    }
    dx
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool2d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = layout.shape().dims4()?;
        let (n, c, h, w) = dims;
        let shape = Shape::from((n, c, h / self.k, w / self.k));
        let out = by_dtype!(candle_core::backend::BackendStorage::dtype(storage), self.name(), |T| T::storage(forward(contiguous::<T>(storage, layout, self.name())?, dims, self.k)));
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let g = grad_res.contiguous()?;
        let dims = arg.dims4()?;
        let name = "max-pool2d backward";
        let dx = by_dtype!(arg.dtype(), name, |T| {
            with_data::<T, _>(arg, name, |x| with_data(&g, name, |g| Tensor::from_vec(backward(x, g, dims, self.k), dims, arg.device())))?
        });
        Ok(Some(dx))
    }
}
