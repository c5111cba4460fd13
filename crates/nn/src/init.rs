//! Seeded weight initialisation and seeded noise tensors.
//!
//! candle's CPU random generator cannot be seeded, so models are built through
//! `VarBuilder::from_varmap` and then every variable is overwritten here from a `u64` seed. Each
//! variable draws from its own ChaCha8 stream chosen by a hash of its name, so a variable's
//! initial value depends only on (seed, name, shape): adding a head to a model leaves the
//! encoder's initial weights unchanged, which keeps "pretrained vs random init" comparisons fair.
//!
//! The default rule is PyTorch's for `Linear`, `Conv2d` and `ConvTranspose2d`: weights are
//! `kaiming_uniform_(a = √5)`, i.e. U(−1/√fan_in, 1/√fan_in) with fan_in = `shape[1]·∏shape[2..]`,
//! and biases U(−1/√fan_in, 1/√fan_in) with the fan_in of their layer's weight. One-dimensional
//! weights (normalisation layers) start at 1 and their biases at 0.

use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::VarMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::Context;
use crate::NnError;

/// How one variable is (re)initialised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitKind {
    Uniform { lo: f64, hi: f64 },
    Normal { mean: f64, std: f64 },
    Const(f64),
    /// Leave the variable as it is (it was set deterministically by its constructor).
    Keep,
}

/// A random stream for `name` under `seed`; independent of every other name's stream.
pub fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(name.as_bytes()));
    rng
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Re-initialises every variable of `varmap` from `seed` with the PyTorch-default rule.
pub fn reinit(varmap: &VarMap, seed: u64) -> Result<(), NnError> {
    reinit_with(varmap, seed, "", &|_, _| None)
}

/// Re-initialises the variables whose names start with `prefix` (e.g. `"head"` to reset a
/// classifier between DeepCluster epochs).
pub fn reinit_prefix(varmap: &VarMap, prefix: &str, seed: u64) -> Result<(), NnError> {
    reinit_with(varmap, seed, prefix, &|_, _| None)
}

/// Re-initialises the variables under `prefix`, asking `rule(name, shape)` first and falling
/// back to the default rule where it returns `None` (e.g. DCGAN's N(0, 0.02) for its layers).
/// A variable neither rule covers is an error, since leaving it with candle's unseeded value
/// would break reproducibility silently.
pub fn reinit_with(
    varmap: &VarMap,
    seed: u64,
    prefix: &str,
    rule: &dyn Fn(&str, &[usize]) -> Option<InitKind>,
) -> Result<(), NnError> {
    let vars = varmap.data().lock().expect("VarMap lock poisoned");
    let mut names: Vec<&String> = vars.keys().filter(|n| n.starts_with(prefix)).collect();
    names.sort();
    for name in names {
        let var = &vars[name];
        let dims = var.dims().to_vec();
        let kind = match rule(name, &dims) {
            Some(kind) => kind,
            None => default_rule(name, &dims, |w| vars.get(w).map(|v| v.dims().to_vec()))?,
        };
        let values: Vec<f32> = {
            let n: usize = dims.iter().product();
            let mut rng = stream(seed, name);
            match kind {
                InitKind::Keep => continue,
                InitKind::Const(c) => vec![c as f32; n],
                InitKind::Uniform { lo, hi } => (0..n).map(|_| rng.random_range(lo..hi) as f32).collect(),
                InitKind::Normal { mean, std } => (0..n)
                    .map(|_| { let z: f64 = StandardNormal.sample(&mut rng); (mean + std * z) as f32 })
                    .collect(),
            }
        };
        Tensor::from_vec(values, dims.as_slice(), var.device())
            .and_then(|t| t.to_dtype(var.dtype()))
            .and_then(|t| var.set(&t))
            .context(|| format!("initialising {name}"))?;
    }
    Ok(())
}

