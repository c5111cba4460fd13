//! `moving-digits`: the stochastic moving digits videos of SVG (Denton & Fergus, "Stochastic Video
//! Generation with a Learned Prior", ICML 2018): 32×32 digits move on a 64×64 canvas and, on
//! reaching a wall, bounce off it with a newly drawn random velocity. Smaller canvases (for tests
//! and quick runs) scale the digits and speeds with the side.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::generate::generate_split;
use crate::rng::Purpose;
use crate::sources::synth_digits::draw_digit;
use crate::subset::finish;
use crate::{DataError, Dataset, Layout, Split};

/// Side of the square frames of the paper.
pub const CANVAS: usize = 64;
/// Side of a digit's square patch on the paper's canvas; 28×28 digits are padded by 2 pixels on each side.
pub const DIGIT: usize = 32;
/// Largest speed along each axis on the paper's canvas, in pixels per frame.
pub const MAX_SPEED: i32 = 4;

pipeline_params::params! {
    /// Stochastic moving digits video (SVG): 64×64 grayscale frames, no labels.
    pub struct MovingDigitsParams {
        /// Number of training sequences.
        train: usize = 2000, range(1, 1000000);
        /// Number of test sequences.
        test: usize = 200, range(1, 1000000);
        /// Frames per sequence.
        frames: usize = 20, range(2, 1000);
        /// Digits per sequence.
        digits: usize = 2, range(1, 2);
        /// Side of the square frames (a multiple of 16): 64 as in the paper; smaller canvases
        /// scale the digit (half the side) and the largest speed (side/16 px per frame) with it.
        side: usize = 64, range(16, 256);
        /// Largest speed along each axis in pixels per frame; unset: the paper's, side/16. 0
        /// keeps every digit where it starts (with `spin`, digits that only turn).
        speed: Option<usize> = None, range(0, 64);
        /// Largest turn of a digit per frame, in degrees; 0 (the paper) keeps digits upright.
        /// Each digit turns at its own steady rate, drawn uniformly from ±[spin/2, spin], about
        /// an orientation within ±30° of upright at the middle frame. Turning gives the order of
        /// frames a cue in the digit's shape, not only in where it is (temporal-order).
        spin: f64 = 0.0, range(0.0, 45.0);
    }
}

/// The sizes of one canvas: frame side, digit patch side, drawn digit side, largest speed.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    canvas: usize,
    patch: usize,
    digit: usize,
    speed: i32,
}

impl Geometry {
    fn new(side: usize) -> Result<Geometry, DataError> {
        if !side.is_multiple_of(16) {
            return Err(DataError::Invalid(format!("moving-digits: side must be a multiple of 16 (16, 32, 64, ...), got {side}")));
        }
        // The paper's 28-pixel digit in a 32-pixel patch on a 64-pixel canvas, scaled.
        Ok(Geometry { canvas: side, patch: DIGIT * side / CANVAS, digit: (side * 28).div_ceil(CANVAS), speed: MAX_SPEED * side as i32 / CANVAS as i32 })
    }
}

/// Where the digits come from: drawn by `synth-digits`, or a given digit dataset's items (its
/// train split feeds the train sequences, its test split the test sequences).
enum Digits<'a> {
    Synth,
    Given { train: &'a Split, test: &'a Split, layout: Layout },
}

/// Generates moving-digits sequences (layout NTCHW with T = `frames`, C = 1). `digits` may supply
/// the digit images (1-channel 28×28 or 32×32, e.g. a loaded MNIST); otherwise they are drawn
/// like `synth-digits`.
pub fn moving_digits(p: &MovingDigitsParams, seed: u64, digits: Option<&Dataset>) -> Result<Dataset, DataError> {
    let mut g = Geometry::new(p.side)?;
    if let Some(speed) = p.speed {
        g.speed = speed as i32;
    }
    if digits.is_some() && p.side != CANVAS {
        return Err(DataError::Invalid(format!("moving-digits: given digit images need the paper's side of {CANVAS}, got side {}", p.side)));
    }
    let source = match digits {
        None => Digits::Synth,
        Some(d) => {
            let l = d.layout;
            if l.frames != 1 || l.channels != 1 || !((l.height, l.width) == (28, 28) || (l.height, l.width) == (DIGIT, DIGIT)) {
                return Err(DataError::Invalid(format!(
                    "moving-digits needs 1-channel 28×28 or 32×32 still digit images, but `{}` has {} frame(s) of {}×{}×{}",
                    d.source, l.frames, l.channels, l.height, l.width
                )));
            }
            for (name, s) in [("train", &d.train), ("test", &d.test)] {
                if s.len == 0 {
                    return Err(DataError::Invalid(format!("moving-digits: the {name} split of `{}` has no digits", d.source)));
                }
            }
            Digits::Given { train: &d.train, test: &d.test, layout: l }
        }
    };
    let layout = Layout { frames: p.frames, channels: 1, height: g.canvas, width: g.canvas };
    let plane = g.canvas * g.canvas;
    let split = |n, purpose| {
        generate_split("moving-digits", n, layout.item_len(), seed, purpose, |rng, item| {
            let patches: Vec<Vec<u8>> = (0..p.digits).map(|_| source.patch(rng, purpose, &g)).collect();
            for patch in &patches {
                let path = trajectory(rng, p.frames, (g.canvas - g.patch) as i32, g.speed);
                // Drawn only when turning, so sequences without it stay as they always were.
                let turn = (p.spin > 0.0).then(|| Turn::draw(rng, p.spin, p.frames));
                for (t, step) in path.iter().enumerate() {
                    let turned = turn.map(|r| rotated(patch, g.patch, r.angle(t)));
                    let patch = turned.as_deref().unwrap_or(patch);
                    paste_saturating(&mut item[t * plane..][..plane], g.canvas, patch, g.patch, step.x as usize, step.y as usize);
                }
            }
            None
        })
    };
    let (train, test) = (split(p.train, Purpose::Train)?, split(p.test, Purpose::Test)?);
    finish("moving-digits", layout, Vec::new(), train, test, None, seed)
}

