//! The built-in generators: determinism, labels, the moving-digits bounce rule, low-shot,
//! previews and the artifact round trip.

use pipeline_data::*;
use rand::SeedableRng;

fn synth(train: usize, test: usize, seed: u64) -> Dataset {
    synth_digits(&SynthDigitsParams { train, test, ..Default::default() }, seed).unwrap()
}

fn shapes(train: usize, test: usize, seed: u64) -> Dataset {
    color_shapes(&ColorShapesParams { train, test, ..Default::default() }, seed).unwrap()
}

fn video(train: usize, digits: usize, seed: u64) -> Dataset {
    moving_digits(&MovingDigitsParams { train, test: 3, frames: 12, digits, ..Default::default() }, seed, None).unwrap()
}

#[test]
fn generators_are_deterministic_by_seed() {
    for make in [|s| synth(60, 20, s), |s| shapes(60, 20, s), |s| video(6, 2, s)] {
        let (a, b, c) = (make(3), make(3), make(4));
        assert_eq!(a, b, "{}: same seed, same bytes", a.source);
        assert_ne!(a.train.images, c.train.images, "{}: another seed, other bytes", a.source);
        assert_ne!(a.test.images, c.test.images, "{}", a.source);
        assert_ne!(a.train.images[..a.test.images.len()], a.test.images[..], "{}: test differs from train", a.source);
    }
}

#[test]
fn the_test_split_does_not_depend_on_the_train_count() {
    assert_eq!(synth(10, 20, 1).test, synth(50, 20, 1).test);
    assert_eq!(shapes(10, 20, 1).test, shapes(50, 20, 1).test);
    // And the first train items do not depend on how many follow.
    assert_eq!(synth(10, 5, 1).train.images[..], synth(50, 5, 1).train.images[..10 * 784]);
}

#[test]
fn synth_digits_has_every_class_ink_and_a_dark_background() {
    let d = synth(500, 10, 0);
    assert_eq!(d.layout, Layout::image(1, 28, 28));
    assert_eq!(d.classes, classes::DIGITS);
    let labels = d.train.labels.as_ref().unwrap();
    for c in 0..10 {
        let n = labels.iter().filter(|&&l| l == c).count();
        assert!((25..=80).contains(&n), "class {c}: {n} of 500");
    }
    for i in 0..d.train.len {
        let item = d.train.item(i, &d.layout);
        let ink = item.iter().filter(|&&v| v > 128).count();
        // A digit covers roughly 10-30% of MNIST's 784 pixels; the border rows stay dark.
        assert!((30..=320).contains(&ink), "item {i}: {ink} bright pixels");
        assert!(item[..28].iter().all(|&v| v < 128), "item {i}: ink on the top row");
    }
    // MNIST-like statistics: mostly background.
    assert!(d.mean[0] > 0.05 && d.mean[0] < 0.3, "{:?}", d.mean);
}

#[test]
fn synth_digits_size_and_warp_parameters() {
    let d = synth_digits(&SynthDigitsParams { train: 20, test: 5, size: 40, warp: 0.0, noise: 0.0, low_shot: None }, 0).unwrap();
    assert_eq!(d.layout, Layout::image(1, 40, 40));
    assert_eq!(d.train.images.len(), 20 * 1600);
    // Without noise the background is exactly black.
    assert!(d.train.images.iter().filter(|&&v| v == 0).count() > 20 * 1600 / 2);
}

#[test]
fn color_shapes_are_rgb_with_all_classes() {
    let d = shapes(400, 10, 0);
    assert_eq!(d.layout, Layout::image(3, 32, 32));
    assert_eq!(d.classes.len(), 8);
    assert_eq!(d.classes[0], "circle");
    let labels = d.train.labels.as_ref().unwrap();
    for c in 0..8 {
        assert!(labels.iter().filter(|&&l| l == c).count() >= 25, "class {c}");
    }
    assert_eq!(d.mean.len(), 3);
    // Images are in colour: the channels of an item are not all equal.
    let item = d.train.item(0, &d.layout);
    assert_ne!(item[..1024], item[1024..2048]);
    let plain = color_shapes(&ColorShapesParams { train: 5, test: 5, background: "plain".into(), ..Default::default() }, 0).unwrap();
    // A plain background: the four corners of each image share one colour (up to the pixel noise).
    for i in 0..5 {
        let item = plain.train.item(i, &plain.layout);
        let red = [item[0], item[31], item[31 * 32], item[1023]];
        let (lo, hi) = (red.iter().min().unwrap(), red.iter().max().unwrap());
        assert!(hi - lo <= 16, "item {i}: corners {red:?}");
    }
}

