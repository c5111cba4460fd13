//! Layer sizes, decoder shapes and name errors of every architecture.

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::*;

fn build(spec: &ArchSpec, latent: usize) -> (VarMap, Encoder, Decoder) {
    let vm = VarMap::new();
    let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
    let enc = build_encoder(spec, vb.clone()).unwrap();
    let dec = build_decoder(spec, latent, vb).unwrap();
    crate::init::reinit(&vm, 0).unwrap();
    (vm, enc, dec)
}

fn input(spec: &ArchSpec, n: usize) -> Tensor {
    let [c, h, w] = spec.input_dims();
    let v: Vec<f32> = (0..n * c * h * w).map(|i| ((i * 31) % 17) as f32 / 17.0).collect();
    Tensor::from_vec(v, (n, c, h, w), &Device::Cpu).unwrap()
}

/// (architecture, channels, side, [(layer, feature size)]).
type Case = (&'static str, usize, usize, &'static [(&'static str, usize)]);

#[test]
fn documented_feature_sizes() {
    let cases: &[Case] = &[
        ("mlp", 1, 28, &[("fc1", 512), ("fc2", 256)]),
        ("convnet", 1, 28, &[("conv1", 32 * 14 * 14), ("conv2", 64 * 7 * 7), ("conv3", 128 * 3 * 3), ("fc", 128)]),
        ("convnet", 3, 28, &[("conv1", 32 * 14 * 14), ("conv2", 64 * 7 * 7), ("conv3", 1152), ("fc", 128)]),
        ("convnet", 1, 64, &[("conv1", 32 * 32 * 32), ("conv2", 64 * 16 * 16), ("conv3", 128 * 8 * 8), ("fc", 128)]),
        (
            "convnet-rgb",
            3,
            32,
            &[("conv1", 32 * 16 * 16), ("conv2", 64 * 8 * 8), ("conv3", 128 * 8 * 8), ("conv4", 128 * 4 * 4), ("fc", 256)],
        ),
        ("convnet-small", 1, 28, &[("conv1", 32 * 14 * 14), ("conv2", 64 * 7 * 7), ("fc", 128)]),
    ];
    for &(name, c, side, layers) in cases {
        let spec = ArchSpec::new(name, c, side, side);
        let (_, enc, _) = build(&spec, 8);
        let want: Vec<(String, usize)> = layers.iter().map(|(n, d)| (n.to_string(), *d)).collect();
        assert_eq!(enc.layers(), want, "{name} {side}");
        assert_eq!(enc.out_dim(), want.last().unwrap().1);
        let x = input(&spec, 2);
        for (layer, dim) in layers {
            assert_eq!(enc.features(&x, layer).unwrap().dims(), &[2, *dim], "{name} {layer}");
        }
        let names: Vec<&str> = layers.iter().map(|(n, _)| *n).collect();
        let all = enc.features_at(&x, &names).unwrap();
        let last = enc.forward(&x).unwrap();
        assert_eq!(all.last().unwrap().to_vec2::<f32>().unwrap(), last.to_vec2::<f32>().unwrap());
        // Post-ReLU features are non-negative.
        assert!(last.min_all().unwrap().to_scalar::<f32>().unwrap() >= 0.0);
    }
}

#[test]
fn decoders_return_input_shaped_logits() {
    for (name, c, h, w) in [("mlp", 1, 28, 28), ("mlp", 3, 10, 12), ("convnet", 1, 28, 28), ("convnet", 3, 30, 30), ("convnet", 1, 64, 64), ("convnet-rgb", 3, 32, 32), ("convnet-small", 1, 28, 28)] {
        let spec = ArchSpec::new(name, c, h, w);
        let (_, _, dec) = build(&spec, 16);
        let z = Tensor::ones((3, 16), DType::F32, &Device::Cpu).unwrap();
        let y = dec.forward(&z).unwrap();
        assert_eq!(y.dims(), &[3, c, h, w], "{name} {h}×{w}");
        // Logits are not clamped by a final ReLU.
        assert!(y.min_all().unwrap().to_scalar::<f32>().unwrap() < 0.0, "{name}");
    }
}

#[test]
fn names_are_prefixed_by_role() {
    let spec = ArchSpec::new("convnet", 1, 28, 28);
    let (vm, enc, _) = build(&spec, 8);
    let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
    Head::new(enc.out_dim(), 10, vb).unwrap();
    let names: Vec<String> = crate::init::sorted_vars(&vm).into_iter().map(|(n, _)| n).collect();
    for want in ["encoder.conv1.weight", "encoder.fc.bias", "decoder.fc.weight", "decoder.up3.weight", "head.weight", "head.bias"] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    assert_eq!(vm.data().lock().unwrap()["encoder.fc.weight"].dims(), &[128, 1152]);
}

#[test]
fn unknown_names_and_bad_inputs_are_explained() {
    let vb = VarBuilder::from_varmap(&VarMap::new(), DType::F32, &Device::Cpu);
    let e = build_encoder(&ArchSpec::new("resnet", 1, 28, 28), vb.clone()).unwrap_err().to_string();
    assert!(e.contains("resnet") && e.contains("convnet-rgb") && e.contains("mlp"), "{e}");
    let spec = ArchSpec::new("convnet", 1, 28, 28);
    let enc = build_encoder(&spec, vb.clone()).unwrap();
    let x = input(&spec, 1);
    let e = enc.features(&x, "conv9").unwrap_err().to_string();
    assert!(e.contains("conv9") && e.contains("conv1, conv2, conv3, fc"), "{e}");
    let e = enc.forward(&input(&ArchSpec::new("convnet", 3, 28, 28), 1)).unwrap_err().to_string();
    assert!(e.contains("N×1×28×28"), "{e}");
    let e = build_encoder(&ArchSpec::new("convnet", 1, 6, 6), vb.clone()).unwrap_err().to_string();
    assert!(e.contains("too small"), "{e}");
    let mlp = build_encoder(&ArchSpec::new("mlp", 1, 4, 4), vb).unwrap();
    assert_eq!(mlp.forward(&Tensor::zeros((2, 16), DType::F32, &Device::Cpu).unwrap()).unwrap().dims(), &[2, 256]);
}
