//! sRGB ↔ CIE Lab (D65) through `palette`, and the byte encodings colorization uses:
//! L ∈ [0, 100] is stored as round(2.55·L).

use palette::{FromColor, Lab, LinSrgb, Srgb};

/// Lab of an sRGB pixel.
pub fn rgb_to_lab(rgb: [u8; 3]) -> [f32; 3] {
    let s = Srgb::new(rgb[0], rgb[1], rgb[2]).into_format::<f32>();
    let lab: Lab = Lab::from_color(s.into_linear());
    [lab.l, lab.a, lab.b]
}

/// The sRGB pixel of a Lab colour, each channel clamped to [0, 255] (out-of-gamut colours clip).
pub fn lab_to_rgb(lab: [f32; 3]) -> [u8; 3] {
    let lin = LinSrgb::from_color(Lab::new(lab[0], lab[1], lab[2]));
    let s: Srgb<f32> = Srgb::from_linear(lin);
    let byte = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    [byte(s.red), byte(s.green), byte(s.blue)]
}

/// L as a byte.
pub fn l_to_byte(l: f32) -> u8 {
    (l * 2.55).round().clamp(0.0, 255.0) as u8
}

/// L of a byte written by [`l_to_byte`].
pub fn byte_to_l(b: u8) -> f32 {
    b as f32 / 2.55
}

/// The L plane (as bytes) of a planar RGB image of `plane` pixels.
pub fn rgb_to_l_plane(rgb: &[u8], plane: usize) -> Vec<u8> {
    (0..plane).map(|i| l_to_byte(rgb_to_lab([rgb[i], rgb[plane + i], rgb[2 * plane + i]])[0])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_colours() {
        let white = rgb_to_lab([255, 255, 255]);
        assert!((white[0] - 100.0).abs() < 0.01 && white[1].abs() < 0.01 && white[2].abs() < 0.01, "{white:?}");
        assert!(rgb_to_lab([0, 0, 0]).iter().all(|v| v.abs() < 0.01));
        // sRGB red is about L 53.24, a 80.09, b 67.20.
        let red = rgb_to_lab([255, 0, 0]);
        assert!((red[0] - 53.24).abs() < 0.05 && (red[1] - 80.09).abs() < 0.1 && (red[2] - 67.20).abs() < 0.1, "{red:?}");
        // Grey has no chroma.
        let grey = rgb_to_lab([119, 119, 119]);
        assert!(grey[1].abs() < 0.01 && grey[2].abs() < 0.01);
    }

    #[test]
    fn lab_to_rgb_round_trips_within_one_level() {
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let back = lab_to_rgb(rgb_to_lab([r as u8, g as u8, b as u8]));
                    for (x, y) in back.iter().zip([r, g, b]) {
                        assert!((*x as i32 - y).abs() <= 1, "{:?} -> {back:?}", [r, g, b]);
                    }
                }
            }
        }
        assert_eq!(l_to_byte(100.0), 255);
        assert!((byte_to_l(l_to_byte(42.0)) - 42.0).abs() < 0.2);
        assert_eq!(rgb_to_l_plane(&[255, 0, 255, 0, 255, 0], 2), vec![255, l_to_byte(rgb_to_lab([0, 0, 0])[0])]);
    }
}
