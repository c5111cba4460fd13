//! The colours `color-shapes` paints with: its default random HSV colours, and the class-keyed
//! palette and grey backdrops that make colour carry the class but lightness not (CIE Lab, D65).

use palette::convert::FromColorUnclamped;
use palette::{FromColor, Lab, LinSrgb, Srgb};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// An sRGB colour, each channel in [0, 1].
pub type Rgb = [f32; 3];

/// A saturated, reasonably bright colour (HSV with s, v in [0.45, 1]).
pub fn random_colour(rng: &mut ChaCha8Rng) -> Rgb {
    hsv(rng.random_range(0.0..1.0), rng.random_range(0.45..1.0), rng.random_range(0.45..1.0))
}

pub fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let f = |n: f32| {
        let k = (n + h * 6.0) % 6.0;
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    };
    [f(5.0), f(3.0), f(1.0)]
}

/// Lightness range of [`class_colour`]: dark enough and bright enough to stay apart from greys.
const LIGHTNESS: std::ops::Range<f32> = 30.0..85.0;
/// Half-width of a class's hue band, as a share of the distance between two classes' hues.
const HUE_JITTER: f32 = 0.15;

/// The colour of a shape of `class` (of `classes`) under the `by-class` palette: the class's own
/// hue (evenly spaced around the ab plane, jittered), at a lightness drawn independently of the
/// class, with a random chroma lowered as far as sRGB needs to hold it. Lowering the chroma rather
/// than clipping the channels keeps the lightness exactly as drawn: a clipped yellow would come
/// out brighter than a clipped blue, and the lightness alone would then tell the class.
pub fn class_colour(class: usize, classes: usize, rng: &mut ChaCha8Rng) -> Rgb {
    let l = rng.random_range(LIGHTNESS);
    let hue = (class as f32 + rng.random_range(-HUE_JITTER..HUE_JITTER)) * std::f32::consts::TAU / classes as f32;
    let mut chroma = rng.random_range(35.0..60.0f32);
    loop {
        // Unclamped: `from_color` would clip into the gamut and hide the colours outside it.
        let lin = LinSrgb::from_color_unclamped(Lab::new(l, chroma * hue.cos(), chroma * hue.sin()));
        // Chroma 0 is a grey, always in gamut, so the loop ends.
        if [lin.red, lin.green, lin.blue].iter().all(|v| (-1e-4..=1.0 + 1e-4).contains(v)) || chroma <= 0.0 {
            return encoded(lin);
        }
        chroma = (chroma - 1.0).max(0.0);
    }
}

/// CIE L (0–100) of an sRGB colour.
pub fn lightness(c: Rgb) -> f32 {
    Lab::from_color(Srgb::new(c[0], c[1], c[2]).into_linear()).l
}

/// The grey of the same lightness as `c`.
pub fn grey_of(c: Rgb) -> Rgb {
    encoded(LinSrgb::from_color(Lab::new(lightness(c), 0.0, 0.0)))
}

/// A linear-light colour as sRGB, each channel clamped to [0, 1].
fn encoded(lin: LinSrgb) -> Rgb {
    let s: Srgb<f32> = Srgb::from_linear(lin);
    [s.red, s.green, s.blue].map(|v| v.clamp(0.0, 1.0))
}

pub fn distance_rgb(a: Rgb, b: Rgb) -> f32 {
    a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn lab(c: Rgb) -> [f32; 3] {
        let lab = Lab::from_color(Srgb::new(c[0], c[1], c[2]).into_linear());
        [lab.l, lab.a, lab.b]
    }

    #[test]
    fn class_colours_keep_their_hue_band_and_drawn_lightness() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for class in 0..8 {
            for _ in 0..200 {
                let c = class_colour(class, 8, &mut rng);
                let [l, a, b] = lab(c);
                // Within the hue band (±HUE_JITTER of 45°, plus the 8-bit-free float error).
                let centre = class as f32 * std::f32::consts::TAU / 8.0;
                let off = (b.atan2(a) - centre + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
                assert!(off.abs() <= HUE_JITTER * std::f32::consts::TAU / 8.0 + 0.01, "class {class}: {c:?} hue off by {off}");
                assert!((LIGHTNESS.start - 0.1..LIGHTNESS.end + 0.1).contains(&l), "class {class}: L {l}");
                assert!((a * a + b * b).sqrt() > 5.0, "class {class}: {c:?} is nearly grey");
            }
        }
    }

    #[test]
    fn greys_keep_the_lightness_and_lose_the_chroma() {
        for c in [[1.0, 0.0, 0.0], [0.2, 0.7, 0.4], [0.5, 0.5, 0.5]] {
            let [l, a, b] = lab(grey_of(c));
            assert!((l - lightness(c)).abs() < 0.5 && a.abs() < 0.5 && b.abs() < 0.5, "{c:?}: {l} {a} {b}");
        }
    }
}
