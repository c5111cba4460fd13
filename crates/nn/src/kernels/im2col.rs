//! The geometry of a square-kernel convolution and the two data movements that turn it into a
//! matrix product: `im2col` lays out every receptive field as a column, `col2im` adds columns
//! back onto the image (the adjoint, used by the input gradient and by transposed convolution).

use super::float::Float;
use super::simd::multiversion;

/// A convolution of `c` channels of `h × w` with a `k × k` kernel, stride and symmetric zero
/// padding, producing `oh × ow` positions (floor mode, as PyTorch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Geometry {
    /// `None` when the kernel does not fit the padded input or the stride is 0.
    pub fn new(c: usize, h: usize, w: usize, k: usize, stride: usize, pad: usize) -> Option<Self> {
        if stride == 0 || k == 0 || h + 2 * pad < k || w + 2 * pad < k {
            return None;
        }
        let (oh, ow) = ((h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);
        Some(Geometry { c, h, w, k, stride, pad, oh, ow })
    }

    /// Rows of the column matrix: one per (channel, ky, kx).
    pub fn rows(&self) -> usize {
        self.c * self.k * self.k
    }

    /// Columns of the column matrix: one per output position.
    pub fn cols(&self) -> usize {
        self.oh * self.ow
    }

    /// Elements of one input image.
    pub fn image(&self) -> usize {
        self.c * self.h * self.w
    }

    /// Stride 1 with output rows as long as input rows ("same" padding): every row of the
    /// column matrix is then the image shifted by one offset.
    pub fn is_same(&self) -> bool {
        self.stride == 1 && self.ow == self.w
    }

    /// Output positions `o` in `[lo, hi)` along one axis for which the input index
    /// `o·stride + offset` falls inside `[0, n)`; `offset` is the kernel tap minus the padding.
    #[inline(always)]
    fn valid(&self, offset: isize, n: usize, out: usize) -> (usize, usize) {
        let s = self.stride as isize;
        let lo = if offset >= 0 { 0 } else { (-offset + s - 1) / s };
        let end = n as isize - offset;
        let hi = if end <= 0 { 0 } else { (end + s - 1) / s };
        let (lo, hi) = (lo.min(out as isize) as usize, hi.min(out as isize) as usize);
        (lo, hi.max(lo))
    }
}

multiversion! {
    /// `col[(ch, ky, kx)][oy·ow + ox] = image[ch][oy·s + ky − p][ox·s + kx − p]`, zero outside.
    /// Row `r` of the column matrix starts at `col[r·ld]`, so several images' column matrices
    /// can sit side by side in one wider matrix (`ld` ≥ `cols()`).
    pub(crate) fn im2col<T: Float>(g: &Geometry, image: &[T], col: &mut [T], ld: usize) {
        let (cols, s, k, p) = (g.cols(), g.stride, g.k, g.pad as isize);
        assert!(image.len() == g.image() && ld >= cols && col.len() >= (g.rows().max(1) - 1) * ld + cols, "im2col: buffer sizes");
        let same = g.is_same();
        // Zero the compiler cannot see through, so the one- or two-element edge runs stay
        // plain stores instead of becoming a `memset` call each.
        let zero = std::hint::black_box(T::ZERO);
        for ch in 0..g.c {
            let plane = &image[ch * g.h * g.w..(ch + 1) * g.h * g.w];
            for ky in 0..k {
                let ty = ky as isize - p;
                let (ylo, yhi) = g.valid(ty, g.h, g.oh);
                for kx in 0..k {
                    let tx = kx as isize - p;
                    let (xlo, xhi) = g.valid(tx, g.w, g.ow);
                    let row = (ch * k + ky) * k + kx;
                    let dst = &mut col[row * ld..row * ld + cols];
                    if same {
                        // Output and input rows have the same length, so the whole row of the
                        // column matrix is the plane shifted by one offset: one long copy, then
                        // zeros where the shift wrapped around a row edge.
                        if ylo >= yhi || xlo >= xhi {
                            dst.fill(T::ZERO);
                            continue;
                        }
                        let (q0, q1) = (ylo * g.ow + xlo, (yhi - 1) * g.ow + xhi);
                        let s0 = (q0 as isize + ty * g.w as isize + tx) as usize;
                        dst[q0..q1].copy_from_slice(&plane[s0..s0 + (q1 - q0)]);
                        dst[..q0].fill(T::ZERO);
                        dst[q1..].fill(T::ZERO);
                        for oy in ylo..yhi {
                            let r = &mut dst[oy * g.ow..(oy + 1) * g.ow];
                            for v in &mut r[..xlo] {
                                *v = zero;
                            }
                            for v in &mut r[xhi..] {
                                *v = zero;
                            }
                        }
                        continue;
                    }
                    dst[..ylo * g.ow].fill(T::ZERO);
                    dst[yhi * g.ow..].fill(T::ZERO);
                    for oy in ylo..yhi {
                        let out = &mut dst[oy * g.ow..(oy + 1) * g.ow];
                        let iy = ((oy * s) as isize + ty) as usize;
                        let src = &plane[iy * g.w..(iy + 1) * g.w];
                        for v in &mut out[..xlo] {
                            *v = zero;
                        }
                        for v in &mut out[xhi..] {
                            *v = zero;
                        }
                        let ix0 = ((xlo * s) as isize + tx) as usize;
                        for (i, o) in out[xlo..xhi].iter_mut().enumerate() {
                            *o = src[ix0 + i * s];
                        }
                    }
                }
            }
        }
    }
}

