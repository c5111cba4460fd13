//! The element-wise work fused onto a matrix product while its result is still in cache: bias
//! and ReLU on the way forward, the ReLU mask and the bias gradient on the way back.

use super::float::Float;

/// Adds `bias[c]` to plane `c` of `planes` (channel-major, `bias.len()` planes) and applies
/// ReLU when asked.
pub(crate) fn bias_relu_planes<T: Float>(planes: &mut [T], bias: Option<&[T]>, relu: bool) {
    let Some(bias) = bias else {
        if relu {
            relu_in_place(planes);
        }
        return;
    };
    let per = planes.len() / bias.len().max(1);
    for (plane, &b) in planes.chunks_exact_mut(per.max(1)).zip(bias) {
        for v in plane.iter_mut() {
            let s = *v + b;
            *v = if relu && s < T::ZERO { T::ZERO } else { s };
        }
    }
}

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

fn relu_in_place<T: Float>(v: &mut [T]) {
    for x in v {
        if *x < T::ZERO {
            *x = T::ZERO;
        }
    }
}

/// `out = grad` where the ReLU's output `y` is positive, else 0 (PyTorch's convention at 0).
pub(crate) fn relu_grad<T: Float>(grad: &[T], y: &[T], out: &mut [T]) {
    for ((o, &g), &y) in out.iter_mut().zip(grad).zip(y) {
        *o = if y > T::ZERO { g } else { T::ZERO };
    }
}

/// `acc[c] += Σ plane c` over channel-major planes.
pub(crate) fn add_plane_sums<T: Float>(planes: &[T], acc: &mut [T]) {
    let per = planes.len() / acc.len().max(1);
    for (plane, a) in planes.chunks_exact(per.max(1)).zip(acc.iter_mut()) {
        let mut s = T::ZERO;
        for &v in plane {
            s += v;
        }
        *a += s;
    }
}