#[test]
fn low_shot_gives_exactly_n_per_class() {
    let d = synth_digits(&SynthDigitsParams { train: 600, test: 50, low_shot: Some(7), ..Default::default() }, 2).unwrap();
    assert_eq!(d.train.len, 70);
    let labels = d.train.labels.as_ref().unwrap();
    for c in 0..10 {
        assert_eq!(labels.iter().filter(|&&l| l == c).count(), 7, "class {c}");
    }
    assert_eq!(d.test.len, 50);
    let full = synth(600, 50, 2);
    // The subset is made of items of the full set, and the statistics are those of the subset.
    assert!((0..d.train.len).all(|k| (0..600).any(|i| full.train.item(i, &full.layout) == d.train.item(k, &d.layout))));
    assert_ne!(d.mean, full.mean);
}

#[test]
fn trajectories_obey_the_bounce_rule() {
    let limit = 32;
    let mut bounces = 0;
    for seed in 0..300 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let path = trajectory(&mut rng, 40, limit, 4);
        assert_eq!(path.len(), 40);
        for (t, s) in path.iter().enumerate() {
            assert!((0..=limit).contains(&s.x) && (0..=limit).contains(&s.y), "seed {seed} t {t}: {s:?}");
            assert!((-4..=4).contains(&s.dx) && (-4..=4).contains(&s.dy), "seed {seed} t {t}: {s:?}");
            if t == 0 {
                continue;
            }
            let p = path[t - 1];
            let (nx, ny) = (p.x + p.dx, p.y + p.dy);
            let hit_x = !(0..=limit).contains(&nx);
            let hit_y = !(0..=limit).contains(&ny);
            for (hit, next, pos, vel, prev_vel) in [(hit_x, nx, s.x, s.dx, p.dx), (hit_y, ny, s.y, s.dy, p.dy)] {
                if hit {
                    bounces += 1;
                    // Clamped onto the wall, and moving away from it at 1..4 px per frame.
                    if next < 0 {
                        assert!(pos == 0 && (1..=4).contains(&vel), "seed {seed} t {t}: {s:?}");
                    } else {
                        assert!(pos == limit && (-4..=-1).contains(&vel), "seed {seed} t {t}: {s:?}");
                    }
                } else {
                    assert_eq!(pos, next, "seed {seed} t {t}: moves by its velocity");
                    if !hit_x && !hit_y {
                        assert_eq!(vel, prev_vel, "seed {seed} t {t}: velocity only changes at a wall");
                    }
                }
            }
        }
    }
    assert!(bounces > 300, "the paths do reach the walls ({bounces} bounces)");
}

#[test]
fn a_single_moving_digit_is_translated_between_frames() {
    let d = video(5, 1, 9);
    assert_eq!(d.layout, Layout { frames: 12, channels: 1, height: 64, width: 64 });
    assert!(d.classes.is_empty() && d.train.labels.is_none());
    for i in 0..d.train.len {
        let item = d.train.item(i, &d.layout);
        let frames: Vec<&[u8]> = item.chunks(64 * 64).collect();
        let mass = |f: &[u8]| f.iter().map(|&v| v as u64).sum::<u64>();
        let centroid = |f: &[u8]| {
            let m = mass(f) as f64;
            let (sx, sy) = f.iter().enumerate().fold((0.0, 0.0), |(sx, sy), (k, &v)| (sx + (k % 64) as f64 * v as f64, sy + (k / 64) as f64 * v as f64));
            (sx / m, sy / m)
        };
        // Each frame shows the same digit, whole (same total ink), shifted by at most 4 px per axis.
        for t in 1..frames.len() {
            assert_eq!(mass(frames[t]), mass(frames[0]), "sequence {i} frame {t}");
            let (a, b) = (centroid(frames[t - 1]), centroid(frames[t]));
            assert!((b.0 - a.0).abs() <= 4.0 + 1e-9 && (b.1 - a.1).abs() <= 4.0 + 1e-9, "sequence {i} frame {t}: {a:?} -> {b:?}");
            assert!(((b.0 - a.0).round() - (b.0 - a.0)).abs() < 1e-6, "whole-pixel moves");
        }
    }
}

