//! Numerically stable losses on logits.
//!
//! candle 0.11's `binary_cross_entropy_with_logit` takes `log(sigmoid(x))`, which is `log(0)`
//! once a logit passes about ±17 in f32, so a well-trained autoencoder's loss turns NaN. Here
//! BCE uses the standard stable form `max(x, 0) − x·t + log(1 + e^−|x|)`.

use candle_core::{Result, Tensor};

/// Elementwise binary cross-entropy between `logits` and targets in [0, 1] (same shape).
pub fn bce_with_logits_elementwise(logits: &Tensor, target: &Tensor) -> Result<Tensor> {
    let softplus_neg_abs = logits.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
    (logits.relu()? - (logits * target)?)? + softplus_neg_abs
}

/// Mean binary cross-entropy over all elements (an autoencoder's or a GAN's loss).
pub fn bce_with_logits(logits: &Tensor, target: &Tensor) -> Result<Tensor> {
    bce_with_logits_elementwise(logits, target)?.mean_all()
}

/// Binary cross-entropy summed over each item's elements: N values, e.g. the negative
/// log-likelihood of each image under a Bernoulli decoder, in nats.
pub fn bce_with_logits_per_item(logits: &Tensor, target: &Tensor) -> Result<Tensor> {
    bce_with_logits_elementwise(logits, target)?.flatten_from(1)?.sum(1)
}

/// Mean cross-entropy of class `logits` (N × classes) against u32 `labels` (N).
pub fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
    candle_nn::loss::cross_entropy(logits, labels)
}

/// Mean squared error over all elements.
pub fn mse(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    (pred - target)?.sqr()?.mean_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn bce_matches_the_formula_and_stays_finite() {
        let x = Tensor::new(&[[-100f32, -2.0, 0.0, 3.0, 100.0]], &Device::Cpu).unwrap();
        let t = Tensor::new(&[[1f32, 0.0, 0.5, 1.0, 0.0]], &Device::Cpu).unwrap();
        let got = bce_with_logits_elementwise(&x, &t).unwrap().to_vec2::<f32>().unwrap()[0].clone();
        let want: Vec<f32> = [(-100f64, 1f64), (-2.0, 0.0), (0.0, 0.5), (3.0, 1.0), (100.0, 0.0)]
            .iter()
            .map(|&(x, t)| {
                let p = 1.0 / (1.0 + (-x).exp());
                // Direct formula where it is representable, its limit (|x|) where it is not.
                if x.abs() > 30.0 { x.abs() as f32 } else { (-(t * p.ln() + (1.0 - t) * (1.0 - p).ln())) as f32 }
            })
            .collect();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-4, "{got:?} vs {want:?}");
        }
        let v = Var::from_tensor(&x).unwrap();
        let grads = bce_with_logits(v.as_tensor(), &t).unwrap().backward().unwrap();
        let g = grads.get(v.as_tensor()).unwrap().to_vec2::<f32>().unwrap()[0].clone();
        // d/dx = (sigmoid(x) − t)/N.
        let want = [-1.0 / 5.0, 0.119203 / 5.0, 0.0, -0.047426 / 5.0, 1.0 / 5.0];
        for (a, b) in g.iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "{g:?}");
        }
        let per_item = bce_with_logits_per_item(&x.reshape((1, 1, 5)).unwrap(), &t.reshape((1, 1, 5)).unwrap()).unwrap();
        assert_eq!(per_item.dims(), &[1]);
        assert!((per_item.to_vec1::<f32>().unwrap()[0] - got.iter().sum::<f32>()).abs() < 1e-3);
    }
}
