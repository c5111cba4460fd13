//! End-to-end training on tiny synthetic images: classifiers learn, an autoencoder reconstructs,
//! the NaN guard stops a diverging run, checkpoints round-trip.

use candle_core::{DType, Device, Tensor};
use candle_nn::{loss, VarBuilder, VarMap};
use pipeline_nn::arch::{build_decoder, build_encoder, ArchSpec, Encoder, Head};
use pipeline_nn::batch::{images_to_tensor, labels_to_tensor, EpochBatches};
use pipeline_nn::optim::{OptimParams, Schedule, Sgd};
use pipeline_nn::train::{TrainParams, Trainer};
use pipeline_nn::{checkpoint, init, NnError};
use rand::Rng;

/// `n` C×S×S images: a bright 6×6 square at a random spot inside quadrant `label` (0..4) on a
/// background of uniform noise below `noise`. Returns (u8 pixels, labels).
fn blobs(n: usize, c: usize, s: usize, seed: u64, noise: u8) -> (Vec<u8>, Vec<u32>) {
    let mut rng = init::stream(seed, "blobs");
    let half = s / 2;
    let mut px = Vec::with_capacity(n * c * s * s);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let label = rng.random_range(0..4u32);
        let (qy, qx) = ((label / 2) as usize * half, (label % 2) as usize * half);
        let (y0, x0) = (qy + rng.random_range(0..half - 6), qx + rng.random_range(0..half - 6));
        for _ in 0..c {
            for y in 0..s {
                for x in 0..s {
                    let inside = (y0..y0 + 6).contains(&y) && (x0..x0 + 6).contains(&x);
                    px.push(if inside { 255 } else { rng.random_range(0..noise.max(1)) });
                }
            }
        }
        labels.push(label);
    }
    (px, labels)
}

struct Classifier {
    varmap: VarMap,
    encoder: Encoder,
    head: Head,
}

fn classifier(spec: &ArchSpec, seed: u64) -> Classifier {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let encoder = build_encoder(spec, vb.clone()).unwrap();
    let head = Head::new(encoder.out_dim(), 4, vb).unwrap();
    init::reinit(&varmap, seed).unwrap();
    Classifier { varmap, encoder, head }
}

fn logits(m: &Classifier, x: &Tensor) -> Tensor {
    m.head.forward(&m.encoder.forward(x).unwrap()).unwrap()
}

fn accuracy(m: &Classifier, px: &[u8], labels: &[u32], dims: &[usize]) -> f64 {
    let idx: Vec<usize> = (0..labels.len()).collect();
    let x = images_to_tensor(px, &idx, dims, None, &Device::Cpu).unwrap();
    let pred = logits(m, &x).argmax(1).unwrap().to_vec1::<u32>().unwrap();
    pred.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / labels.len() as f64
}

/// Trains a 4-way quadrant classifier on `n` images and returns its held-out accuracy.
fn fit(arch: &str, c: usize, s: usize, n: usize, epochs: usize) -> f64 {
    let spec = ArchSpec::new(arch, c, s, s);
    let dims = [c, s, s];
    let (px, labels) = blobs(n, c, s, 1, 40);
    let (tpx, tlabels) = blobs(200, c, s, 2, 40);
    let m = classifier(&spec, 3);
    let train = TrainParams { epochs, batch: 32, drop_last: false };
    let optim = OptimParams::default();
    let mut trainer = Trainer::from_params(&optim, &train, labels.len(), init::vars_under(&m.varmap, "")).unwrap();
    for epoch in 0..epochs {
        for batch in train.epoch_batches(labels.len(), 5, epoch).unwrap().iter() {
            let x = images_to_tensor(&px, batch, &dims, None, &Device::Cpu).unwrap();
            let y = labels_to_tensor(&labels, batch, &Device::Cpu).unwrap();
            let l = loss::cross_entropy(&logits(&m, &x), &y).unwrap();
            trainer.step(&l, batch.len()).unwrap();
        }
        trainer.end_epoch();
    }
    let curve = trainer.curve();
    assert!(curve.records.last().unwrap().loss < curve.records[0].loss, "{arch}: loss did not fall: {curve:?}");
    accuracy(&m, &tpx, &tlabels, &dims)
}

#[test]
fn convnet_learns_quadrants() {
    let acc = fit("convnet", 1, 28, 256, 2);
    assert!(acc > 0.9, "convnet held-out accuracy {acc} (chance 0.25)");
}

#[test]
fn mlp_learns_quadrants() {
    let acc = fit("mlp", 1, 28, 256, 3);
    assert!(acc > 0.9, "mlp held-out accuracy {acc} (chance 0.25)");
}