/// The PyTorch-default initialisation for a variable called `name` with shape `dims`;
/// `shape_of` looks up a sibling variable's shape (a bias needs its weight's fan_in).
pub fn default_rule(
    name: &str,
    dims: &[usize],
    shape_of: impl Fn(&str) -> Option<Vec<usize>>,
) -> Result<InitKind, NnError> {
    let leaf = name.rsplit('.').next().unwrap_or(name);
    let uniform = |fan_in: usize| {
        let b = 1.0 / (fan_in.max(1) as f64).sqrt();
        InitKind::Uniform { lo: -b, hi: b }
    };
    if leaf.starts_with("weight") && dims.len() >= 2 {
        return Ok(uniform(fan_in(dims)));
    }
    if leaf == "weight" && dims.len() == 1 {
        return Ok(InitKind::Const(1.0));
    }
    if leaf == "running_mean" {
        return Ok(InitKind::Const(0.0));
    }
    if leaf == "running_var" {
        return Ok(InitKind::Const(1.0));
    }
    if let Some(stem) = name.strip_suffix("bias") {
        if let Some(w) = shape_of(&format!("{stem}weight")) {
            return Ok(if w.len() >= 2 { uniform(fan_in(&w)) } else { InitKind::Const(0.0) });
        }
    }
    Err(NnError::invalid(format!(
        "no seeded initialisation rule for variable `{name}` (shape {dims:?}); pass one with init::reinit_with"
    )))
}

/// PyTorch's fan_in: the size of dimension 1 times the receptive field.
pub fn fan_in(dims: &[usize]) -> usize {
    dims[1..].iter().product()
}

/// A tensor of standard-normal values drawn on the host from `rng` (reparameterisation, GAN noise).
pub fn randn(shape: impl Into<Shape>, rng: &mut ChaCha8Rng, device: &Device) -> Result<Tensor, NnError> {
    let shape = shape.into();
    let v: Vec<f32> = (0..shape.elem_count()).map(|_| StandardNormal.sample(rng)).collect();
    Tensor::from_vec(v, shape, device).context(|| "building a normal noise tensor".into())
}

/// A tensor of U[0, 1) values drawn on the host from `rng` (masking noise, dropout-like corruption).
pub fn rand(shape: impl Into<Shape>, rng: &mut ChaCha8Rng, device: &Device) -> Result<Tensor, NnError> {
    let shape = shape.into();
    let v: Vec<f32> = (0..shape.elem_count()).map(|_| rng.random::<f32>()).collect();
    Tensor::from_vec(v, shape, device).context(|| "building a uniform noise tensor".into())
}