#[test]
fn spinning_digits_turn_in_place_at_a_steady_rate() {
    let p = MovingDigitsParams { train: 6, test: 2, frames: 9, digits: 1, speed: Some(0), spin: 12.0, ..Default::default() };
    let d = moving_digits(&p, 4, None).unwrap();
    let still = moving_digits(&MovingDigitsParams { spin: 0.0, ..p.clone() }, 4, None).unwrap();
    let mass = |f: &[u8]| f.iter().map(|&v| v as f64).sum::<f64>();
    let centroid = |f: &[u8]| {
        let (sx, sy) = f.iter().enumerate().fold((0.0, 0.0), |(sx, sy), (k, &v)| (sx + (k % 64) as f64 * v as f64, sy + (k / 64) as f64 * v as f64));
        (sx / mass(f), sy / mass(f))
    };
    // Second moments about the centroid: the digit's principal axis, whose angle is its turn.
    let axis = |f: &[u8]| {
        let (cx, cy) = centroid(f);
        let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
        for (k, &v) in f.iter().enumerate() {
            let (dx, dy) = ((k % 64) as f64 - cx, (k / 64) as f64 - cy);
            (xx, yy, xy) = (xx + v as f64 * dx * dx, yy + v as f64 * dy * dy, xy + v as f64 * dx * dy);
        }
        0.5 * (2.0 * xy).atan2(xx - yy)
    };
    for i in 0..d.train.len {
        let frames: Vec<&[u8]> = d.train.item(i, &d.layout).chunks(64 * 64).collect();
        let unturned: Vec<&[u8]> = still.train.item(i, &still.layout).chunks(64 * 64).collect();
        assert!(unturned.windows(2).all(|w| w[0] == w[1]), "speed 0 without spin: a still digit");
        let mut turns = Vec::new();
        for t in 1..frames.len() {
            assert_ne!(frames[t], frames[t - 1], "sequence {i} frame {t} turned");
            // The same digit, where it was, with its ink kept up to resampling. It turns about
            // its patch's centre, so its ink's centroid, a few pixels off that, may circle a little.
            let (a, b) = (centroid(frames[0]), centroid(frames[t]));
            assert!((a.0 - b.0).hypot(a.1 - b.1) < 4.0, "sequence {i} frame {t}: {a:?} -> {b:?}");
            assert!((mass(frames[t]) / mass(frames[0]) - 1.0).abs() < 0.1, "sequence {i} frame {t}: ink");
            let step = axis(frames[t]) - axis(frames[t - 1]);
            turns.push((step + std::f64::consts::FRAC_PI_2).rem_euclid(std::f64::consts::PI) - std::f64::consts::FRAC_PI_2);
        }
        // A steady turn of 6..12 degrees per frame, one way: seen as the principal axis's median step.
        turns.sort_by(f64::total_cmp);
        let median = turns[turns.len() / 2].to_degrees().abs();
        assert!((4.0..14.0).contains(&median), "sequence {i}: median turn {median:.1}° per frame ({turns:?})");
    }
}

#[test]
fn moving_digits_take_digits_from_a_given_dataset_and_clip_overlaps() {
    // Every "digit" is a full 28x28 block of 200: padded to 32x32 it has a 2-pixel dark border.
    let layout = Layout::image(1, 28, 28);
    let block = Split { images: vec![200; 3 * 784], labels: Some(vec![0, 1, 2]), len: 3 };
    let given = Dataset::new("blocks", layout, vec!["a".into(), "b".into(), "c".into()], block.clone(), block);
    let one = moving_digits(&MovingDigitsParams { train: 4, test: 2, frames: 6, digits: 1, ..Default::default() }, 0, Some(&given)).unwrap();
    for i in 0..4 {
        for f in one.train.item(i, &one.layout).chunks(4096) {
            assert_eq!(f.iter().filter(|&&v| v == 200).count(), 784);
            assert_eq!(f.iter().filter(|&&v| v == 0).count(), 4096 - 784);
        }
    }
    let two = moving_digits(&MovingDigitsParams { train: 40, test: 2, frames: 6, digits: 2, ..Default::default() }, 0, Some(&given)).unwrap();
    let all = &two.train.images;
    assert!(all.iter().all(|&v| v == 0 || v == 200 || v == 255), "overlaps add and clip at 255");
    assert!(all.contains(&255), "some of 40 sequences overlap");

    let rgb = Dataset::new("rgb", Layout::image(3, 28, 28), vec![], Split { images: vec![0; 3 * 784], labels: None, len: 1 }, Split { images: vec![0; 3 * 784], labels: None, len: 1 });
    let e = moving_digits(&MovingDigitsParams::default(), 0, Some(&rgb)).unwrap_err();
    assert!(e.to_string().contains("`rgb` has 1 frame(s) of 3×28×28"), "{e}");
}

