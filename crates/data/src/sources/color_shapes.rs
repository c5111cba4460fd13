//! `color-shapes`: RGB images of filled shapes (circle, square, triangle, cross, ring, star,
//! crescent, heart) in random colours, sizes, positions and rotations over textured backgrounds;
//! the label is the shape. Made for colorization and other RGB pretext tasks.
//!
//! By default (`palette: random`, `backdrop: colour`) every colour is drawn independently of the
//! shape, so colour says nothing of the class. `palette: by-class` with `backdrop: grey` is the
//! synthetic analogue of what colorization relies on in natural images (grass is green, sky is
//! blue): each class has its own hue, at a lightness drawn independently of the class, over grey
//! textures. The L channel then shows the shape but does not give its class away by brightness,
//! and the colour (ab) of the shape's pixels can only be predicted by recognising the shape: a
//! colorization network has to learn the class to do its task.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::classes::owned;
use crate::colour::{class_colour, distance_rgb, grey_of, hsv, lightness, random_colour, Rgb};
use crate::generate::generate_split;
use crate::raster::coverage;
use crate::rng::Purpose;
use crate::shapes::{distance, SHAPES};
use crate::subset::finish;
use crate::{DataError, Dataset, Layout};

/// Background textures, in the order `background: mixed` draws from.
pub const BACKGROUNDS: [&str; 5] = ["plain", "gradient", "stripes", "checker", "noise"];

pipeline_params::params! {
    /// Synthetic RGB shapes on textured backgrounds (8 classes: the shape).
    pub struct ColorShapesParams {
        /// Number of training images.
        train: usize = 10000, range(1, 1000000);
        /// Number of test images.
        test: usize = 2000, range(1, 1000000);
        /// Keep only this many labelled training images per class (a stratified, seeded subset); unset keeps all.
        low_shot: Option<usize> = None, range(1, 1000000);
        /// Side of the square images in pixels.
        size: usize = 32, range(16, 256);
        /// Background texture; `mixed` draws one of the others per image.
        background: String = "mixed".to_string(), choices("mixed", "plain", "gradient", "stripes", "checker", "noise");
        /// Shape colours: `random` (any hue, independent of the shape) or `by-class` (each shape its own hue, jittered, at a lightness independent of the shape: colour tells the class, lightness does not).
        palette: String = "random".to_string(), choices("random", "by-class");
        /// Background colours: `colour` (random, kept apart from the shape's colour) or `grey` (no chroma, lightness kept apart from the shape's: the shape shows in L and the background's ab carries nothing).
        backdrop: String = "colour".to_string(), choices("colour", "grey");
        /// Largest amplitude of the uniform pixel noise on each channel (each image draws its own level up to this), on the [0, 1] scale.
        noise: f64 = 0.03, range(0.0, 1.0);
    }
}

/// How an image's colours are drawn, from the parameters.
struct Style {
    by_class: bool,
    grey: bool,
    noise: f32,
}

/// Generates the `color-shapes` dataset; the same parameters and seed give the same bytes.
pub fn color_shapes(p: &ColorShapesParams, seed: u64) -> Result<Dataset, DataError> {
    let layout = Layout::image(3, p.size, p.size);
    let fixed = BACKGROUNDS.iter().position(|b| *b == p.background);
    let style = Style { by_class: p.palette == "by-class", grey: p.backdrop == "grey", noise: p.noise as f32 };
    let split = |n, purpose| {
        generate_split("color-shapes", n, layout.item_len(), seed, purpose, |rng, item| {
            let class = rng.random_range(0..SHAPES.len());
            let background = fixed.unwrap_or_else(|| rng.random_range(0..BACKGROUNDS.len()));
            draw_shape(class, background, &style, rng, p.size, item);
            Some(class as u32)
        })
    };
    let (train, test) = (split(p.train, Purpose::Train)?, split(p.test, Purpose::Test)?);
    finish("color-shapes", layout, owned(&SHAPES), train, test, p.low_shot, seed)
}

