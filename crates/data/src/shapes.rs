//! The shape classes of `color-shapes` as signed distance functions in a unit frame (the shape
//! spans roughly [-1, 1]², negative inside), so they can be rotated, scaled and anti-aliased.

use std::f32::consts::{PI, TAU};
use std::sync::OnceLock;

/// The classes, in label order.
pub const SHAPES: [&str; 8] = ["circle", "square", "triangle", "cross", "ring", "star", "crescent", "heart"];

/// Signed distance from `p` to shape `class` (index into [`SHAPES`]), in unit-frame units.
pub fn distance(class: usize, p: (f32, f32)) -> f32 {
    match class {
        0 => len(p) - 1.0,
        1 => rect(p, 0.82, 0.82),
        2 => polygon(p, &polygons().triangle),
        3 => rect(p, 1.0, 0.32).min(rect(p, 0.32, 1.0)),
        4 => (len(p) - 0.72).abs() - 0.28,
        5 => polygon(p, &polygons().star),
        // A disc with an offset disc cut out of it.
        6 => (len(p) - 1.0).max(-(len((p.0 - 0.5, p.1 + 0.1)) - 0.8)),
        7 => polygon(p, &polygons().heart),
        _ => f32::MAX,
    }
}

fn len((x, y): (f32, f32)) -> f32 {
    (x * x + y * y).sqrt()
}

/// Axis-aligned rectangle with half-sides `bx`, `by`.
fn rect((x, y): (f32, f32), bx: f32, by: f32) -> f32 {
    let (qx, qy) = (x.abs() - bx, y.abs() - by);
    len((qx.max(0.0), qy.max(0.0))) + qx.max(qy).min(0.0)
}

/// Signed distance to a simple polygon (Quílez's winding-number formulation).
fn polygon(p: (f32, f32), v: &[(f32, f32)]) -> f32 {
    let mut d = f32::MAX;
    let mut inside = false;
    let mut j = v.len() - 1;
    for i in 0..v.len() {
        let (a, b) = (v[j], v[i]);
        let (ex, ey) = (a.0 - b.0, a.1 - b.1);
        let (wx, wy) = (p.0 - b.0, p.1 - b.1);
        let t = ((wx * ex + wy * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0);
        let (dx, dy) = (wx - ex * t, wy - ey * t);
        d = d.min(dx * dx + dy * dy);
        if (b.1 > p.1) != (a.1 > p.1) && p.0 < (a.0 - b.0) * (p.1 - b.1) / (a.1 - b.1) + b.0 {
            inside = !inside;
        }
        j = i;
    }
    if inside {
        -d.sqrt()
    } else {
        d.sqrt()
    }
}

struct Polygons {
    triangle: Vec<(f32, f32)>,
    star: Vec<(f32, f32)>,
    heart: Vec<(f32, f32)>,
}

fn polygons() -> &'static Polygons {
    static P: OnceLock<Polygons> = OnceLock::new();
    P.get_or_init(|| {
        // Pointing up (y down), centred on its centroid.
        let triangle = (0..3).map(|i| polar(1.15, -PI / 2.0 + i as f32 * TAU / 3.0)).map(|(x, y)| (x, y + 0.1)).collect();
        let star = (0..10).map(|i| polar(if i % 2 == 0 { 1.1 } else { 0.45 }, -PI / 2.0 + i as f32 * PI / 5.0)).collect();
        // The classic parametric heart, scaled into the unit frame, point down.
        let heart = (0..64)
            .map(|i| {
                let t = i as f32 * TAU / 64.0;
                let x = 16.0 * t.sin().powi(3);
                let y = 13.0 * t.cos() - 5.0 * (2.0 * t).cos() - 2.0 * (3.0 * t).cos() - (4.0 * t).cos();
                (x / 16.0, -(y + 2.5) / 15.0)
            })
            .collect();
        Polygons { triangle, star, heart }
    })
}

fn polar(r: f32, a: f32) -> (f32, f32) {
    (r * a.cos(), r * a.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centres_are_inside_and_far_points_outside() {
        for (c, name) in SHAPES.iter().enumerate() {
            let centre = distance(c, (0.0, 0.0));
            // The ring and the crescent have holes or bites at the centre; the rest are solid there.
            if !matches!(*name, "ring" | "crescent") {
                assert!(centre < 0.0, "{name}: {centre}");
            }
            assert!(distance(c, (3.0, 3.0)) > 1.0, "{name}");
        }
        assert!(distance(4, (0.72, 0.0)) < 0.0, "the ring's band is inside");
        assert!(distance(6, (-0.8, 0.0)) < 0.0, "the crescent's body is inside");
        assert!((distance(0, (2.0, 0.0)) - 1.0).abs() < 1e-6);
        assert!((distance(1, (0.0, 1.82)) - 1.0).abs() < 1e-6);
    }
}
