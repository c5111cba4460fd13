//! Each optimiser against two steps computed by hand on the scalar loss w², w₀ = 1 (so ∇ = 2w).

use candle_core::{Device, Tensor, Var};
use pipeline_params::{ParamMap, Params};

use super::*;

fn run(mut opt: impl FnMut(Vec<Var>) -> Box<dyn Optimizer>) -> Vec<f64> {
    let w = Var::from_tensor(&Tensor::new(&[1f32], &Device::Cpu).unwrap()).unwrap();
    let mut o = opt(vec![w.clone()]);
    (0..2)
        .map(|_| {
            let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
            o.step(&loss.backward().unwrap()).unwrap();
            w.as_tensor().to_vec1::<f32>().unwrap()[0] as f64
        })
        .collect()
}

fn close(got: &[f64], want: &[f64]) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "got {got:?}, want {want:?}");
    }
}

#[test]
fn sgd_plain_momentum_nesterov_and_weight_decay() {
    // Plain: w ← w − 0.1·2w.
    close(&run(|v| Box::new(Sgd::new(v, 0.1, 0.0, 0.0, false).unwrap())), &[0.8, 0.64]);
    // Momentum 0.9, wd 0.01: g₁ = 2.01, buf = 2.01, w = 0.799; g₂ = 1.60599, buf = 3.41499, w = 0.457501.
    close(&run(|v| Box::new(Sgd::new(v, 0.1, 0.9, 0.01, false).unwrap())), &[0.799, 0.457501]);
    // Nesterov: g₁ = 2 + 0.9·2 = 3.8 → 0.62; g₂ = 1.24, buf = 3.04, g = 1.24 + 2.736 → 0.2224.
    close(&run(|v| Box::new(Sgd::new(v, 0.1, 0.9, 0.0, true).unwrap())), &[0.62, 0.2224]);
    assert!(Sgd::new(vec![], 0.1, 0.0, 0.0, true).is_err());
}

#[test]
fn adam_and_adamw() {
    // Step 1 moves by lr (m̂/√v̂ = 1); step 2: m = 0.36, v = 0.007236, m̂ = 1.894737, v̂ = 3.619810.
    close(&run(|v| Box::new(Adam::new(v, 0.1, 0.9, 0.999, 0.0, false).unwrap())), &[0.9, 0.8004122287]);
    // β1 = 0.5: m = 0.5·1 + 0.5·1.8 = 1.4, m̂ = 1.8667.
    close(&run(|v| Box::new(Adam::new(v, 0.1, 0.5, 0.999, 0.0, false).unwrap())), &[0.9, 0.8018876031]);
    // L2 decay 0.1 enters the gradient: g₁ = 2.1, g₂ = 1.89.
    close(&run(|v| Box::new(Adam::new(v, 0.1, 0.9, 0.999, 0.1, false).unwrap())), &[0.9, 0.8004122286]);
    // Decoupled decay 0.1: w·(1 − 0.01) first: 0.99 − 0.1 = 0.89; then 0.8811 − 0.0995277.
    close(&run(|v| Box::new(Adam::new(v, 0.1, 0.9, 0.999, 0.1, true).unwrap())), &[0.89, 0.7815718559]);
}

#[test]
fn optimizers_skip_vars_without_gradients_and_follow_set_lr() {
    let w = Var::from_tensor(&Tensor::new(&[1f32], &Device::Cpu).unwrap()).unwrap();
    let frozen = Var::from_tensor(&Tensor::new(&[5f32], &Device::Cpu).unwrap()).unwrap();
    let mut o = OptimParams { optimizer: "sgd".into(), momentum: 0.0, ..Default::default() }
        .build(vec![w.clone(), frozen.clone()])
        .unwrap();
    o.set_lr(0.25);
    assert_eq!(o.lr(), 0.25);
    let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
    o.step(&loss.backward().unwrap()).unwrap();
    assert_eq!(w.as_tensor().to_vec1::<f32>().unwrap(), vec![0.5]);
    assert_eq!(frozen.as_tensor().to_vec1::<f32>().unwrap(), vec![5.0]);
}

#[test]
fn schedules() {
    let c = Schedule::Constant;
    assert_eq!(c.lr(0.1, 3, 12345), 0.1);
    // Drops ×0.1 every 2 epochs: epochs 0, 1 → 1; 2, 3 → 0.1; 4 → 0.01.
    let s = Schedule::Step { every_epochs: 2, gamma: 0.1 };
    let lrs: Vec<f64> = [0, 1, 2, 3, 4].iter().map(|&e| s.lr(1.0, e, 999)).collect();
    close(&lrs, &[1.0, 1.0, 0.1, 0.1, 0.01]);
    // Cosine over 100 steps to 0.1: start 1, quarter (1+cos(π/4))/2 = 0.853553 → 0.1 + 0.9·that.
    let k = Schedule::Cosine { total_steps: 100, floor: 0.1 };
    let lrs: Vec<f64> = [0, 25, 50, 100, 150].iter().map(|&t| k.lr(1.0, 0, t)).collect();
    close(&lrs, &[1.0, 0.868198052, 0.55, 0.1, 0.1]);
    assert!(Schedule::from_name("warmup", 1, 0.1, 10, 0.0).is_err());
}

#[test]
fn params_defaults_and_checks() {
    let p = OptimParams::from_map(&ParamMap::new()).unwrap();
    assert_eq!((p.optimizer.as_str(), p.lr, p.schedule.as_str()), ("adam", 1e-3, "constant"));
    assert_eq!(p.weight_decay(), 0.0);
    let mut m = ParamMap::new();
    m.insert("optimizer".into(), "adamw".into());
    let p = OptimParams::from_map(&m).unwrap();
    assert_eq!(p.weight_decay(), 0.01);
    m.insert("optimizer".into(), "lbfgs".into());
    assert!(OptimParams::from_map(&m).unwrap_err().to_string().contains("lbfgs"));
    let p = OptimParams { schedule: "cosine".into(), lr_floor: 0.5, ..Default::default() };
    assert_eq!(p.schedule(10).unwrap(), Schedule::Cosine { total_steps: 10, floor: 0.5 });
}