#[test]
fn convnet_rgb_fits_a_batch() {
    // The larger network is too slow on a CPU for a held-out test here; memorising one batch
    // still shows that every layer trains.
    let spec = ArchSpec::new("convnet-rgb", 3, 32, 32);
    let (px, labels) = blobs(16, 3, 32, 3, 40);
    let m = classifier(&spec, 3);
    let idx: Vec<usize> = (0..16).collect();
    let x = images_to_tensor(&px, &idx, &[3, 32, 32], None, &Device::Cpu).unwrap();
    let y = labels_to_tensor(&labels, &idx, &Device::Cpu).unwrap();
    let mut trainer = Trainer::from_params(&OptimParams::default(), &TrainParams { epochs: 1, batch: 16, drop_last: false }, 16, init::vars_under(&m.varmap, "")).unwrap();
    let losses: Vec<f32> = (0..15).map(|_| trainer.step(&loss::cross_entropy(&logits(&m, &x), &y).unwrap(), 16).unwrap()).collect();
    let last = loss::cross_entropy(&logits(&m, &x), &y).unwrap().to_scalar::<f32>().unwrap();
    assert!(last < 0.3 * losses[0], "{losses:?} then {last}");
    assert_eq!(accuracy(&m, &px, &labels, &[3, 32, 32]), 1.0);
}

#[test]
fn convnet_autoencoder_reconstructs() {
    let spec = ArchSpec::new("convnet", 1, 28, 28);
    let dims = [1, 28, 28];
    let n = 128;
    let (px, _) = blobs(n, 1, 28, 4, 0);
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let encoder = build_encoder(&spec, vb.clone()).unwrap();
    let decoder = build_decoder(&spec, encoder.out_dim(), vb).unwrap();
    init::reinit(&varmap, 0).unwrap();
    let all: Vec<usize> = (0..n).collect();
    let x_all = images_to_tensor(&px, &all, &dims, None, &Device::Cpu).unwrap();
    let mse = |x: &Tensor| -> f32 {
        let recon = candle_nn::ops::sigmoid(&decoder.forward(&encoder.forward(x).unwrap()).unwrap()).unwrap();
        (recon - x).unwrap().sqr().unwrap().mean_all().unwrap().to_scalar::<f32>().unwrap()
    };
    // The best constant reconstruction, the per-pixel mean image, is what a model that ignores
    // its input can reach; a working autoencoder must beat it by far.
    let mean_img = x_all.mean_keepdim(0).unwrap();
    let baseline = x_all.broadcast_sub(&mean_img).unwrap().sqr().unwrap().mean_all().unwrap().to_scalar::<f32>().unwrap();
    let before = mse(&x_all);
    let train = TrainParams { epochs: 6, batch: 8, drop_last: false };
    let optim = OptimParams { lr: 3e-3, ..Default::default() };
    let mut trainer = Trainer::from_params(&optim, &train, n, init::vars_under(&varmap, "")).unwrap();
    for epoch in 0..train.epochs {
        for batch in train.epoch_batches(n, 9, epoch).unwrap().iter() {
            let x = images_to_tensor(&px, batch, &dims, None, &Device::Cpu).unwrap();
            let z = encoder.forward(&x).unwrap();
            let logits = decoder.forward(&z).unwrap();
            let l = pipeline_nn::loss::bce_with_logits(&logits, &x).unwrap();
            trainer.step(&l, batch.len()).unwrap();
        }
        trainer.end_epoch();
    }
    let after = mse(&x_all);
    let curve = trainer.curve();
    assert!(curve.records.last().unwrap().loss < 0.4 * curve.records[0].loss, "{curve:?}");
    assert!(after < 0.6 * baseline && after < 0.2 * before, "mse before {before}, after {after}, mean-image baseline {baseline}");
}

