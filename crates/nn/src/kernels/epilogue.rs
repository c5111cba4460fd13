//! The element-wise work fused onto a matrix product while its result is still in cache: bias
//! and ReLU on the way forward, the ReLU mask and the bias gradient on the way back.

use super::float::Float;
use super::simd::multiversion;

multiversion! {
    /// Adds `bias[c]` to plane `c` of `planes` (channel-major, `bias.len()` planes) and applies
    /// ReLU when asked.
    pub(crate) fn bias_relu_planes<T: Float>(planes: &mut [T], bias: Option<&[T]>, relu: bool) {
        match bias {
            None if relu => relu_in_place(planes),
            None => {}
            Some(bias) => {
                let per = planes.len() / bias.len().max(1);
                for (plane, &b) in planes.chunks_exact_mut(per.max(1)).zip(bias) {
                    if relu {
                        for v in plane.iter_mut() {
                            let s = *v + b;
                            *v = if s < T::ZERO { T::ZERO } else { s };
                        }
                    } else {
                        for v in plane.iter_mut() {
                            *v += b;
                        }
                    }
                }
            }
        }
    }
}

multiversion! {
    /// Adds `bias[j]` to column `j` of each row and applies ReLU when asked.
    pub(crate) fn bias_relu_rows<T: Float>(rows: &mut [T], bias: Option<&[T]>, relu: bool, cols: usize) {
        match bias {
            None if relu => relu_in_place(rows),
            None => {}
            Some(bias) => {
                for row in rows.chunks_exact_mut(cols) {
                    for (v, &b) in row.iter_mut().zip(bias) {
                        let s = *v + b;
                        *v = if relu && s < T::ZERO { T::ZERO } else { s };
                    }
                }
            }
        }
    }
}

#[inline(always)]
fn relu_in_place<T: Float>(v: &mut [T]) {
    for x in v {
        *x = if *x < T::ZERO { T::ZERO } else { *x };
    }
}

multiversion! {
    /// `out = grad` where the ReLU's output `y` is positive, else 0 (PyTorch's convention at 0).
    pub(crate) fn relu_grad<T: Float>(grad: &[T], y: &[T], out: &mut [T]) {
        for ((o, &g), &y) in out.iter_mut().zip(grad).zip(y) {
            *o = if y > T::ZERO { g } else { T::ZERO };
        }
    }
}

multiversion! {
    /// `acc[c] += Σ plane c` over channel-major planes.
    pub(crate) fn add_plane_sums<T: Float>(planes: &[T], acc: &mut [T]) {
        let per = planes.len() / acc.len().max(1);
        for (plane, a) in planes.chunks_exact(per.max(1)).zip(acc.iter_mut()) {
            // Eight partial sums so the adds can run in parallel lanes.
            let mut part = [T::ZERO; 8];
            let mut chunks = plane.chunks_exact(8);
            for c in &mut chunks {
                for i in 0..8 {
                    part[i] += c[i];
                }
            }
            let mut s = T::ZERO;
            for v in chunks.remainder() {
                s += *v;
            }
            for p in part {
                s += p;
            }
            *a += s;
        }
    }
}
