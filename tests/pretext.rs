//! Pretext tasks end to end at tiny scale: each task's generated dataset trains an encoder
//! whose features a probe then judges against a random-init encoder's on the same data.

use std::sync::{Arc, OnceLock};

use pipeline::artifact::{Artifact, PretextData};
use pipeline::progress::Progress;
use pipeline::registry::{find, Kind};
use pipeline::stage_ctx::{Input, StageCtx};
use pipeline_data::{color_shapes, moving_digits, synth_digits, ColorShapesParams, MovingDigitsParams, SynthDigitsParams};

/// Runs method `name` of `kind` on `inputs` (slot, artifact) with `with`, or says why it failed.
fn try_run(kind: Kind, name: &str, inputs: &[(&'static str, &Artifact)], with: serde_json::Value) -> Result<Artifact, String> {
    run_metrics(kind, name, inputs, with).map(|(a, _)| a)
}

/// [`try_run`] with the numbers the stage recorded.
fn run_metrics(kind: Kind, name: &str, inputs: &[(&'static str, &Artifact)], with: serde_json::Value) -> Result<(Artifact, Vec<(String, f64)>), String> {
    let method = find(kind, name).unwrap_or_else(|| panic!("no {kind} {name}"));
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs.iter().map(|(slot, a)| Input { slot, stage: slot.to_string(), artifact: (*a).clone() }).collect();
    // `explore` may vary the stages' seed (SEED); the tests run with 7.
    let seed = std::env::var("SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let mut ctx = StageCtx::new(name.to_string(), seed, candle_core::Device::Cpu, dir.path().into(), inputs, Progress::hidden());
    let map = with.as_object().cloned().unwrap_or_default().into_iter().collect();
    let out = method.run_map(&mut ctx, &map).map_err(|e| e.to_string())?;
    if kind == Kind::Pretrain || kind == Kind::Pretext {
        eprintln!("{kind} {name}: {:?}", ctx.metrics().iter().map(|m| (&m.metric, m.value)).collect::<Vec<_>>());
    }
    // Every artifact survives the store's save and load.
    out.save(dir.path()).unwrap();
    let back = Artifact::load(out.artifact_type(), dir.path(), ctx.metrics()).unwrap();
    if let (Artifact::Pretext(a), Artifact::Pretext(b)) = (&out, &back) {
        assert_eq!(a, b);
    }
    Ok((out, ctx.metrics().iter().map(|m| (m.metric.clone(), m.value)).collect()))
}

fn run(kind: Kind, name: &str, inputs: &[(&'static str, &Artifact)], with: serde_json::Value) -> Artifact {
    try_run(kind, name, inputs, with).unwrap_or_else(|e| panic!("{kind} {name}: {e}"))
}

fn metric(a: &Artifact) -> f64 {
    let Artifact::Metrics(m) = a else { panic!("not metrics") };
    m[0].value
}

/// (linear probe at `layer`, kNN at `layer`) test accuracy of `model` on `data`.
fn judge(model: &Artifact, data: &Artifact, layer: &str) -> (f64, f64) {
    judge_with(model, data, layer, serde_json::json!({"epochs": 10}))
}

/// [`judge`] with the linear probe's own settings (`probe`, without the layer).
fn judge_with(model: &Artifact, data: &Artifact, layer: &str, probe: serde_json::Value) -> (f64, f64) {
    let mut with = probe.as_object().cloned().unwrap_or_default();
    with.insert("layer".into(), layer.into());
    let probe = run(Kind::Finetune, "linear", &[("encoder", model), ("data", data)], serde_json::Value::Object(with));
    let linear = metric(&run(Kind::Evaluate, "accuracy", &[("model", &probe), ("data", data)], serde_json::json!({})));
    let knn = metric(&run(Kind::Evaluate, "knn", &[("model", model), ("data", data)], serde_json::json!({"layer": layer})));
    (linear, knn)
}

fn digits(train: usize, test: usize, warp: f64) -> Artifact {
    Artifact::Dataset(Arc::new(synth_digits(&SynthDigitsParams { train, test, warp, ..Default::default() }, 3).unwrap()))
}

/// Digits whose images each draw Gaussian pixel noise of standard deviation up to `noise`.
fn noisy_digits(train: usize, test: usize, warp: f64, noise: f64) -> Artifact {
    Artifact::Dataset(Arc::new(synth_digits(&SynthDigitsParams { train, test, warp, noise, ..Default::default() }, 3).unwrap()))
}

fn shapes(train: usize, test: usize) -> Artifact {
    Artifact::Dataset(Arc::new(color_shapes(&ColorShapesParams { train, test, ..Default::default() }, 3).unwrap()))
}

/// Shapes whose colour is keyed to the class (`palette: by-class`) over `backdrop` colours of
/// `background` textures, with uniform pixel noise of amplitude up to `noise`.
fn keyed_shapes(train: usize, test: usize, backdrop: &str, background: &str, noise: f64) -> Artifact {
    let (backdrop, background) = (backdrop.into(), background.into());
    let p = ColorShapesParams { train, test, palette: "by-class".into(), backdrop, background, noise, ..Default::default() };
    Artifact::Dataset(Arc::new(color_shapes(&p, 3).unwrap()))
}

fn pretext_of(a: &Artifact) -> &PretextData {
    let Artifact::Pretext(p) = a else { panic!("not a pretext dataset") };
    p
}

/// What a run of a task made and how its encoder and a random-init one do on `data` at `layer`.
struct Outcome {
    targets: Artifact,
    model: Artifact,
    /// The task's held-out metric (accuracy, or MSE for reconstruction).
    held_out: f64,
    pretext: (f64, f64),
    random: (f64, f64),
}

/// Makes `task`'s targets from `source`, trains on them, and judges the encoder and a random-init
/// one (same architecture) on `data` at `layer`.
fn compare(task: &str, task_with: serde_json::Value, epochs: usize, source: &Artifact, data: &Artifact, layer: &str) -> Outcome {
    let how = Judged { train: serde_json::json!({"epochs": epochs}), probe: serde_json::json!({"epochs": 10}), baseline: Baseline::RandomInit };
    compare_with(task, task_with, &how, source, data, layer)
}

/// How [`compare_with`] trains and judges.
struct Judged {
    /// The `pretext` pretraining's settings.
    train: serde_json::Value,
    /// The linear probe's settings (without the layer).
    probe: serde_json::Value,
    /// What the features are compared with.
    baseline: Baseline,
}

/// The floor a task's features must beat.
enum Baseline {
    /// `random` on the probe's data, judged like the task's encoder.
    RandomInit,
    /// Judged already (linear, kNN): [`random_on_noisy_digits`], shared by the tests that use it.
    Judged((f64, f64)),
    /// The pretext network as initialised ([`untrained`]): needed where the task changes the
    /// encoder's input, as colorization's L channel.
    Untrained,
}

/// A linear probe trained to convergence on a few hundred images (≈1600 steps), so that the
/// probe's own training length does not decide which features win.
fn converged_probe() -> serde_json::Value {
    serde_json::json!({"epochs": 200, "batch": 64})
}

/// [`compare`] with the training and the judge given by `how`.
fn compare_with(task: &str, task_with: serde_json::Value, how: &Judged, source: &Artifact, data: &Artifact, layer: &str) -> Outcome {
    let targets = run(Kind::Pretext, task, &[("data", source)], task_with);
    let (model, held_out) = learn_with(&targets, how.train.clone());
    let r = match how.baseline {
        Baseline::RandomInit => judge_with(&run(Kind::Pretrain, "random", &[("data", data)], serde_json::json!({})), data, layer, how.probe.clone()),
        Baseline::Judged(r) => r,
        Baseline::Untrained => judge_with(&untrained(&targets, &how.train), data, layer, how.probe.clone()),
    };
    let t = judge_with(&model, data, layer, how.probe.clone());
    eprintln!("{task}: {} items; {layer} linear/kNN {:.3}/{:.3} vs random {:.3}/{:.3}", pretext_of(&targets).train.len, t.0, t.1, r.0, r.1);
    Outcome { targets, model, held_out, pretext: t, random: r }
}

/// The probe data of the `*_on_noisy_digits` tests: 500 labelled digits with pixel noise (σ up
/// to 0.5 per image), 500 held out.
fn noisy_probe_digits() -> Artifact {
    noisy_digits(500, 500, 1.5, 0.5)
}

/// A random-init encoder's conv3 judged on [`noisy_probe_digits`] with [`converged_probe`]:
/// the same numbers for every test that compares with it (the stage seed is fixed), so made once.
fn random_on_noisy_digits() -> (f64, f64) {
    static JUDGED: OnceLock<(f64, f64)> = OnceLock::new();
    *JUDGED.get_or_init(|| {
        let data = noisy_probe_digits();
        judge_with(&run(Kind::Pretrain, "random", &[("data", &data)], serde_json::json!({})), &data, "conv3", converged_probe())
    })
}

/// The pretext network of `targets` as initialised, untrained: its encoder is the random-init
/// one of the same architecture and input transform (for colorization, the L channel of RGB
/// images), which `random` on the images themselves would not give. One step at a learning
/// rate of 1e-12 stores it without changing it. `train`'s architecture (`arch`), if it names one,
/// is kept.
fn untrained(targets: &Artifact, train: &serde_json::Value) -> Artifact {
    let mut with = serde_json::json!({"epochs": 1, "lr": 1e-12, "adversarial": 0.0});
    if let Some(arch) = train.get("arch") {
        with["arch"] = arch.clone();
    }
    run(Kind::Pretrain, "pretext", &[("data", targets)], with)
}

fn beats_random(o: &Outcome) {
    assert!(o.pretext.0 > o.random.0, "linear probe {:.3} vs random {:.3}", o.pretext.0, o.random.0);
    assert!(o.pretext.1 > o.random.1, "kNN {:.3} vs random {:.3}", o.pretext.1, o.random.1);
}

// Random conv features are strong on the built-in digits (a linear probe on a random convnet's
// conv2 gets ~99% on the default data), so the comparisons use harder digits (warp 1.5) and few
// training images, and read conv3: pretext training specialises fc to its own task (as the
// papers find for their last layers), where random features keep more of the image.

#[test]
fn rotation_features_beat_random_ones() {
    let data = digits(500, 300, 1.5);
    beats_random(&compare("rotation", serde_json::json!({}), 2, &data, &data, "conv3"));
}

#[test]
fn exemplar_features_beat_random_ones() {
    let data = digits(500, 300, 1.5);
    let o = compare("exemplar", serde_json::json!({"seeds": 200, "copies": 16}), 3, &data, &data, "conv3");
    beats_random(&o);
    assert_eq!(pretext_of(&o.targets).meta.classes, 200);
}

/// Trains on `targets` with `with`; returns the model and its held-out pretext metric.
fn learn_with(targets: &Artifact, with: serde_json::Value) -> (Artifact, f64) {
    let (model, m) = run_metrics(Kind::Pretrain, "pretext", &[("data", targets)], with).unwrap();
    let value = m.iter().find(|(n, _)| n.starts_with("pretext_")).expect("a pretext metric").1;
    eprintln!("{}: held-out {:?}", pretext_of(targets).meta.task, m);
    (model, value)
}

// The tests below check that each task learns what it is asked (against chance or a trivial
// predictor on the held-out pretext split) and that its features beat a random-init encoder's.
// On the clean digits the probes of these tasks do not beat random features; two things make the
// comparison a fair one at this scale: the probe is trained to convergence ([`converged_probe`]),
// and the digits carry pixel noise (each image draws its own level, σ up to 0.5), which random
// filters pass on to the probe and trained ones learn to look past.

#[test]
fn inpainting_features_beat_random_ones_on_noisy_digits() {
    let source = noisy_digits(1500, 200, 1.5, 0.5);
    // L2 only: the adversarial term's effect is not what is measured here. Seeds 7, 11, 5 (the
    // stages' seed, in `explore`): conv3 linear/kNN 0.822/0.680, 0.828/0.716, 0.830/0.702
    // against random 0.720/0.636, 0.706/0.628, 0.726/0.624.
    let how = Judged { train: serde_json::json!({"epochs": 8, "adversarial": 0.0}), probe: converged_probe(), baseline: Baseline::Judged(random_on_noisy_digits()) };
    let o = compare_with("inpainting", serde_json::json!({}), &how, &source, &noisy_probe_digits(), "conv3");
    beats_random(&o);
    // The centre is reconstructed better than by its fill (the dataset mean) everywhere.
    let Artifact::Dataset(d) = &source else { panic!() };
    let pipeline_pretext::Targets::Pixels(t) = &pretext_of(&o.targets).test.targets else { panic!() };
    let fill = t.iter().map(|&v| (v as f64 / 255.0 - d.mean[0] as f64).powi(2)).sum::<f64>() / t.len() as f64;
    assert!(o.held_out < fill, "reconstruction MSE {} against the fill's {fill}", o.held_out);
}

#[test]
fn jigsaw_features_beat_random_ones_on_noisy_digits() {
    let source = noisy_digits(500, 100, 1.5, 0.5);
    let how = Judged { train: serde_json::json!({"epochs": 4}), probe: converged_probe(), baseline: Baseline::Judged(random_on_noisy_digits()) };
    let o = compare_with("jigsaw", serde_json::json!({"copies": 2, "permutations": 24}), &how, &source, &noisy_probe_digits(), "conv3");
    let p = pretext_of(&o.targets);
    assert_eq!((p.meta.parts, p.meta.classes, p.meta.tables["permutations"].len()), (9, 24, 24));
    assert!(o.held_out > 3.0 / 24.0, "puzzle accuracy {} against chance 1/24", o.held_out);
    // The tile encoder is stored for whole images.
    let Artifact::Model(m) = &o.model else { panic!() };
    assert_eq!((m.meta.height, m.meta.width, m.meta.config["pretext"].as_str()), (28, 28, Some("jigsaw")));
    // The linear probe only (seeds 7, 11, 5: 0.794, 0.750, 0.774 against random 0.720, 0.706,
    // 0.726; with 4 copies, twice the compute, 0.748, 0.762, 0.748); conv3's kNN stays below
    // random's (0.570, 0.572, 0.560 against 0.636, 0.628, 0.624).
    assert!(o.pretext.0 > o.random.0, "linear probe {:.3} vs random {:.3}", o.pretext.0, o.random.0);
}

#[test]
fn relative_position_features_beat_random_ones_on_noisy_digits() {
    let source = noisy_digits(500, 100, 1.5, 0.5);
    let how = Judged { train: serde_json::json!({"epochs": 12, "batch": 32}), probe: converged_probe(), baseline: Baseline::Judged(random_on_noisy_digits()) };
    // Seeds 7, 11, 5 on an AVX2-only host: conv3 linear/kNN 0.740/0.660, 0.726/0.686,
    // 0.752/0.684 against random 0.720/0.636, 0.706/0.628, 0.726/0.624. At 6 epochs the margin
    // depended on the host: 0.758 (seed 7) where gemm ran AVX-512 kernels, 0.714 on AVX2 — the
    // summation order changes the training path, and 6 epochs left the task half-learnt.
    let o = compare_with("relative-position", serde_json::json!({"copies": 8}), &how, &source, &noisy_probe_digits(), "conv3");
    beats_random(&o);
    assert!(o.held_out > 2.0 / 8.0, "position accuracy {} against chance 1/8", o.held_out);
}

#[test]
fn colorization_features_beat_untrained_ones_on_class_coloured_shapes() {
    // Each shape class its own hue at a lightness drawn independently of the class, over grey
    // textures (color-shapes' `palette: by-class`, `backdrop: grey`): a shape's ab can be
    // predicted from L only by recognising the shape, as grass is green in natural images. The
    // floor is the same L-input network untrained. What it takes (stages' seed 7, probes on 500
    // labels, measured at grid 20): ~600 steps on 2000 images. At 1000 images × 12 epochs conv3
    // is a tie (0.296 against 0.290) and fc loses (0.186 against 0.226); at 2000 × 5 likewise
    // (0.288 against 0.282, 0.200 against 0.228); at lr 3e-3 the features die (0.128, chance). It also took centring
    // the ab bins on 0 (greys had scattered over four bins; held-out pixel accuracy 0.22 → 0.69).
    // On the default color-shapes, whose shape and background colours are drawn independently of
    // the shape, ab given L tells little of the shape and the features lose to the untrained
    // network (2000 images, 4 epochs, a converged probe on 1000 labels: conv3 linear/kNN
    // 0.226/0.222 against 0.278/0.216, measured before the ab bins were centred on 0). Not
    // measured with this palette: coloured backdrops (an earlier HSV class palette over them
    // lost, conv3 0.336 against 0.406).
    let (source, data) = (keyed_shapes(2000, 200, "grey", "mixed", 0.03), keyed_shapes(500, 500, "grey", "mixed", 0.03));
    let how = Judged { train: serde_json::json!({"epochs": 10, "batch": 32}), probe: converged_probe(), baseline: Baseline::Untrained };
    // Bins of 40 (12 in use; a quarter of the decoder's output of grid 20's 36 bins, ~27 % less
    // time per epoch). Seeds 7, 11, 5 (`explore`: TASK=colorization PALETTE=by-class UNTRAINED=1
    // N=2000 EPOCHS=10 TRAIN='{"batch":32}' WITH='{"grid":40}' PROBE='{"epochs":200,"batch":64}'):
    // fc linear/kNN 0.536/0.470, 0.504/0.416, 0.552/0.464 against untrained 0.228/0.198,
    // 0.236/0.184, 0.236/0.210. At grid 20: fc 0.446/0.346, 0.378/0.288, 0.418/0.320; conv3
    // 0.392/0.422, 0.366/0.384, 0.362/0.418 against 0.282/0.216, 0.272/0.204, 0.258/0.210. At
    // grid 40 × 6 epochs fc loses (seed 7: 0.200 against 0.228).
    // The probes on the RGB images run at all only because the 1-channel encoder is fed their L
    // channel (a shape error would fail the stage).
    let o = compare_with("colorization", serde_json::json!({"grid": 40.0}), &how, &source, &data, "fc");
    beats_random(&o);
    let p = pretext_of(&o.targets);
    assert_eq!((p.meta.part.channels, p.meta.input_transform.as_deref()), (1, Some("lab-l")));
    assert_eq!(p.meta.class_weights.len(), p.meta.classes);
    assert!(o.held_out > 3.0 / p.meta.classes as f64, "pixel accuracy {} against chance 1/{}", o.held_out, p.meta.classes);
    let Artifact::Model(m) = &o.model else { panic!() };
    assert_eq!((m.meta.channels, m.meta.arch.as_str(), m.meta.config["input_transform"].as_str()), (1, "convnet-rgb", Some("lab-l")));
}

#[test]
fn temporal_order_learns_its_triplets_and_is_judged_on_padded_digits() {
    // Triplets whose frames do not all differ are drawn again (a still digit shows no order),
    // which leaves ~8 per video; 1544 triplets at batch 16 make ~390 steps. 32×32 frames (the
    // digit 16 px): a quarter of the paper's canvas's compute.
    let videos = moving_digits(&MovingDigitsParams { train: 200, test: 100, frames: 10, digits: 1, side: 32, ..Default::default() }, 3, None).unwrap();
    let videos = Artifact::Dataset(Arc::new(videos));
    let targets = run(Kind::Pretext, "temporal-order", &[("data", &videos)], serde_json::json!({"copies": 8}));
    let (model, acc) = learn_with(&targets, serde_json::json!({"epochs": 4, "batch": 16}));
    assert!(acc > 0.6, "order accuracy {acc} against chance 0.5");
    // Digits of the videos' scale on a canvas of their frames' size.
    let small = Artifact::Dataset(Arc::new(synth_digits(&SynthDigitsParams { train: 300, test: 100, size: 16, ..Default::default() }, 3).unwrap()));
    let data = run(Kind::Ingest, "pad", &[("data", &small)], serde_json::json!({"size": 32}));
    assert!(judge(&model, &data, "conv3").0 > 0.3);
    // Not claimed: its probe beating random-init. The order is told from where the digit is, not
    // what it is, and on padded digits a conv3 probe stays below random's (64×64 frames, converged
    // probe: linear/kNN 0.696/0.582 against 0.738/0.580 at 150 videos, 0.716/0.642 at 400; with
    // pixel noise on the probe digits 0.470/0.356 against 0.636/0.448; 32×32 frames as here,
    // 10-epoch probe on 300 noiseless digits: 0.706/0.598 against 0.852/0.764). Nor did negatives
    // whose middle frame shows another video's digit at the place of its own (commit 675ebec,
    // reverted), which the network learns to tell (held-out 0.91–0.93) but not from the digit's
    // class: 400 videos × 12 epochs, seeds 7, 11, 5, converged probe, linear conv3 0.692, 0.662,
    // 0.536 and conv2 0.658, 0.690, 0.646 against random 0.754, 0.764, 0.748 and 0.710, 0.708,
    // 0.724; only conv1 beat it (0.648, 0.678, 0.638 against 0.584, 0.650, 0.616; without them
    // 0.610, 0.646, 0.640).
    // Nor did noisy frames judged on noisy digits, the protocol under which the other tasks win
    // (`explore` VNOISE=0.3 PNOISE=0.3: the `noise` ingest over the videos and over the padded
    // probe digits; 10 epochs at lr 3e-4, batch 16; converged probe on 500 digits). Seeds 7, 11,
    // 5, conv3 linear/kNN: 0.764/0.646, 0.880/0.738, 0.828/0.664 against random 0.818/0.664,
    // 0.868/0.688, 0.824/0.642; with the classes scrambled over the same triplets (SCRAMBLE, a
    // control that learns nothing of the order): 0.776/0.704, 0.836/0.750, 0.786/0.646. More
    // videos did not change it (held-out 0.74–0.80): 600 × 6 epochs 0.734/0.600, 0.836/0.652,
    // 0.768/0.564; 1000 × 6 0.826/0.684, 0.814/0.652, 0.820/0.612. Nor did lr 1e-3 (0.696/0.618,
    // 0.788/0.650, 0.530/0.368) or digits that turn in place (SPEED=0 SPIN=15: 0.832/0.700,
    // 0.864/0.710, 0.828/0.682, held-out 0.59–0.65). Two-digit triplets whose middle frame
    // shows the two digits at each other's places (commit 7545b0f, removed), where only which
    // digit is where tells a negative: not learnt on noisy frames in 10 epochs (held-out 0.53),
    // and when learnt on clean ones (20 epochs at lr 1e-3, held-out 0.71) conv3 linear 0.718
    // against 0.818 (seed 7). Even where the digit is, which the order is told from, is read no
    // better than from random-init's maps (this test's training; PLACE=anywhere POSITION=4: which
    // of 4 × 4 cells the digit sits in, 300 labels, 10-epoch probe; seeds 7, 11, 5): conv3
    // 0.748/0.796, 0.760/0.784, 0.788/0.792 against 0.786/0.812, 0.780/0.812, 0.788/0.810.
}

#[test]
fn bad_inputs_are_explained() {
    let videos = Artifact::Dataset(Arc::new(moving_digits(&MovingDigitsParams { train: 2, test: 2, frames: 4, digits: 1, ..Default::default() }, 3, None).unwrap()));
    let grey = digits(20, 10, 1.0);
    let e = try_run(Kind::Pretext, "rotation", &[("data", &videos)], serde_json::json!({})).unwrap_err();
    assert!(e.contains("4-frame videos"), "{e}");
    let e = try_run(Kind::Pretext, "temporal-order", &[("data", &videos)], serde_json::json!({})).unwrap_err();
    assert!(e.contains("5 frames"), "{e}");
    let e = try_run(Kind::Pretext, "colorization", &[("data", &grey)], serde_json::json!({})).unwrap_err();
    assert!(e.contains("RGB"), "{e}");
    let e = try_run(Kind::Pretext, "exemplar", &[("data", &grey)], serde_json::json!({"seeds": 50})).unwrap_err();
    assert!(e.contains("50 seed images"), "{e}");
    let e = try_run(Kind::Pretext, "jigsaw", &[("data", &grey)], serde_json::json!({"gap": 0.9})).unwrap_err();
    assert!(e.contains("gap"), "{e}");
    // A colorization model expects RGB images to turn into L, not grey ones.
    let shapes = shapes(30, 10);
    let targets = run(Kind::Pretext, "colorization", &[("data", &shapes)], serde_json::json!({}));
    let model = run(Kind::Pretrain, "pretext", &[("data", &targets)], serde_json::json!({"epochs": 1}));
    let e = try_run(Kind::Evaluate, "knn", &[("model", &model), ("data", &digits(30, 10, 1.0))], serde_json::json!({})).unwrap_err();
    assert!(e.contains("3×32×32"), "{e}");
}

#[test]
#[ignore]
fn explore() {
    let task = std::env::var("TASK").unwrap_or("rotation".into());
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let epochs: usize = std::env::var("EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let env = |k: &str, d: f64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (warp, noise) = (env("WARP", 1.5), env("NOISE", 0.06));
    // Colorization's data: default color-shapes, or with PALETTE=by-class the class-keyed palette
    // over BACKDROP (colour or grey) BACKGROUND textures with pixel noise up to NOISE.
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or(d.into());
    let colour_data = |train, test| match std::env::var("PALETTE").as_deref() {
        Ok("by-class") => keyed_shapes(train, test, &var("BACKDROP", "grey"), &var("BACKGROUND", "mixed"), env("NOISE", 0.03)),
        _ => shapes(train, test),
    };
    let source = match task.as_str() {
        "temporal-order" => Artifact::Dataset(Arc::new(moving_digits(&MovingDigitsParams { train: n, test: 100, frames: env("FRAMES", 10.0) as usize, digits: env("DIGITS", 1.0) as usize, side: env("SIDE", 64.0) as usize, speed: std::env::var("SPEED").ok().and_then(|v| v.parse().ok()), spin: env("SPIN", 0.0), ..Default::default() }, 3, None).unwrap())),
        "colorization" => colour_data(n, 200),
        _ => noisy_digits(n, 200, warp, noise),
    };
    // VNOISE: the videos' pixel noise (the `noise` ingest's sigma); PNOISE the probe digits'.
    let source = if task == "temporal-order" { noised(source, env("VNOISE", 0.0), 1) } else { source };
    let task_with: serde_json::Value = serde_json::from_str(&std::env::var("WITH").unwrap_or("{}".into())).unwrap();
    let train_with: serde_json::Value = serde_json::from_str(&std::env::var("TRAIN").unwrap_or("{}".into())).unwrap();
    let mut train_with = train_with.as_object().cloned().unwrap_or_default();
    train_with.insert("epochs".into(), epochs.into());
    let t0 = std::time::Instant::now();
    let targets = run(Kind::Pretext, &task, &[("data", &source)], task_with);
    let targets = if std::env::var("SCRAMBLE").is_ok() { scrambled(&targets) } else { targets };
    let (model, _) = learn_with(&targets, serde_json::Value::Object(train_with.clone()));
    eprintln!("pretext made and trained in {:.1}s", t0.elapsed().as_secs_f64());
    // PROBE_N: comma-separated numbers of labelled training images for the probes.
    for probe_n in std::env::var("PROBE_N").unwrap_or("500".into()).split(",") {
        let probe_n: usize = probe_n.parse().unwrap();
        let data = if task == "colorization" {
            colour_data(probe_n, 500)
        } else if task == "temporal-order" {
            // Digits of the videos' scale (half the side) on a canvas of their frames' size.
            let side = env("SIDE", 64.0) as usize;
            let small = synth_digits(&SynthDigitsParams { train: probe_n, test: 500, size: side / 2, warp, noise, ..Default::default() }, 3).unwrap();
            let placed = if std::env::var("PLACE").as_deref() == Ok("anywhere") {
                scattered(&small, side, std::env::var("POSITION").ok().and_then(|g| g.parse().ok()))
            } else {
                run(Kind::Ingest, "pad", &[("data", &Artifact::Dataset(Arc::new(small)))], serde_json::json!({"size": side}))
            };
            match env("PNOISE", 0.0) {
                0.0 => placed,
                sigma => run(Kind::Ingest, "noise", &[("data", &placed)], serde_json::json!({"sigma": sigma})),
            }
        } else {
            noisy_digits(probe_n, 500, warp, noise)
        };
        let random = if std::env::var("UNTRAINED").is_ok() { untrained(&targets, &serde_json::Value::Object(train_with.clone())) } else { run(Kind::Pretrain, "random", &[("data", &data)], serde_json::json!({})) };
        for layer in std::env::var("LAYERS").unwrap_or("conv2,conv3,fc".into()).split(",") {
            let probe: serde_json::Value = serde_json::from_str(&std::env::var("PROBE").unwrap_or(r#"{"epochs": 10}"#.into())).unwrap();
            let (t, r) = (judge_with(&model, &data, layer, probe.clone()), judge_with(&random, &data, layer, probe));
            eprintln!("{task} probe_n {probe_n} {layer}: linear/kNN {:.3}/{:.3} vs random {:.3}/{:.3}", t.0, t.1, r.0, r.1);
        }
    }
    eprintln!("total {:.1}s", t0.elapsed().as_secs_f64());
}

/// `data`'s images each at its own place on a `side`×`side` zero canvas (as the digits of
/// moving-digits frames are), for `explore`'s `PLACE=anywhere`; with `cells` = g the label is
/// where the image is (which of g × g cells of the offsets), not what it shows (`POSITION=g`).
fn scattered(data: &pipeline_data::Dataset, side: usize, cells: Option<usize>) -> Artifact {
    use pipeline_data::{Dataset, Layout, Split};
    let l = data.layout;
    let to = Layout { height: side, width: side, ..l };
    let free = side - l.height;
    let place = |s: &Split, salt: usize| {
        let mut images = vec![0u8; s.len * to.item_len()];
        let mut cell = Vec::with_capacity(s.len);
        for (i, (src, dst)) in s.images.chunks_exact(l.height * l.width).zip(images.chunks_exact_mut(side * side)).enumerate() {
            // A fixed scatter of offsets (multiplicative hashing of the index).
            let h = (i + salt).wrapping_mul(2654435761) >> 7;
            let (top, left) = (h % (free + 1), (h / (free + 1)) % (free + 1));
            if let Some(g) = cells {
                cell.push((top * g / (free + 1) * g + left * g / (free + 1)) as u32);
            }
            for y in 0..l.height {
                dst[(top + y) * side + left..][..l.width].copy_from_slice(&src[y * l.width..][..l.width]);
            }
        }
        Split { images, labels: if cells.is_some() { Some(cell) } else { s.labels.clone() }, len: s.len }
    };
    let classes = match cells {
        Some(g) => (0..g * g).map(|c| format!("cell{c}")).collect(),
        None => data.classes.clone(),
    };
    Artifact::Dataset(Arc::new(Dataset::new(&format!("{}+scattered", data.source), to, classes, place(&data.train, 0), place(&data.test, 1 << 20))))
}

/// `a` with Gaussian pixel noise up to `sigma` (none at 0) drawn with `seed`, not the stages'
/// seed, so that it does not repeat the probe digits' noise (the `noise` stage's, seed 7).
fn noised(a: Artifact, sigma: f64, seed: u64) -> Artifact {
    let Artifact::Dataset(d) = &a else { panic!("not a dataset") };
    if sigma == 0.0 { a } else { Artifact::Dataset(Arc::new(pipeline_data::noisy(d, sigma, seed))) }
}

/// `targets` with each training item's class taken from another item (a fixed scramble), so the
/// classes no longer say anything about the inputs: `explore`'s SCRAMBLE control, which tells what
/// training on the same inputs does to the features whatever the task.
fn scrambled(targets: &Artifact) -> Artifact {
    let mut pd = pretext_of(targets).clone();
    let pipeline_pretext::Targets::Classes(c) = &mut pd.train.targets else { panic!("SCRAMBLE needs class targets") };
    let n = c.len();
    *c = (0..n).map(|i| c[(i.wrapping_mul(2654435761) >> 3) % n]).collect();
    Artifact::Pretext(Arc::new(pd))
}