/// The variables of `varmap` sorted by name, for optimisers and reproducible iteration.
pub fn sorted_vars(varmap: &VarMap) -> Vec<(String, candle_core::Var)> {
    let vars = varmap.data().lock().expect("VarMap lock poisoned");
    let mut all: Vec<(String, candle_core::Var)> = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// The trainable variables under `prefix` (all when empty), in name order. Use this to give an
/// optimiser only part of a model (a linear probe trains `head` and leaves `encoder` frozen).
/// Batch normalisation's running statistics (`running_mean`, `running_var`) are left out: the
/// forward pass sets them, and a weight decay would otherwise pull them towards 0.
pub fn vars_under(varmap: &VarMap, prefix: &str) -> Vec<candle_core::Var> {
    sorted_vars(varmap)
        .into_iter()
        .filter(|(n, v)| n.starts_with(prefix) && v.dtype() != DType::U32 && v.dtype() != DType::U8)
        .filter(|(n, _)| !is_running_statistic(n))
        .map(|(_, v)| v)
        .collect()
}

/// Whether variable `name` is a batch normalisation's running statistic (`….running_mean`,
/// `….running_var`): set by forward passes, never by an optimiser.
pub fn is_running_statistic(name: &str) -> bool {
    matches!(name.rsplit('.').next(), Some("running_mean" | "running_var"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::{Init, VarBuilder};

    fn model(seed: u64) -> VarMap {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        vb.pp("a").get_with_hints((8, 3, 3, 3), "weight", Init::Const(0.)).unwrap();
        vb.pp("a").get_with_hints(8, "bias", Init::Const(0.)).unwrap();
        vb.pp("b").get_with_hints((4, 200), "weight", Init::Const(0.)).unwrap();
        vb.pp("b").get_with_hints(4, "bias", Init::Const(0.)).unwrap();
        reinit(&vm, seed).unwrap();
        vm
    }

    fn values(vm: &VarMap, name: &str) -> Vec<f32> {
        vm.data().lock().unwrap()[name].as_tensor().flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn same_seed_same_bits_other_seed_other_values() {
        let (a, b, c) = (model(3), model(3), model(4));
        for name in ["a.weight", "a.bias", "b.weight", "b.bias"] {
            let (va, vb, vc) = (values(&a, name), values(&b, name), values(&c, name));
            assert_eq!(va.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), vb.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            assert_ne!(va, vc, "{name}");
        }
    }

    #[test]
    fn bounds_follow_fan_in() {
        let vm = model(0);
        // Conv weight fan_in = 3·3·3 = 27; its bias uses the same bound.
        for (name, fan) in [("a.weight", 27.0f32), ("a.bias", 27.0), ("b.weight", 200.0), ("b.bias", 200.0)] {
            let v = values(&vm, name);
            let bound = 1.0 / fan.sqrt();
            assert!(v.iter().all(|x| x.abs() <= bound), "{name}");
            // A uniform sample spans most of its interval.
            let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
            assert!(max > 0.5 * bound, "{name}: max {max} vs bound {bound}");
        }
        let w = values(&vm, "b.weight");
        let var = w.iter().map(|x| x * x).sum::<f32>() / w.len() as f32;
        let expected = 1.0 / 200.0 / 3.0; // variance of U(-b, b) is b²/3
        assert!((var / expected - 1.0).abs() < 0.1, "{var} vs {expected}");
    }

    #[test]
    fn a_variables_values_do_not_depend_on_its_neighbours() {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        vb.pp("b").get_with_hints((4, 200), "weight", Init::Const(0.)).unwrap();
        reinit(&vm, 3).unwrap();
        assert_eq!(values(&vm, "b.weight"), values(&model(3), "b.weight"));
    }

    #[test]
    fn unknown_variables_need_a_rule() {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        vb.get_with_hints((2, 2), "codebook_centroids", Init::Const(0.)).unwrap();
        vb.get_with_hints(2, "scale", Init::Const(0.)).unwrap();
        let e = reinit(&vm, 0).unwrap_err().to_string();
        assert!(e.contains("codebook_centroids") || e.contains("scale"), "{e}");
        reinit_with(&vm, 0, "", &|n, _| (n == "scale").then_some(InitKind::Const(2.0)).or(Some(InitKind::Normal { mean: 0.0, std: 0.02 })))
            .unwrap();
        assert_eq!(values(&vm, "scale"), vec![2.0, 2.0]);
    }

    #[test]
    fn running_statistics_are_not_trainable() {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        candle_nn::batch_norm(3, 1e-5, vb.pp("enc.bn")).unwrap();
        vb.pp("enc").get_with_hints((3, 2), "weight", Init::Const(0.)).unwrap();
        reinit(&vm, 0).unwrap();
        assert_eq!(values(&vm, "enc.bn.running_mean"), vec![0.0; 3]);
        assert_eq!(values(&vm, "enc.bn.running_var"), vec![1.0; 3]);
        let trainable: Vec<usize> = vars_under(&vm, "enc").iter().map(|v| v.elem_count()).collect();
        // enc.bn.bias, enc.bn.weight and enc.weight, in name order.
        assert_eq!(trainable, vec![3, 3, 6]);
    }

    #[test]
    fn noise_is_reproducible() {
        let a = randn((3, 4), &mut stream(1, "noise"), &Device::Cpu).unwrap();
        let b = randn((3, 4), &mut stream(1, "noise"), &Device::Cpu).unwrap();
        let c = rand((1000,), &mut stream(1, "noise"), &Device::Cpu).unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a.to_vec2::<f32>().unwrap(), b.to_vec2::<f32>().unwrap());
        assert!(c.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = c.iter().sum::<f32>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05);
    }
}
