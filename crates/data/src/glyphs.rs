//! The pen strokes of the ten digits, with the variants people write (a 1 with or without a flag
//! and base, a 7 with or without a bar, an open or closed 4, ...). Coordinates are in a unit-height
//! box, x to the right and y down; the generator warps and renders them.

/// One pen stroke: a polyline, dense enough on curves to look smooth after warping.
pub type Stroke = Vec<(f32, f32)>;

/// How many variants digit `d` has.
pub fn variants(d: usize) -> usize {
    match d {
        0 => 2,
        1 => 3,
        2 => 2,
        3 => 2,
        4 => 2,
        5 => 2,
        6 => 2,
        7 => 3,
        8 => 2,
        9 => 2,
        _ => 0,
    }
}

/// The strokes of digit `d` (0..=9), variant `v` (< `variants(d)`).
pub fn glyph(d: usize, v: usize) -> Vec<Stroke> {
    match (d, v) {
        (0, 0) => vec![Pen::at_arc(0.5, 0.5, 0.27, 0.46, 265.0).arc(0.5, 0.5, 0.27, 0.46, 265.0, 630.0).done()],
        // Started at the top right and carried past the start, leaving a small overlap.
        (0, _) => vec![Pen::at_arc(0.5, 0.5, 0.24, 0.46, 300.0).arc(0.5, 0.5, 0.24, 0.46, 300.0, -85.0).done()],
        (1, 0) => vec![Pen::at(0.5, 0.0).line_to(0.5, 1.0).done()],
        (1, 1) => vec![Pen::at(0.3, 0.22).line_to(0.5, 0.0).line_to(0.5, 1.0).done()],
        (1, _) => vec![Pen::at(0.3, 0.2).line_to(0.5, 0.0).line_to(0.5, 1.0).done(), Pen::at(0.28, 1.0).line_to(0.72, 1.0).done()],
        (2, 0) => vec![Pen::at_arc(0.5, 0.28, 0.27, 0.26, 200.0)
            .arc(0.5, 0.28, 0.27, 0.26, 200.0, 375.0)
            .cubic((0.72, 0.55), (0.4, 0.8), (0.2, 0.98))
            .line_to(0.82, 0.98)
            .done()],
        // The curly 2 with a loop at the bottom left.
        (2, _) => vec![Pen::at_arc(0.5, 0.28, 0.26, 0.26, 205.0)
            .arc(0.5, 0.28, 0.26, 0.26, 205.0, 370.0)
            .cubic((0.7, 0.6), (0.45, 0.75), (0.26, 0.92))
            .cubic((0.15, 1.02), (0.28, 1.04), (0.38, 0.9))
            .cubic((0.5, 0.8), (0.6, 1.0), (0.84, 0.95))
            .done()],
        (3, 0) => vec![Pen::at_arc(0.48, 0.26, 0.25, 0.23, 205.0)
            .arc(0.48, 0.26, 0.25, 0.23, 205.0, 440.0)
            .line_to(0.4, 0.5)
            .arc(0.47, 0.73, 0.29, 0.26, 255.0, 520.0)
            .done()],
        // The flat-topped 3.
        (3, _) => vec![Pen::at(0.22, 0.0)
            .line_to(0.76, 0.0)
            .line_to(0.42, 0.4)
            .arc(0.47, 0.7, 0.3, 0.29, 260.0, 515.0)
            .done()],
        // Closed 4: the diagonal meets the stem at the top.
        (4, 0) => vec![Pen::at(0.66, 1.0).line_to(0.66, 0.0).line_to(0.14, 0.68).line_to(0.86, 0.68).done()],
        // Open 4: a separate short left stroke and a full-height stem.
        (4, _) => vec![Pen::at(0.24, 0.0).line_to(0.2, 0.6).line_to(0.84, 0.6).done(), Pen::at(0.68, 0.05).line_to(0.68, 1.0).done()],
        (5, 0) => vec![
            Pen::at(0.29, 0.02).line_to(0.25, 0.46).arc(0.48, 0.69, 0.3, 0.29, 228.0, 500.0).done(),
            Pen::at(0.29, 0.02).line_to(0.78, 0.0).done(),
        ],
        // One continuous stroke, with a flatter, more angular bowl.
        (5, _) => vec![Pen::at(0.8, 0.0)
            .line_to(0.3, 0.02)
            .line_to(0.24, 0.44)
            .cubic((0.55, 0.32), (0.82, 0.5), (0.78, 0.74))
            .cubic((0.74, 0.98), (0.4, 1.05), (0.18, 0.88))
            .done()],
        (6, 0) => vec![Pen::at(0.7, 0.02)
            .cubic((0.42, 0.1), (0.2, 0.4), (0.22, 0.72))
            .arc(0.48, 0.72, 0.26, 0.26, 180.0, -180.0)
            .done()],
        (6, _) => vec![Pen::at(0.66, 0.0).line_to(0.26, 0.6).arc(0.48, 0.74, 0.24, 0.24, 210.0, -150.0).done()],
        (7, 0) => vec![Pen::at(0.18, 0.02).line_to(0.82, 0.02).line_to(0.42, 1.0).done()],
        (7, 1) => vec![Pen::at(0.18, 0.02).line_to(0.82, 0.02).line_to(0.42, 1.0).done(), Pen::at(0.38, 0.52).line_to(0.8, 0.5).done()],
        (7, _) => vec![Pen::at(0.16, 0.16)
            .line_to(0.18, 0.02)
            .line_to(0.82, 0.02)
            .cubic((0.62, 0.35), (0.5, 0.65), (0.46, 1.0))
            .done()],
        (8, 0) => vec![
            Pen::at_arc(0.5, 0.26, 0.22, 0.23, 90.0).arc(0.5, 0.26, 0.22, 0.23, 90.0, 450.0).done(),
            Pen::at_arc(0.5, 0.73, 0.27, 0.26, 270.0).arc(0.5, 0.73, 0.27, 0.26, 270.0, 630.0).done(),
        ],
        // One stroke whose two crossing diagonals make the waist.
        (8, _) => vec![Pen::at_arc(0.5, 0.26, 0.22, 0.23, 125.0)
            .arc(0.5, 0.26, 0.22, 0.23, 125.0, 405.0)
            .arc(0.5, 0.73, 0.27, 0.26, 235.0, -55.0)
            .line_to_arc(0.5, 0.26, 0.22, 0.23, 125.0)
            .done()],
        (9, 0) => vec![Pen::at_arc(0.47, 0.28, 0.25, 0.26, 10.0)
            .arc(0.47, 0.28, 0.25, 0.26, 10.0, -350.0)
            .line_to(0.7, 1.0)
            .done()],
        (9, _) => vec![Pen::at_arc(0.47, 0.28, 0.25, 0.26, 10.0)
            .arc(0.47, 0.28, 0.25, 0.26, 10.0, -350.0)
            .cubic((0.74, 0.6), (0.65, 0.92), (0.38, 0.98))
            .done()],
        _ => Vec::new(),
    }
}