multiversion! {
    /// The adjoint of [`im2col`]: `image[ch][iy][ix] += col[(ch, ky, kx)][oy·ow + ox]` over every
    /// tap that reads that pixel. `image` is accumulated into, not cleared; `ld` as in [`im2col`].
    /// The entries of `col` for taps that fall in the padding are set to zero on the way.
    pub(crate) fn col2im<T: Float>(g: &Geometry, col: &mut [T], ld: usize, image: &mut [T]) {
        let (cols, s, k, p) = (g.cols(), g.stride, g.k, g.pad as isize);
        assert!(image.len() == g.image() && ld >= cols && col.len() >= (g.rows().max(1) - 1) * ld + cols, "col2im: buffer sizes");
        let same = g.is_same();
        // Zero the compiler cannot see through, so the one- or two-element edge runs stay
        // plain stores instead of becoming a `memset` call each.
        let zero = std::hint::black_box(T::ZERO);
        for ch in 0..g.c {
            let plane = &mut image[ch * g.h * g.w..(ch + 1) * g.h * g.w];
            for ky in 0..k {
                let ty = ky as isize - p;
                let (ylo, yhi) = g.valid(ty, g.h, g.oh);
                for kx in 0..k {
                    let tx = kx as isize - p;
                    let (xlo, xhi) = g.valid(tx, g.w, g.ow);
                    if xlo >= xhi || ylo >= yhi {
                        continue;
                    }
                    let row = (ch * k + ky) * k + kx;
                    let src = &mut col[row * ld..row * ld + cols];
                    if same {
                        // As in im2col: one long shifted add, after zeroing the entries that
                        // would wrap around a row edge.
                        for oy in ylo..yhi {
                            let r = &mut src[oy * g.ow..(oy + 1) * g.ow];
                            for v in &mut r[..xlo] {
                                *v = zero;
                            }
                            for v in &mut r[xhi..] {
                                *v = zero;
                            }
                        }
                        let (q0, q1) = (ylo * g.ow + xlo, (yhi - 1) * g.ow + xhi);
                        let s0 = (q0 as isize + ty * g.w as isize + tx) as usize;
                        let (d, v) = (&mut plane[s0..s0 + (q1 - q0)], &src[q0..q1]);
                        for i in 0..d.len() {
                            d[i] += v[i];
                        }
                        continue;
                    }
                    for oy in ylo..yhi {
                        let iy = ((oy * s) as isize + ty) as usize;
                        let dst = &mut plane[iy * g.w..(iy + 1) * g.w];
                        let ix0 = ((xlo * s) as isize + tx) as usize;
                        let vals = &src[oy * g.ow + xlo..oy * g.ow + xhi];
                        for (i, &v) in vals.iter().enumerate() {
                            dst[ix0 + i * s] += v;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for every geometry: the two are adjoint.
    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        let shapes = [(2, 5, 4, 3, 1, 1), (1, 7, 7, 4, 2, 1), (3, 6, 5, 2, 3, 0), (1, 3, 3, 5, 1, 2), (2, 4, 6, 1, 1, 0), (2, 9, 7, 5, 1, 2), (1, 6, 6, 3, 1, 2), (1, 2, 2, 5, 1, 2)];
        for (c, h, w, k, s, p) in shapes {
            let g = Geometry::new(c, h, w, k, s, p).unwrap();
            let x: Vec<f64> = (0..g.image()).map(|i| (i as f64 * 0.7).sin()).collect();
            let mut cm: Vec<f64> = (0..g.rows() * g.cols()).map(|i| (i as f64 * 1.3).cos()).collect();
            let mut col = vec![f64::NAN; g.rows() * g.cols()];
            im2col(&g, &x, &mut col, g.cols());
            let lhs: f64 = col.iter().zip(&cm).map(|(a, b)| a * b).sum();
            let mut back = vec![0.0; g.image()];
            col2im(&g, &mut cm, g.cols(), &mut back);
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!((lhs - rhs).abs() < 1e-9, "{g:?}: {lhs} vs {rhs}");
            // And im2col against the definition.
            for ch in 0..c {
                for ky in 0..k {
                    for kx in 0..k {
                        for oy in 0..g.oh {
                            for ox in 0..g.ow {
                                let (iy, ix) = ((oy * s + ky) as isize - p as isize, (ox * s + kx) as isize - p as isize);
                                let inside = iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w;
                                let want = if inside { x[(ch * h + iy as usize) * w + ix as usize] } else { 0.0 };
                                assert_eq!(col[((ch * k + ky) * k + kx) * g.cols() + oy * g.ow + ox], want);
                            }
                        }
                    }
                }
            }
        }
    }
}
