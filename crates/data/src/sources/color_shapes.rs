//! `color-shapes`: RGB images of filled shapes (circle, square, triangle, cross, ring, star,
//! crescent, heart) in random colours, sizes, positions and rotations over textured backgrounds;
//! the label is the shape. Made for colorization and other RGB pretext tasks.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::classes::owned;
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
    }
}

/// Generates the `color-shapes` dataset; the same parameters and seed give the same bytes.
pub fn color_shapes(p: &ColorShapesParams, seed: u64) -> Result<Dataset, DataError> {
    let layout = Layout::image(3, p.size, p.size);
    let fixed = BACKGROUNDS.iter().position(|b| *b == p.background);
    let split = |n, purpose| {
        generate_split("color-shapes", n, layout.item_len(), seed, purpose, |rng, item| {
            let class = rng.random_range(0..SHAPES.len());
            let background = fixed.unwrap_or_else(|| rng.random_range(0..BACKGROUNDS.len()));
            draw_shape(class, background, rng, p.size, item);
            Some(class as u32)
        })
    };
    let (train, test) = (split(p.train, Purpose::Train)?, split(p.test, Purpose::Test)?);
    finish("color-shapes", layout, owned(&SHAPES), train, test, p.low_shot, seed)
}

type Rgb = [f32; 3];

/// Draws one image (CHW planes) of shape `class` over background texture `background`.
fn draw_shape(class: usize, background: usize, rng: &mut ChaCha8Rng, size: usize, out: &mut [u8]) {
    let s = size as f32;
    let radius = s * rng.random_range(0.2..0.38);
    let margin = radius * 0.85;
    let (cx, cy) = (rng.random_range(margin..s - margin), rng.random_range(margin..s - margin));
    let (sin, cos) = rng.random_range(0.0..std::f32::consts::TAU).sin_cos();
    let fg = random_colour(rng);
    let (shade_dir, shade) = (rng.random_range(0.0..std::f32::consts::TAU), rng.random_range(0.0..0.3f32));
    let bg = Texture::random(background, fg, rng, s);
    let noise = rng.random_range(0.0..0.03f32);
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

/// A saturated, reasonably bright colour (HSV with s, v in [0.45, 1]).
fn random_colour(rng: &mut ChaCha8Rng) -> Rgb {
    hsv(rng.random_range(0.0..1.0), rng.random_range(0.45..1.0), rng.random_range(0.45..1.0))
}

fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let f = |n: f32| {
        let k = (n + h * 6.0) % 6.0;
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    };
    [f(5.0), f(3.0), f(1.0)]
}

fn distance_rgb(a: Rgb, b: Rgb) -> f32 {
    a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt()
}

/// A background colour that stays distinguishable from the shape's colour `fg`.
fn contrasting(rng: &mut ChaCha8Rng, fg: Rgb) -> Rgb {
    for _ in 0..32 {
        let c = hsv(rng.random_range(0.0..1.0), rng.random_range(0.0..1.0), rng.random_range(0.05..1.0));
        if distance_rgb(c, fg) > 0.45 {
            return c;
        }
    }
    fg.map(|x| 1.0 - x)
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
    fn random(kind: usize, fg: Rgb, rng: &mut ChaCha8Rng, size: f32) -> Self {
        // The second colour is near the first: a texture that stays background, so the shape's
        // outline remains the strongest edge in the image.
        let a = contrasting(rng, fg);
        let b = (0..32)
            .map(|_| a.map(|x| (x + rng.random_range(-0.3..0.3f32)).clamp(0.0, 1.0)))
            .find(|b| distance_rgb(*b, fg) > 0.45)
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
