//! 2-D affine maps, used to warp glyphs (rotation, scale, shear, translation) and to place shapes.

/// `(x, y) -> (a·x + b·y + c, d·x + e·y + f)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
    pub e: f32,
    pub f: f32,
}

impl Affine {
    pub const IDENTITY: Affine = Affine { a: 1.0, b: 0.0, c: 0.0, d: 0.0, e: 1.0, f: 0.0 };

    pub fn translate(x: f32, y: f32) -> Self {
        Affine { c: x, f: y, ..Self::IDENTITY }
    }
    pub fn scale(sx: f32, sy: f32) -> Self {
        Affine { a: sx, e: sy, ..Self::IDENTITY }
    }
    /// Rotation by `angle` radians (clockwise on screen, where y points down).
    pub fn rotate(angle: f32) -> Self {
        let (s, c) = angle.sin_cos();
        Affine { a: c, b: -s, d: s, e: c, ..Self::IDENTITY }
    }
    /// Horizontal shear: x moves by `k·y`, which slants upright strokes like italic handwriting.
    pub fn shear_x(k: f32) -> Self {
        Affine { b: k, ..Self::IDENTITY }
    }
    /// `self` applied after `first`.
    pub fn after(&self, first: &Affine) -> Affine {
        Affine {
            a: self.a * first.a + self.b * first.d,
            b: self.a * first.b + self.b * first.e,
            c: self.a * first.c + self.b * first.f + self.c,
            d: self.d * first.a + self.e * first.d,
            e: self.d * first.b + self.e * first.e,
            f: self.d * first.c + self.e * first.f + self.f,
        }
    }
    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_agrees_with_pointwise_application() {
        let m = Affine::translate(3.0, -1.0).after(&Affine::rotate(0.4).after(&Affine::shear_x(0.3).after(&Affine::scale(2.0, 0.5))));
        let p = (1.5, -2.0);
        let direct = Affine::translate(3.0, -1.0).apply(Affine::rotate(0.4).apply(Affine::shear_x(0.3).apply(Affine::scale(2.0, 0.5).apply(p))));
        let q = m.apply(p);
        assert!((q.0 - direct.0).abs() < 1e-5 && (q.1 - direct.1).abs() < 1e-5);
    }
}
