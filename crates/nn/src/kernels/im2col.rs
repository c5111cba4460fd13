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

/// For a "same" geometry, `mask[kx·cols + q]` is 1 where output position `q` reads a pixel
/// inside the image at horizontal tap `kx` and 0 where that tap falls in the padding; empty for
/// other geometries. [`im2col`] and [`col2im`] take it so it is built once per layer call.
pub(crate) fn same_masks<T: Float>(g: &Geometry) -> Vec<T> {
    if !g.is_same() {
        return Vec::new();
    }
    let cols = g.cols();
    let mut mask = vec![T::ZERO; g.k * cols];
    for kx in 0..g.k {
        let (xlo, xhi) = g.valid(kx as isize - g.pad as isize, g.w, g.ow);
        for row in mask[kx * cols..(kx + 1) * cols].chunks_exact_mut(g.ow) {
            for (ox, m) in row.iter_mut().enumerate() {
                *m = if ox >= xlo && ox < xhi { T::ONE } else { T::ZERO };
            }
        }
    }
    mask
}

multiversion! {
    /// `col[(ch, ky, kx)][oy·ow + ox] = image[ch][oy·s + ky − p][ox·s + kx − p]`, zero outside.
    /// Row `r` of the column matrix starts at `col[r·ld]`, so several images' column matrices
    /// can sit side by side in one wider matrix (`ld` ≥ `cols()`). `masks` is [`same_masks`].
    pub(crate) fn im2col<T: Float>(g: &Geometry, masks: &[T], image: &[T], col: &mut [T], ld: usize) {
        let (cols, s, k, p) = (g.cols(), g.stride, g.k, g.pad as isize);
        assert!(image.len() == g.image() && ld >= cols && col.len() >= (g.rows().max(1) - 1) * ld + cols, "im2col: buffer sizes");
        // A zero the compiler cannot see through, so short runs of zeros stay plain (vector)
        // stores instead of becoming a `memset` call each.
        let zero = std::hint::black_box(T::ZERO);
        let masks = (!masks.is_empty()).then_some(masks);
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
                    if ylo >= yhi || xlo >= xhi {
                        for v in dst.iter_mut() {
                            *v = zero;
                        }
                        continue;
                    }
                    if let Some(masks) = masks {
                        // Output and input rows have the same length, so the row of the column
                        // matrix is the plane shifted by one offset, with the entries that
                        // wrapped around a row edge masked to zero: one vector pass.
                        let (q0, q1) = (ylo * g.ow + xlo, (yhi - 1) * g.ow + xhi);
                        let s0 = (q0 as isize + ty * g.w as isize + tx) as usize;
                        let (src, m) = (&plane[s0..s0 + (q1 - q0)], &masks[kx * cols + q0..kx * cols + q1]);
                        for v in &mut dst[..q0] {
                            *v = zero;
                        }
                        for ((d, &x), &m) in dst[q0..q1].iter_mut().zip(src).zip(m) {
                            *d = if m > zero { x } else { zero };
                        }
                        for v in &mut dst[q1..] {
                            *v = zero;
                        }
                        continue;
                    }
                    for v in &mut dst[..ylo * g.ow] {
                        *v = zero;
                    }
                    for v in &mut dst[yhi * g.ow..] {
                        *v = zero;
                    }
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
    pub(crate) fn col2im<T: Float>(g: &Geometry, masks: &[T], col: &[T], ld: usize, image: &mut [T]) {
        let (cols, s, k, p) = (g.cols(), g.stride, g.k, g.pad as isize);
        assert!(image.len() == g.image() && ld >= cols && col.len() >= (g.rows().max(1) - 1) * ld + cols, "col2im: buffer sizes");
        let masks = (!masks.is_empty()).then_some(masks);
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
                    let src = &col[row * ld..row * ld + cols];
                    if let Some(masks) = masks {
                        // As in im2col: one shifted, masked add over the whole row.
                        let (q0, q1) = (ylo * g.ow + xlo, (yhi - 1) * g.ow + xhi);
                        let s0 = (q0 as isize + ty * g.w as isize + tx) as usize;
                        let (d, m) = (&mut plane[s0..s0 + (q1 - q0)], &masks[kx * cols + q0..kx * cols + q1]);
                        for ((d, &v), &m) in d.iter_mut().zip(&src[q0..q1]).zip(m) {
                            *d += if m > T::ZERO { v } else { T::ZERO };
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
            let cm: Vec<f64> = (0..g.rows() * g.cols()).map(|i| (i as f64 * 1.3).cos()).collect();
            let mut col = vec![f64::NAN; g.rows() * g.cols()];
            let masks = same_masks::<f64>(&g);
            im2col(&g, &masks, &x, &mut col, g.cols());
            let lhs: f64 = col.iter().zip(&cm).map(|(a, b)| a * b).sum();
            let mut back = vec![0.0; g.image()];
            col2im(&g, &masks, &cm, g.cols(), &mut back);
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