/// Draws one image (CHW planes) of shape `class` over background texture `background`.
fn draw_shape(class: usize, background: usize, style: &Style, rng: &mut ChaCha8Rng, size: usize, out: &mut [u8]) {
    let s = size as f32;
    let radius = s * rng.random_range(0.2..0.38);
    let margin = radius * 0.85;
    let (cx, cy) = (rng.random_range(margin..s - margin), rng.random_range(margin..s - margin));
    let (sin, cos) = rng.random_range(0.0..std::f32::consts::TAU).sin_cos();
    let fg = if style.by_class { class_colour(class, SHAPES.len(), rng) } else { random_colour(rng) };
    let (shade_dir, shade) = (rng.random_range(0.0..std::f32::consts::TAU), rng.random_range(0.0..0.3f32));
    let bg = Texture::random(background, fg, style.grey, rng, s);
    // No draw for noise 0 (an empty range panics); the default 0.03 draws as it always did.
    let noise = if style.noise > 0.0 { rng.random_range(0.0..style.noise) } else { 0.0 };
    let plane = size * size;
    for y in 0..size {
        for x in 0..size {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let local = ((cos * dx + sin * dy) / radius, (-sin * dx + cos * dy) / radius);
            let cov = coverage(distance(class, local) * radius);
            // A soft linear shading across the shape, as if lit from one side.
            let lit = 1.0 - shade * 0.5 * (1.0 + (local.0 * shade_dir.cos() + local.1 * shade_dir.sin()).clamp(-1.0, 1.0));
            let back = bg.at(x as f32, y as f32);
            for c in 0..3 {
                let v = back[c] * (1.0 - cov) + fg[c] * lit * cov + noise * (rng.random::<f32>() * 2.0 - 1.0);
                out[c * plane + y * size + x] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
    }
}

/// A background colour that stays distinguishable from the shape's colour `fg`.
fn contrasting(rng: &mut ChaCha8Rng, fg: Rgb, grey: bool) -> Rgb {
    for _ in 0..32 {
        let c = tint(hsv(rng.random_range(0.0..1.0), rng.random_range(0.0..1.0), rng.random_range(0.05..1.0)), grey);
        if apart(c, fg, grey) {
            return c;
        }
    }
    tint(fg.map(|x| 1.0 - x), grey)
}

/// `c` as a background colour: itself, or its grey for grey backdrops.
fn tint(c: Rgb, grey: bool) -> Rgb {
    if grey {
        grey_of(c)
    } else {
        c
    }
}

/// Whether background colour `c` stays apart from the shape's colour `fg`: in RGB, or for grey
/// backdrops in lightness, since an RGB distance passes a grey as bright as a saturated shape,
/// and the shape would then vanish from the L channel colorization reads.
fn apart(c: Rgb, fg: Rgb, grey: bool) -> bool {
    if grey {
        (lightness(c) - lightness(fg)).abs() > 20.0
    } else {
        distance_rgb(c, fg) > 0.45
    }
}

/// A two-colour background pattern.
struct Texture {
    kind: usize,
    a: Rgb,
    b: Rgb,
    /// Direction (cos, sin) and period of gradients, stripes and checkers, in pixels.
    dir: (f32, f32),
    period: f32,
    /// The coarse random grid the `noise` texture interpolates.
    grid: Vec<f32>,
    size: f32,
}

const GRID: usize = 5;

impl Texture {
    fn random(kind: usize, fg: Rgb, grey: bool, rng: &mut ChaCha8Rng, size: f32) -> Self {
        // The second colour is near the first: a texture that stays background, so the shape's
        // outline remains the strongest edge in the image.
        let a = contrasting(rng, fg, grey);
        let b = (0..32)
            .map(|_| tint(a.map(|x| (x + rng.random_range(-0.3..0.3f32)).clamp(0.0, 1.0)), grey))
            .find(|b| apart(*b, fg, grey))
            .unwrap_or(a);
        let angle = rng.random_range(0.0..std::f32::consts::PI);
        let period = rng.random_range(3.0..9.0f32) * size / 32.0;
        let grid = (0..GRID * GRID).map(|_| rng.random::<f32>()).collect();
        Texture { kind, a, b, dir: (angle.cos(), angle.sin()), period, grid, size }
    }

    fn at(&self, x: f32, y: f32) -> Rgb {
        let along = x * self.dir.0 + y * self.dir.1;
        let t = match BACKGROUNDS[self.kind] {
            "plain" => 0.0,
            "gradient" => (along / (self.size * 1.42) + 0.5).clamp(0.0, 1.0),
            "stripes" => 0.5 + 0.5 * (along * std::f32::consts::TAU / self.period).sin(),
            "checker" => {
                let across = -x * self.dir.1 + y * self.dir.0;
                (((along / self.period).floor() + (across / self.period).floor()) as i64).rem_euclid(2) as f32
            }
            _ => self.smooth_noise(x, y),
        };
        [0, 1, 2].map(|c| self.a[c] * (1.0 - t) + self.b[c] * t)
    }

    /// Bilinear interpolation of the coarse random grid: blotchy, cloud-like texture.
    fn smooth_noise(&self, x: f32, y: f32) -> f32 {
        let scale = (GRID - 1) as f32 / self.size;
        let (gx, gy) = ((x * scale).min(GRID as f32 - 1.001), (y * scale).min(GRID as f32 - 1.001));
        let (ix, iy) = (gx as usize, gy as usize);
        let (fx, fy) = (gx - ix as f32, gy - iy as f32);
        let g = |i: usize, j: usize| self.grid[j * GRID + i];
        let top = g(ix, iy) * (1.0 - fx) + g(ix + 1, iy) * fx;
        let bottom = g(ix, iy + 1) * (1.0 - fx) + g(ix + 1, iy + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
}