/// A polyline builder: straight lines, elliptic arcs and cubic Béziers, each continuing from the
/// last point.
struct Pen {
    points: Stroke,
}

fn arc_point(cx: f32, cy: f32, rx: f32, ry: f32, deg: f32) -> (f32, f32) {
    let a = deg.to_radians();
    (cx + rx * a.cos(), cy + ry * a.sin())
}

impl Pen {
    fn at(x: f32, y: f32) -> Self {
        Pen { points: vec![(x, y)] }
    }
    /// Starts on the ellipse at angle `deg` (0 = right, 90 = down).
    fn at_arc(cx: f32, cy: f32, rx: f32, ry: f32, deg: f32) -> Self {
        Pen { points: vec![arc_point(cx, cy, rx, ry, deg)] }
    }
    fn line_to(mut self, x: f32, y: f32) -> Self {
        self.points.push((x, y));
        self
    }
    fn line_to_arc(self, cx: f32, cy: f32, rx: f32, ry: f32, deg: f32) -> Self {
        let (x, y) = arc_point(cx, cy, rx, ry, deg);
        self.line_to(x, y)
    }
    /// Follows the ellipse from angle `from` to `to` (degrees; either direction).
    fn arc(mut self, cx: f32, cy: f32, rx: f32, ry: f32, from: f32, to: f32) -> Self {
        let steps = ((to - from).abs() / 8.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let deg = from + (to - from) * i as f32 / steps as f32;
            self.points.push(arc_point(cx, cy, rx, ry, deg));
        }
        self
    }
    fn cubic(mut self, c1: (f32, f32), c2: (f32, f32), end: (f32, f32)) -> Self {
        let p0 = *self.points.last().expect("a pen always has a start point");
        const STEPS: usize = 12;
        for i in 1..=STEPS {
            let t = i as f32 / STEPS as f32;
            let u = 1.0 - t;
            let (w0, w1, w2, w3) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            self.points.push((
                w0 * p0.0 + w1 * c1.0 + w2 * c2.0 + w3 * end.0,
                w0 * p0.1 + w1 * c1.1 + w2 * c2.1 + w3 * end.1,
            ));
        }
        self
    }
    fn done(self) -> Stroke {
        self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_ink_inside_the_unit_box() {
        for d in 0..10 {
            assert!(variants(d) >= 2, "digit {d} has several variants");
            for v in 0..variants(d) {
                let g = glyph(d, v);
                assert!(!g.is_empty(), "{d}/{v}");
                for s in &g {
                    assert!(s.len() >= 2, "{d}/{v}");
                    for &(x, y) in s {
                        assert!((-0.1..=1.1).contains(&x) && (-0.1..=1.1).contains(&y), "{d}/{v}: ({x}, {y})");
                    }
                }
            }
        }
    }
}
