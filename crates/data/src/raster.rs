//! Anti-aliased rasterisation on a small grayscale canvas: round-capped strokes along polylines
//! (the pen of the synthetic digits) and coverage from a signed distance (the filled shapes).

/// A grayscale image of `f32` intensities in [0, 1], row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

/// Fraction of a pixel covered at signed distance `d` (pixels, negative inside) from an edge: a
/// one-pixel linear ramp, the usual cheap stand-in for box-filtered coverage.
pub fn coverage(d: f32) -> f32 {
    (0.5 - d).clamp(0.0, 1.0)
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Self {
        Canvas { width, height, pixels: vec![0.0; width * height] }
    }

    /// Draws a stroke of the given `width` (pixels) and `value` along `points` (pixel coordinates,
    /// pixel centres at `i + 0.5`), with round joins and caps; overlapping parts take the maximum,
    /// as ink does not darken where a pen crosses its own line.
    pub fn stroke(&mut self, points: &[(f32, f32)], width: f32, value: f32) {
        let r = width / 2.0;
        let single;
        let segments: &[(f32, f32)] = if points.len() == 1 {
            single = [points[0], points[0]];
            &single
        } else {
            points
        };
        for seg in segments.windows(2) {
            let (p, q) = (seg[0], seg[1]);
            let x0 = (p.0.min(q.0) - r - 1.0).floor().max(0.0) as usize;
            let y0 = (p.1.min(q.1) - r - 1.0).floor().max(0.0) as usize;
            let x1 = ((p.0.max(q.0) + r + 1.0).ceil().max(0.0) as usize).min(self.width);
            let y1 = ((p.1.max(q.1) + r + 1.0).ceil().max(0.0) as usize).min(self.height);
            for y in y0..y1 {
                for x in x0..x1 {
                    let d = segment_distance((x as f32 + 0.5, y as f32 + 0.5), p, q);
                    let v = coverage(d - r) * value;
                    let px = &mut self.pixels[y * self.width + x];
                    if v > *px {
                        *px = v;
                    }
                }
            }
        }
    }
}

/// Distance from `p` to the segment `a`–`b`.
pub fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let (apx, apy) = (p.0 - a.0, p.1 - a.1);
    let len2 = abx * abx + aby * aby;
    let t = if len2 > 0.0 { ((apx * abx + apy * aby) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (dx, dy) = (apx - t * abx, apy - t * aby);
    (dx * dx + dy * dy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stroke_coverage_matches_the_area_of_each_pixel_it_covers() {
        let mut c = Canvas::new(10, 10);
        // A 2-px horizontal stroke centred on y = 5.25 spans y in [4.25, 6.25].
        c.stroke(&[(1.0, 5.25), (9.0, 5.25)], 2.0, 1.0);
        let at = |row: usize| c.pixels[row * 10 + 5];
        assert_eq!(at(3), 0.0);
        assert!((at(4) - 0.75).abs() < 1e-6, "{}", at(4));
        assert_eq!(at(5), 1.0);
        assert!((at(6) - 0.25).abs() < 1e-6, "{}", at(6));
        assert_eq!(at(7), 0.0);
        // Points outside the canvas are clipped, not a panic.
        c.stroke(&[(-5.0, -5.0), (20.0, 30.0)], 3.0, 0.5);
    }
}