#[test]
fn nan_guard_stops_a_diverging_run_before_updating() {
    let spec = ArchSpec::new("mlp", 1, 28, 28);
    let (px, labels) = blobs(64, 1, 28, 6, 40);
    let m = classifier(&spec, 1);
    let vars = init::vars_under(&m.varmap, "");
    let mut trainer = Trainer::new(Box::new(Sgd::new(vars, 1e30, 0.0, 0.0, false).unwrap()), Schedule::Constant, 1, 8);
    let mut outcome = Ok(0.0);
    let mut steps = 0;
    for batch in EpochBatches::new(64, 8, 0, 0, false).unwrap().iter() {
        let x = images_to_tensor(&px, batch, &[1, 28, 28], None, &Device::Cpu).unwrap();
        let y = labels_to_tensor(&labels, batch, &Device::Cpu).unwrap();
        outcome = trainer.step(&loss::cross_entropy(&logits(&m, &x), &y).unwrap(), batch.len());
        if outcome.is_err() {
            break;
        }
        steps += 1;
    }
    match outcome {
        Err(NnError::NonFinite { epoch, step, value }) => {
            assert_eq!(epoch, 1);
            assert_eq!(step, steps + 1);
            assert!(!value.is_finite());
            let msg = outcome.unwrap_err().to_string();
            assert!(msg.contains("epoch 1") && msg.contains(&format!("step {step}")), "{msg}");
        }
        other => panic!("lr 1e30 should diverge, got {other:?}"),
    }

    // A NaN loss on the first step leaves the weights untouched.
    let m = classifier(&spec, 1);
    let before = m.varmap.data().lock().unwrap()["head.weight"].as_tensor().to_vec2::<f32>().unwrap();
    let mut trainer = Trainer::from_params(&OptimParams::default(), &TrainParams::default(), 64, init::vars_under(&m.varmap, "")).unwrap();
    let x = images_to_tensor(&px, &[0, 1], &[1, 28, 28], None, &Device::Cpu).unwrap();
    let nan = (logits(&m, &x).sum_all().unwrap() * f64::NAN).unwrap();
    let e = trainer.step(&nan, 2).unwrap_err();
    assert!(matches!(e, NnError::NonFinite { epoch: 1, step: 1, .. }), "{e}");
    let after = m.varmap.data().lock().unwrap()["head.weight"].as_tensor().to_vec2::<f32>().unwrap();
    assert_eq!(before, after);
}

#[test]
fn checkpoints_round_trip_and_refuse_other_models() {
    let spec = ArchSpec::new("convnet", 1, 28, 28);
    let (px, _) = blobs(4, 1, 28, 7, 40);
    let x = images_to_tensor(&px, &[0, 1, 2, 3], &[1, 28, 28], None, &Device::Cpu).unwrap();
    let a = classifier(&spec, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let meta = [("arch".to_string(), "convnet".to_string())].into_iter().collect();
    checkpoint::save(&a.varmap, &path, Some(meta)).unwrap();
    assert_eq!(checkpoint::metadata(&path).unwrap()["arch"], "convnet");

    let b = classifier(&spec, 2);
    assert_ne!(logits(&a, &x).to_vec2::<f32>().unwrap(), logits(&b, &x).to_vec2::<f32>().unwrap());
    checkpoint::load(&b.varmap, &path).unwrap();
    assert_eq!(logits(&a, &x).to_vec2::<f32>().unwrap(), logits(&b, &x).to_vec2::<f32>().unwrap());

    // An encoder alone loads from the full checkpoint by prefix, and gives the same features.
    let vm = VarMap::new();
    let enc = build_encoder(&spec, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
    assert!(checkpoint::load(&vm, &path).unwrap_err().to_string().contains("not in the model: head.bias"));
    checkpoint::load_prefix(&vm, &path, "encoder").unwrap();
    assert_eq!(enc.features(&x, "conv2").unwrap().to_vec2::<f32>().unwrap(), a.encoder.features(&x, "conv2").unwrap().to_vec2::<f32>().unwrap());

    // A different architecture is refused with the names that differ.
    let mlp = classifier(&ArchSpec::new("mlp", 1, 28, 28), 1);
    let e = checkpoint::load(&mlp.varmap, &path).unwrap_err().to_string();
    assert!(e.contains("missing: encoder.fc1.bias") && e.contains("model.safetensors"), "{e}");
    // Same names, other shapes (3 input channels) is refused too.
    let rgb = classifier(&ArchSpec::new("convnet", 3, 28, 28), 1);
    let e = checkpoint::load(&rgb.varmap, &path).unwrap_err().to_string();
    assert!(e.contains("encoder.conv1.weight has shape [32, 1, 3, 3] in the file but [32, 3, 3, 3]"), "{e}");
}

#[test]
fn same_seed_same_training() {
    let run = || {
        let spec = ArchSpec::new("convnet", 1, 28, 28);
        let (px, labels) = blobs(64, 1, 28, 8, 40);
        let m = classifier(&spec, 11);
        let train = TrainParams { epochs: 1, batch: 16, drop_last: false };
        let mut trainer = Trainer::from_params(&OptimParams::default(), &train, 64, init::vars_under(&m.varmap, "")).unwrap();
        let mut losses = Vec::new();
        for batch in train.epoch_batches(64, 3, 0).unwrap().iter() {
            let x = images_to_tensor(&px, batch, &[1, 28, 28], None, &Device::Cpu).unwrap();
            let y = labels_to_tensor(&labels, batch, &Device::Cpu).unwrap();
            losses.push(trainer.step(&loss::cross_entropy(&logits(&m, &x), &y).unwrap(), batch.len()).unwrap().to_bits());
        }
        losses
    };
    assert_eq!(run(), run());
}