impl Digits<'_> {
    /// One digit as a square patch of `g.patch` pixels (given digits: the paper's canvas only).
    fn patch(&self, rng: &mut ChaCha8Rng, purpose: Purpose, g: &Geometry) -> Vec<u8> {
        match self {
            Digits::Synth => {
                let mut d = vec![0u8; g.digit * g.digit];
                // No pixel noise: a noisy square would move with the digit and give it away.
                draw_digit(rng.random_range(0..10), rng, g.digit, 1.0, 0.0, &mut d);
                pad_to_patch(&d, g.digit, g.patch)
            }
            Digits::Given { train, test, layout } => {
                let s = if purpose == Purpose::Test { test } else { train };
                pad_to_patch(s.item(rng.random_range(0..s.len), layout), layout.height, g.patch)
            }
        }
    }
}

/// Centres a `side`×`side` digit in a `patch`×`patch` square.
fn pad_to_patch(digit: &[u8], side: usize, patch: usize) -> Vec<u8> {
    let mut out = vec![0u8; patch * patch];
    let o = (patch - side) / 2;
    for y in 0..side {
        out[(y + o) * patch + o..][..side].copy_from_slice(&digit[y * side..][..side]);
    }
    out
}

/// A digit's steady turn: its orientation at the middle frame and its rate, in radians.
#[derive(Debug, Clone, Copy)]
struct Turn {
    middle: f32,
    rate: f32,
    mid_frame: f32,
}

impl Turn {
    fn draw(rng: &mut ChaCha8Rng, spin: f64, frames: usize) -> Turn {
        let spin = (spin as f32).to_radians();
        let rate = rng.random_range(spin / 2.0..=spin) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        Turn { middle: rng.random_range(-30f32..=30.0).to_radians(), rate, mid_frame: (frames as f32 - 1.0) / 2.0 }
    }

    fn angle(&self, frame: usize) -> f32 {
        self.middle + self.rate * (frame as f32 - self.mid_frame)
    }
}

/// The `side`×`side` patch turned by `angle` radians about its centre (bilinear, zero outside).
fn rotated(patch: &[u8], side: usize, angle: f32) -> Vec<u8> {
    let (s, c) = angle.sin_cos();
    let centre = side as f32 / 2.0;
    let at = |x: isize, y: isize| if x < 0 || y < 0 || x >= side as isize || y >= side as isize { 0.0 } else { patch[y as usize * side + x as usize] as f32 };
    let mut out = vec![0u8; side * side];
    for (i, o) in out.iter_mut().enumerate() {
        // Where this output pixel's centre comes from: the inverse turn.
        let (dx, dy) = ((i % side) as f32 + 0.5 - centre, (i / side) as f32 + 0.5 - centre);
        let (sx, sy) = (c * dx + s * dy + centre - 0.5, -s * dx + c * dy + centre - 0.5);
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let v = (at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx) * (1.0 - fy) + (at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
        *o = v.round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// Adds the `side`×`side` patch at (x, y) into a `canvas`-wide frame; overlapping digits add and
/// clip at full intensity.
fn paste_saturating(frame: &mut [u8], canvas: usize, patch: &[u8], side: usize, x: usize, y: usize) {
    for r in 0..side {
        let row = &mut frame[(y + r) * canvas + x..][..side];
        for (f, &v) in row.iter_mut().zip(&patch[r * side..][..side]) {
            *f = f.saturating_add(v);
        }
    }
}

/// A digit's position (top-left corner) in one frame and the velocity it moves on with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub x: i32,
    pub y: i32,
    pub dx: i32,
    pub dy: i32,
}

/// One digit's path over `frames` frames, positions in `0..=limit` on both axes. The start and
/// the first velocity (each component in −speed..speed, the paper: 4) are uniform. Each frame, a
/// position past a wall is clamped onto it and a new velocity drawn: the component normal to that
/// wall 1..speed away from it, the other −speed..speed (unless that axis hit a wall too, at a
/// corner, where both point away).
pub fn trajectory(rng: &mut impl Rng, frames: usize, limit: i32, speed: i32) -> Vec<Step> {
    let mut s = Step {
        x: rng.random_range(0..=limit),
        y: rng.random_range(0..=limit),
        dx: rng.random_range(-speed..=speed),
        dy: rng.random_range(-speed..=speed),
    };
    let mut path = Vec::with_capacity(frames);
    for _ in 0..frames {
        let hit_y = bounce(&mut s.y, &mut s.dy, limit, speed, rng);
        if hit_y {
            s.dx = rng.random_range(-speed..=speed);
        }
        if bounce(&mut s.x, &mut s.dx, limit, speed, rng) && !hit_y {
            s.dy = rng.random_range(-speed..=speed);
        }
        path.push(s);
        s.x += s.dx;
        s.y += s.dy;
    }
    path
}

/// Clamps `pos` into `0..=limit`; when it was outside, draws a velocity pointing back inside.
fn bounce(pos: &mut i32, vel: &mut i32, limit: i32, speed: i32, rng: &mut impl Rng) -> bool {
    if *pos < 0 {
        *pos = 0;
        *vel = rng.random_range(1..=speed);
    } else if *pos > limit {
        *pos = limit;
        *vel = -rng.random_range(1..=speed);
    } else {
        return false;
    }
    true
}