#[test]
fn a_smaller_canvas_scales_the_digit_and_its_speed() {
    let p = MovingDigitsParams { train: 20, test: 2, frames: 12, digits: 1, side: 32, ..Default::default() };
    let d = moving_digits(&p, 5, None).unwrap();
    assert_eq!(d.layout, Layout { frames: 12, channels: 1, height: 32, width: 32 });
    assert_eq!(video(3, 1, 5).layout.height, 64, "64 by default, as in the paper");
    let mut changed = 0;
    for i in 0..d.train.len {
        let frames: Vec<&[u8]> = d.train.item(i, &d.layout).chunks(32 * 32).collect();
        let ink = |f: &[u8]| -> Vec<(usize, usize)> { f.iter().enumerate().filter(|p| *p.1 > 0).map(|(k, _)| (k % 32, k / 32)).collect() };
        let bbox = |f: &[u8]| {
            let p = ink(f);
            let (x0, x1) = (p.iter().map(|q| q.0).min().unwrap(), p.iter().map(|q| q.0).max().unwrap());
            let (y0, y1) = (p.iter().map(|q| q.1).min().unwrap(), p.iter().map(|q| q.1).max().unwrap());
            (x0 as i32, y0 as i32, x1 - x0 + 1, y1 - y0 + 1)
        };
        for t in 1..frames.len() {
            let (a, b) = (bbox(frames[t - 1]), bbox(frames[t]));
            // A 14-pixel digit inside a 16-pixel patch, moving at most 2 px per frame per axis.
            assert!(b.2 <= 14 && b.3 <= 14, "sequence {i} frame {t}: ink {}×{}", b.2, b.3);
            assert!((b.0 - a.0).abs() <= 2 && (b.1 - a.1).abs() <= 2, "sequence {i} frame {t}: {a:?} -> {b:?}");
            changed += usize::from((b.0, b.1) != (a.0, a.1));
        }
    }
    assert!(changed > 50, "the digits move ({changed} moves)");
    let e = moving_digits(&MovingDigitsParams { side: 40, ..p.clone() }, 0, None).unwrap_err();
    assert!(e.to_string().contains("multiple of 16"), "{e}");
    let given = synth(4, 2, 0);
    let e = moving_digits(&MovingDigitsParams { side: 32, ..p }, 0, Some(&given)).unwrap_err();
    assert!(e.to_string().contains("side of 64"), "{e}");
}

#[test]
fn previews_are_grids_of_the_items() {
    let tmp = tempfile::tempdir().unwrap();
    let d = synth(10, 3, 0);
    let path = tmp.path().join("digits.png");
    preview_png(&d, "train", 10, &path).unwrap();
    let img = image::open(&path).unwrap().to_luma8();
    // 10 items: 4 columns, 3 rows of 28 px with 2 px gaps around and between.
    assert_eq!(img.dimensions(), (4 * 28 + 5 * 2, 3 * 28 + 4 * 2));
    let item5 = d.train.item(5, &d.layout);
    // Item 5 is row 1, column 1.
    let (x0, y0) = (2 + 30, 2 + 30);
    for y in 0..28 {
        for x in 0..28 {
            assert_eq!(img.get_pixel(x0 + x, y0 + y).0[0], item5[(y * 28 + x) as usize]);
        }
    }

    let s = shapes(4, 2, 0);
    preview_png(&s, "test", 9, &path).unwrap();
    let img = image::open(&path).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (2 * 32 + 3 * 2, 32 + 2 * 2));
    let item1 = s.test.item(1, &s.layout);
    assert_eq!(img.get_pixel(2 + 34 + 3, 2 + 4).0, [item1[4 * 32 + 3], item1[1024 + 4 * 32 + 3], item1[2048 + 4 * 32 + 3]]);

    let v = video(3, 2, 0);
    preview_png(&v, "train", 2, &path).unwrap();
    let img = image::open(&path).unwrap().to_luma8();
    assert_eq!(img.dimensions(), (12 * 64 + 13 * 2, 2 * 64 + 3 * 2), "one row of 12 frames per sequence");

    let e = preview_png(&d, "validation", 4, &path).unwrap_err();
    assert!(e.to_string().contains("\"validation\""), "{e}");
}

#[test]
fn video_datasets_round_trip_through_the_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    let v = video(3, 2, 5);
    v.save(tmp.path()).unwrap();
    assert_eq!(Dataset::load(tmp.path()).unwrap(), v);
}

