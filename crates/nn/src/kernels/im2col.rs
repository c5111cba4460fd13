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

    /// A 1×1, stride-1, unpadded convolution's column matrix is the image itself.
    pub fn is_identity(&self) -> bool {
        self.k == 1 && self.stride == 1 && self.pad == 0
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
    pub(crate) fn im2col<T: Float>(g: &Geometry, image: &[T], col: &mut [T]) {
        let (cols, s, k, p) = (g.cols(), g.stride, g.k, g.pad as isize);
        assert!(image.len() == g.image() && col.len() >= g.rows() * cols, "im2col: buffer sizes");
        for ch in 0..g.c {
            let plane = &image[ch * g.h * g.w..(ch + 1) * g.h * g.w];
            for ky in 0..k {
                let ty = ky as isize - p;
                let (ylo, yhi) = g.valid(ty, g.h, g.oh);
                for kx in 0..k {
                    let tx = kx as isize - p;
                    let (xlo, xhi) = g.valid(tx, g.w, g.ow);
                    let row = (ch * k + ky) * k + kx;
                    let dst = &mut col[row * cols..(row + 1) * cols];
                    for v in &mut dst[..ylo * g.ow] {
                        *v = T::ZERO;
                    }
                    for v in &mut dst[yhi * g.ow..] {
                        *v = T::ZERO;
                    }
                    for oy in ylo..yhi {
                        let out = &mut dst[oy * g.ow..(oy + 1) * g.ow];
                        let iy = ((oy * s) as isize + ty) as usize;
                        let src = &plane[iy * g.w..(iy + 1) * g.w];
                        for v in &mut out[..xlo] {
                            *v = T::ZERO;
                        }
                        for v in &mut out[xhi..] {
                            *v = T::ZERO;
                        }
                        let ix0 = ((xlo * s) as isize + tx) as usize;
                        if s == 1 {
                            let (o, x) = (&mut out[xlo..xhi], &src[ix0..ix0 + (xhi - xlo)]);
                            for i in 0..o.len() {
                                o[i] = x[i];
                            }
                        } else {
                            for (i, o) in out[xlo..xhi].iter_mut().enumerate() {
                                *o = src[ix0 + i * s];
                            }
                        }
                    }
                }
            }
        }
    }
}

multiversion! {
    /// The adjoint of [`im2col`]: `image[ch][iy][ix] += col[(ch, ky, kx)][oy·ow + ox]` over every
    /// tap that reads that pixel. `image` is accumulated into, not cleared.
    pub(crate) fn col2im<T: Float>(g: &Geometry, col: &[T], image: &mut [T]) {
        let (cols, s, k, p) = (g.cols(), g.stride, g.k, g.pad as isize);
        assert!(image.len() == g.image() && col.len() >= g.rows() * cols, "col2im: buffer sizes");
        for ch in 0..g.c {
            let plane = &mut image[ch * g.h * g.w..(ch + 1) * g.h * g.w];
            for ky in 0..k {
                let ty = ky as isize - p;
                let (ylo, yhi) = g.valid(ty, g.h, g.oh);
                for kx in 0..k {
                    let tx = kx as isize - p;
                    let (xlo, xhi) = g.valid(tx, g.w, g.ow);
                    if xlo >= xhi {
                        continue;
                    }
                    let row = (ch * k + ky) * k + kx;
                    let src = &col[row * cols..(row + 1) * cols];
                    for oy in ylo..yhi {
                        let iy = ((oy * s) as isize + ty) as usize;
                        let dst = &mut plane[iy * g.w..(iy + 1) * g.w];
                        let ix0 = ((xlo * s) as isize + tx) as usize;
                        let vals = &src[oy * g.ow + xlo..oy * g.ow + xhi];
                        if s == 1 {
                            let d = &mut dst[ix0..ix0 + vals.len()];
                            for i in 0..d.len() {
                                d[i] += vals[i];
                            }
                        } else {
                            for (i, &v) in vals.iter().enumerate() {
                                dst[ix0 + i * s] += v;
                            }
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
        for (c, h, w, k, s, p) in [(2, 5, 4, 3, 1, 1), (1, 7, 7, 4, 2, 1), (3, 6, 5, 2, 3, 0), (1, 3, 3, 5, 1, 2), (2, 4, 6, 1, 1, 0)] {
            let g = Geometry::new(c, h, w, k, s, p).unwrap();
            let x: Vec<f64> = (0..g.image()).map(|i| (i as f64 * 0.7).sin()).collect();
            let cm: Vec<f64> = (0..g.rows() * g.cols()).map(|i| (i as f64 * 1.3).cos()).collect();
            let mut col = vec![f64::NAN; g.rows() * g.cols()];
            im2col(&g, &x, &mut col);
            let mut back = vec![0.0; g.image()];
            col2im(&g, &cm, &mut back);
            let lhs: f64 = col.iter().zip(&cm).map(|(a, b)| a * b).sum();
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