#[test]
fn every_source_declares_documented_parameters_and_ingest_reads_them() {
    for s in SOURCES {
        let specs = param_specs(s).unwrap();
        assert!(!specs.is_empty(), "{s}");
        for p in specs {
            assert!(!p.doc.is_empty(), "{s}.{} has a doc line", p.name);
        }
    }
    assert!(param_specs("mnits").is_none());
    let mut with = pipeline_params::ParamMap::new();
    with.insert("train".into(), serde_json::json!(12));
    with.insert("test".into(), serde_json::json!(4));
    with.insert("frames".into(), serde_json::json!(5));
    let d = ingest("moving-digits", &with, 1, None).unwrap();
    assert_eq!((d.train.len, d.test.len, d.layout.frames), (12, 4, 5));
}

/// FNV-1a over a dataset's bytes and labels: a fingerprint that does not depend on Rust's hasher.
fn fingerprint(d: &Dataset) -> u64 {
    let labels = |s: &Split| s.labels.iter().flatten().flat_map(|l| l.to_le_bytes()).collect::<Vec<u8>>();
    let bytes = [&d.train.images[..], &labels(&d.train), &d.test.images[..], &labels(&d.test)].concat();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn color_shapes_default_draws_are_pinned() {
    // Datasets are cached by content hash and the committed results depend on these bytes: the
    // fingerprints were taken before the `palette`, `backdrop` and `noise` options existed, whose
    // defaults must leave every draw as it was (the new options draw nothing by default).
    let mixed = shapes(64, 32, 3);
    let plain = color_shapes(&ColorShapesParams { train: 16, test: 8, background: "plain".into(), size: 40, ..Default::default() }, 0).unwrap();
    assert_eq!((fingerprint(&mixed), fingerprint(&plain)), (0xb7ad_b9a6_5ccd_2a4a, 0xde6d_62de_0055_fe8f));
}

#[test]
fn by_class_palette_gives_each_shape_its_hue_over_grey_backdrops() {
    use palette::{FromColor, Lab, Srgb};
    let p = ColorShapesParams { train: 160, test: 8, palette: "by-class".into(), backdrop: "grey".into(), ..Default::default() };
    let d = color_shapes(&p, 5).unwrap();
    let labels = d.train.labels.as_ref().unwrap();
    let plane = 32 * 32;
    let mut lightness = vec![Vec::new(); 8];
    for i in 0..d.train.len {
        let item = d.train.item(i, &d.layout);
        let lab: Vec<Lab> = (0..plane).map(|k| Lab::from_color(Srgb::new(item[k], item[plane + k], item[2 * plane + k]).into_format::<f32>().into_linear())).collect();
        // The background (most of the image) is grey up to the pixel noise; the shape is coloured.
        let chroma = |c: &Lab| (c.a * c.a + c.b * c.b).sqrt();
        let mut all: Vec<f32> = lab.iter().map(chroma).collect();
        all.sort_by(f32::total_cmp);
        assert!(all[plane / 2] < 6.0, "item {i}: median chroma {}", all[plane / 2]);
        let shape: Vec<&Lab> = lab.iter().filter(|c| chroma(c) > 12.0).collect();
        assert!(shape.len() > 30, "item {i}: {} coloured pixels", shape.len());
        // The shape's mean hue is its class's: the nearest of the eight evenly spaced hues.
        let (a, b) = shape.iter().fold((0.0, 0.0), |(a, b), c| (a + c.a, b + c.b));
        let class = ((b.atan2(a) / std::f32::consts::TAU * 8.0).round() as i64).rem_euclid(8) as u32;
        assert_eq!(class, labels[i], "item {i}");
        lightness[labels[i] as usize].push(shape.iter().map(|c| c.l).sum::<f32>() / shape.len() as f32);
    }
    // And the lightness does not tell the class: each class spans a wide range of it, and the
    // classes' means are close (46.6–54.8 here, each over 15–26 shapes). The coloured pixels
    // measured leave out the palest blues, whose gamut allows little chroma.
    let means: Vec<f32> = lightness.iter().map(|ls| ls.iter().sum::<f32>() / ls.len() as f32).collect();
    for (c, ls) in lightness.iter().enumerate() {
        let (lo, hi) = ls.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &l| (lo.min(l), hi.max(l)));
        assert!(hi - lo > 20.0, "class {c}: lightness {lo:.1}..{hi:.1} over {} shapes", ls.len());
    }
    let (lo, hi) = means.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &l| (lo.min(l), hi.max(l)));
    assert!(hi - lo < 12.0, "class mean lightness {means:?}");
}
