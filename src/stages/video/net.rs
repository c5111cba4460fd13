//! The networks of SVG (Denton & Fergus, "Stochastic Video Generation with a Learned Prior",
//! ICML 2018): a DCGAN-style frame encoder and a decoder with skip connections, and LSTMs.
//!
//! The paper's 64×64 encoder halves the side with 4×4 stride-2 convolutions (nf, 2nf, 4nf, 8nf
//! channels, LeakyReLU 0.2) down to 4×4, then maps to a `g_dim` vector with a 4×4 convolution and
//! tanh; the decoder mirrors it with transposed convolutions, each level taking the encoder's
//! activation of the same size (from the last conditioning frame) concatenated to its input, and
//! ends in a sigmoid. As in the reference code (edenton/svg, `models/dcgan_64.py`) every layer but
//! the decoder's output is followed by batch normalisation: `train` passes normalise with the
//! batch's statistics and fold them into running statistics (PyTorch's momentum 0.1, unbiased
//! variance), which are stored with the weights and used by evaluation passes, so that a
//! prediction there does not depend on the rest of its batch. The reference normalises each time
//! step's frames together; here a training batch's frames of all steps are encoded in one call
//! and share one set of statistics. Any side 2^k ≥ 8 works; 64 gives the paper's four levels.

use candle_core::{Result, Tensor, D};
use candle_nn::{BatchNorm, ModuleT, VarBuilder};
use pipeline_nn::layers::{Conv2d, ConvTranspose2d, Linear};

use pipeline_nn::ops;

const SLOPE: f64 = 0.2;

/// The name of the decoder's last layer, whose bias sets the output's starting intensity.
pub const OUTPUT_LAYER: &str = "up0";

/// LeakyReLU: one op on the CPU, `(1 − a)·relu(x) + a·x` elsewhere.
pub fn leaky_relu(x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() && matches!(x.dtype(), candle_core::DType::F32 | candle_core::DType::F64) {
        return x.contiguous()?.apply_op1(super::leaky_relu::LeakyRelu(SLOPE));
    }
    x.relu()?.affine(1.0 - SLOPE, 0.0)? + x.affine(SLOPE, 0.0)?
}

/// Number of stride-2 levels from `side` down to 4×4, or `None` when `side` is not 2^k ≥ 8.
pub fn levels(side: usize) -> Option<usize> {
    (side >= 8 && side.is_power_of_two()).then(|| side.trailing_zeros() as usize - 2)
}

/// The variable prefix of a layer's batch normalisation, under the layer's own
/// (`encoder.down0.bn.running_mean`, ...).
const BN: &str = "bn";

/// PyTorch's `BatchNorm2d` (ε 1e-5, momentum 0.1, γ and β) over dimension 1 of N×C(×H×W).
fn batch_norm(channels: usize, vb: VarBuilder) -> Result<BatchNorm> {
    candle_nn::batch_norm(channels, candle_nn::BatchNormConfig::default(), vb.pp(BN))
}

/// Frames (N×C×S×S) to N×`g_dim` codes, keeping each level's activation for the skips.
pub struct FrameEncoder {
    downs: Vec<(Conv2d, BatchNorm)>,
    last: (Conv2d, BatchNorm),
}

impl FrameEncoder {
    pub fn new(channels: usize, side: usize, nf: usize, g_dim: usize, vb: VarBuilder) -> Result<Self> {
        let n = levels(side).ok_or_else(|| candle_core::Error::Msg(format!("frame side {side} is not a power of two ≥ 8")))?;
        let mut downs = Vec::with_capacity(n);
        let mut c_in = channels;
        for l in 0..n {
            let c_out = nf << l;
            let vb = vb.pp(format!("down{l}"));
            downs.push((Conv2d::new(c_in, c_out, 4, 1, 2, vb.clone())?, batch_norm(c_out, vb)?));
            c_in = c_out;
        }
        let vb = vb.pp("code");
        let last = (Conv2d::new(c_in, g_dim, 4, 0, 1, vb.clone())?, batch_norm(g_dim, vb)?);
        Ok(Self { downs, last })
    }

    /// The code (N×g_dim, in (−1, 1)) and the activations of every level, finest first
    /// (N×channels×side×side). `train`: batch statistics (updating the running ones), else the
    /// running statistics.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<(Tensor, Vec<Tensor>)> {
        let mut skips = Vec::with_capacity(self.downs.len());
        let mut h = x.contiguous()?;
        for (conv, bn) in &self.downs {
            h = leaky_relu(&bn.forward_t(&ops::conv2d(&h, &conv.weight, Some(&conv.bias), 1, 2)?, train)?)?;
            skips.push(h.clone());
        }
        // A 4×4 kernel over the 4×4 map is a dense layer over the flattened map.
        let (conv, bn) = &self.last;
        let (co, c) = (conv.weight.dim(0)?, conv.weight.dim(1)?);
        let code = ops::linear(&h.flatten_from(1)?, &conv.weight.reshape((co, 16 * c))?, Some(&conv.bias))?;
        Ok((bn.forward_t(&code, train)?.tanh()?, skips))
    }
}

/// N×`g_dim` vectors plus skips to N×C×S×S frames in [0, 1].
pub struct FrameDecoder {
    first: (ConvTranspose2d, BatchNorm),
    /// Coarsest first; every level but the output has its batch normalisation.
    ups: Vec<(ConvTranspose2d, Option<BatchNorm>)>,
}

impl FrameDecoder {
    pub fn new(channels: usize, side: usize, nf: usize, g_dim: usize, vb: VarBuilder) -> Result<Self> {
        let n = levels(side).ok_or_else(|| candle_core::Error::Msg(format!("frame side {side} is not a power of two ≥ 8")))?;
        let top = nf << (n - 1);
        let first = (ConvTranspose2d::new(g_dim, top, 4, 0, 0, 1, vb.pp("code"))?, batch_norm(top, vb.pp("code"))?);
        // Level l (coarsest first) takes its input concatenated with the encoder's skip: twice
        // the channels.
        let mut ups = Vec::with_capacity(n);
        for l in (0..n).rev() {
            let c_in = 2 * (nf << l);
            let c_out = if l == 0 { channels } else { nf << (l - 1) };
            let name = if l == 0 { OUTPUT_LAYER.to_string() } else { format!("up{l}") };
            let bn = if l == 0 { None } else { Some(batch_norm(c_out, vb.pp(&name))?) };
            ups.push((ConvTranspose2d::new(c_in, c_out, 4, 1, 0, 2, vb.pp(name))?, bn));
        }
        Ok(Self { first, ups })
    }

    /// Decodes `code` (N×g_dim) with `skips` (as [`FrameEncoder::forward`] returns them, N rows
    /// each) into N×C×S×S frames; `train` as in [`FrameEncoder::forward`].
    pub fn forward(&self, code: &Tensor, skips: &[Tensor], train: bool) -> Result<Tensor> {
        candle_nn::ops::sigmoid(&self.logits(code, skips, train)?)
    }

    /// The pixels' logits before the sigmoid, N×C×S×S: training takes its Bernoulli
    /// cross-entropy on these, whose gradient does not vanish where the sigmoid saturates.
    pub fn logits(&self, code: &Tensor, skips: &[Tensor], train: bool) -> Result<Tensor> {
        // A 4×4 transposed kernel on a 1×1 map is a dense layer into the flattened 4×4 map.
        let (first, bn) = &self.first;
        let w = &first.weight;
        let (n, (g, co)) = (code.dim(0)?, (w.dim(0)?, w.dim(1)?));
        let map = ops::linear(code, &w.reshape((g, 16 * co))?.t()?, None)?.reshape((n, co, 4, 4))?;
        let mut h = leaky_relu(&bn.forward_t(&map.broadcast_add(&first.bias.reshape((1, co, 1, 1))?)?, train)?)?;
        for ((up, bn), skip) in self.ups.iter().zip(skips.iter().rev()) {
            h = ops::conv_transpose2d(&Tensor::cat(&[&h, skip], 1)?, &up.weight, Some(&up.bias), 1, 0, 2)?;
            if let Some(bn) = bn {
                h = leaky_relu(&bn.forward_t(&h, train)?)?;
            }
        }
        Ok(h)
    }
}

/// One LSTM cell; the four gates come from one dense layer over `[x, h]`.
pub struct LstmCell {
    gates: Linear,
    hidden: usize,
}

impl LstmCell {
    pub fn new(input: usize, hidden: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self { gates: Linear::new(input + hidden, 4 * hidden, vb)?, hidden })
    }

    /// One step: `(h, c)` → `(h', c')`.
    pub fn step(&self, x: &Tensor, h: &Tensor, c: &Tensor) -> Result<(Tensor, Tensor)> {
        let g = self.gates.forward(&Tensor::cat(&[x, h], 1)?)?;
        let k = self.hidden;
        let sig = |i: usize| candle_nn::ops::sigmoid(&g.narrow(1, i * k, k)?);
        let (input, forget, output) = (sig(0)?, sig(1)?, sig(3)?);
        let cell = g.narrow(1, 2 * k, k)?.tanh()?;
        let c = ((forget * c)? + (input * cell)?)?;
        let h = (output * c.tanh()?)?;
        Ok((h, c))
    }
}

/// The recurrent state of a stack of cells for a batch.
#[derive(Clone)]
pub struct LstmState {
    h: Vec<Tensor>,
    c: Vec<Tensor>,
}

/// SVG's `lstm` and `gaussian_lstm`: a dense embedding, stacked cells, and dense heads. With one
/// head it is the frame predictor (tanh output, a code for the decoder); with two it outputs a
/// diagonal Gaussian's mean and log-variance (the posterior and the learned prior).
pub struct Lstm {
    embed: Linear,
    cells: Vec<LstmCell>,
    heads: Vec<Linear>,
    hidden: usize,
}

impl Lstm {
    /// A predictor: `input` → `output` through `layers` cells of `hidden` units.
    pub fn predictor(input: usize, output: usize, hidden: usize, layers: usize, vb: VarBuilder) -> Result<Self> {
        Self::new(input, &[("out", output)], hidden, layers, vb)
    }

    /// A Gaussian head over `z_dim` dimensions.
    pub fn gaussian(input: usize, z_dim: usize, hidden: usize, layers: usize, vb: VarBuilder) -> Result<Self> {
        Self::new(input, &[("mu", z_dim), ("logvar", z_dim)], hidden, layers, vb)
    }

    fn new(input: usize, heads: &[(&str, usize)], hidden: usize, layers: usize, vb: VarBuilder) -> Result<Self> {
        let embed = Linear::new(input, hidden, vb.pp("embed"))?;
        let cells = (0..layers).map(|l| LstmCell::new(hidden, hidden, vb.pp(format!("cell{l}")))).collect::<Result<_>>()?;
        let heads = heads.iter().map(|(name, d)| Linear::new(hidden, *d, vb.pp(*name))).collect::<Result<_>>()?;
        Ok(Self { embed, cells, heads, hidden })
    }

    /// Zero state for `batch` sequences.
    pub fn zero_state(&self, batch: usize, like: &Tensor) -> Result<LstmState> {
        let z = Tensor::zeros((batch, self.hidden), like.dtype(), like.device())?;
        Ok(LstmState { h: vec![z.clone(); self.cells.len()], c: vec![z; self.cells.len()] })
    }

    /// One step; returns each head's output.
    fn step(&self, x: &Tensor, state: &mut LstmState) -> Result<Vec<Tensor>> {
        let mut h = self.embed.forward(x)?;
        for (l, cell) in self.cells.iter().enumerate() {
            let (h2, c2) = cell.step(&h, &state.h[l], &state.c[l])?;
            state.h[l] = h2.clone();
            state.c[l] = c2;
            h = h2;
        }
        self.heads.iter().map(|head| head.forward(&h)).collect()
    }

    /// The predictor's step: the next frame's code, in (−1, 1).
    pub fn predict(&self, x: &Tensor, state: &mut LstmState) -> Result<Tensor> {
        self.step(x, state)?.swap_remove(0).tanh()
    }

    /// The Gaussian's step: `(mu, logvar)`.
    pub fn gaussian_step(&self, x: &Tensor, state: &mut LstmState) -> Result<(Tensor, Tensor)> {
        let mut out = self.step(x, state)?;
        let logvar = out.pop().expect("two heads");
        let mu = out.pop().expect("two heads");
        Ok((mu, logvar))
    }
}

/// KL(N(mu_q, e^lq) ‖ N(mu_p, e^lp)) summed over the last dimension: one value per row.
pub fn kl_gaussians(mu_q: &Tensor, lq: &Tensor, mu_p: &Tensor, lp: &Tensor) -> Result<Tensor> {
    let var_ratio = (lq - lp)?.exp()?;
    let mean_term = ((mu_q - mu_p)?.sqr()? / lp.exp()?)?;
    let per_dim = (((lp - lq)? + var_ratio)? + mean_term)?.affine(0.5, -0.5)?;
    per_dim.sum(D::Minus1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Var};
    use candle_nn::VarMap;

    fn vb(vm: &VarMap) -> VarBuilder<'static> {
        VarBuilder::from_varmap(vm, DType::F32, &Device::Cpu)
    }

    #[test]
    fn shapes_through_encoder_and_decoder() {
        let vm = VarMap::new();
        let enc = FrameEncoder::new(1, 64, 4, 16, vb(&vm).pp("encoder")).unwrap();
        let dec = FrameDecoder::new(1, 64, 4, 16, vb(&vm).pp("decoder")).unwrap();
        let x = Tensor::zeros((3, 1, 64, 64), DType::F32, &Device::Cpu).unwrap();
        let (code, skips) = enc.forward(&x, false).unwrap();
        assert_eq!(code.dims(), &[3, 16]);
        let sides: Vec<Vec<usize>> = skips.iter().map(|s| s.dims().to_vec()).collect();
        assert_eq!(sides, vec![vec![3, 4, 32, 32], vec![3, 8, 16, 16], vec![3, 16, 8, 8], vec![3, 32, 4, 4]]);
        for train in [false, true] {
            let y = dec.forward(&code, &skips, train).unwrap();
            assert_eq!(y.dims(), &[3, 1, 64, 64]);
            let v = y.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            assert!(v.iter().all(|p| (0.0..=1.0).contains(p)));
        }
        assert_eq!(levels(32), Some(3));
        assert_eq!(levels(48), None);
        assert!(FrameEncoder::new(1, 48, 4, 16, vb(&vm).pp("bad")).is_err());
    }

    /// The encoder and decoder against candle's own convolutions with the same weights and batch
    /// normalisation written out, in f64: values and the gradients of every trained weight in
    /// training mode (batch statistics), the running statistics that leaves, and values in
    /// evaluation mode (running statistics).
    #[test]
    fn encoder_and_decoder_match_candle_convolutions() {
        let dev = Device::Cpu;
        let vm = VarMap::new();
        let vb64 = VarBuilder::from_varmap(&vm, DType::F64, &dev);
        let enc = FrameEncoder::new(1, 16, 3, 5, vb64.pp("encoder")).unwrap();
        let dec = FrameDecoder::new(1, 16, 3, 5, vb64.pp("decoder")).unwrap();
        for (i, (name, var)) in pipeline_nn::init::sorted_vars(&vm).iter().enumerate() {
            let n = var.elem_count();
            // Variances must be positive: those in [0.5, 1.5).
            let shift = if name.ends_with("running_var") { 1.0 } else { 0.0 };
            let v: Vec<f64> = (0..n).map(|j| (((j + 31 * i) * 7919) % 1009) as f64 / 1009.0 - 0.5 + shift).collect();
            var.set(&Tensor::from_vec(v, var.shape(), &dev).unwrap()).unwrap();
        }
        let xv: Vec<f64> = (0..2 * 256).map(|j| ((j * 13) % 17) as f64 / 17.0).collect();
        let x = Tensor::from_vec(xv, (2, 1, 16, 16), &dev).unwrap();
        let w = |k: &str| vm.data().lock().unwrap()[k].as_tensor().clone();
        let per_channel = |k: &str, rank: usize| {
            let mut shape = vec![1; rank];
            shape[1] = w(k).dim(0).unwrap();
            w(k).reshape(shape).unwrap()
        };
        let bias = |y: Tensor, k: &str| y.broadcast_add(&per_channel(k, 4)).unwrap();
        // Batch normalisation of `y` (N×C or N×C×H×W) under `k`: over every dimension but 1, with
        // the batch's mean and biased variance in training, the running ones otherwise.
        let norm = |y: Tensor, k: &str, train: bool| {
            let r = y.rank();
            let (mean, var) = if train {
                let axes: Vec<usize> = (0..r).filter(|&d| d != 1).collect();
                let mean_over = |t: Tensor| axes.iter().fold(t, |t, &d| t.mean_keepdim(d).unwrap());
                let mean = mean_over(y.clone());
                let var = mean_over(y.broadcast_sub(&mean).unwrap().sqr().unwrap());
                (mean, var)
            } else {
                (per_channel(&format!("{k}.bn.running_mean"), r), per_channel(&format!("{k}.bn.running_var"), r))
            };
            let unit = y.broadcast_sub(&mean).unwrap().broadcast_div(&(var + 1e-5).unwrap().sqrt().unwrap()).unwrap();
            unit.broadcast_mul(&per_channel(&format!("{k}.bn.weight"), r)).unwrap().broadcast_add(&per_channel(&format!("{k}.bn.bias"), r)).unwrap()
        };
        // The reference: candle's conv2d / conv_transpose2d, NCHW throughout.
        let reference = |train: bool| {
            let mut h = x.clone();
            let mut skips = Vec::new();
            let mut pre_norm = Vec::new();
            for l in 0..2 {
                let k = format!("encoder.down{l}");
                let y = bias(h.conv2d(&w(&format!("{k}.weight")), 1, 2, 1, 1).unwrap(), &format!("{k}.bias"));
                pre_norm.push(y.clone());
                h = leaky_relu(&norm(y, &k, train)).unwrap();
                skips.push(h.clone());
            }
            let y = bias(h.conv2d(&w("encoder.code.weight"), 0, 1, 1, 1).unwrap(), "encoder.code.bias").flatten_from(1).unwrap();
            let code = norm(y, "encoder.code", train).tanh().unwrap();
            let y = bias(code.reshape((2, 5, 1, 1)).unwrap().conv_transpose2d(&w("decoder.code.weight"), 0, 0, 1, 1).unwrap(), "decoder.code.bias");
            let mut h = leaky_relu(&norm(y, "decoder.code", train)).unwrap();
            for (i, name) in ["up1", "up0"].iter().enumerate() {
                let k = format!("decoder.{name}");
                let cat = Tensor::cat(&[&h, &skips[1 - i]], 1).unwrap();
                h = bias(cat.conv_transpose2d(&w(&format!("{k}.weight")), 1, 0, 2, 1).unwrap(), &format!("{k}.bias"));
                if i == 0 {
                    h = leaky_relu(&norm(h, &k, train)).unwrap();
                }
            }
            (code, h, pre_norm)
        };
        let max_diff = |a: &Tensor, b: &Tensor| (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f64>().unwrap();
        let (code, h, pre_norm) = reference(true);
        let stat = |k: &str| w(k).to_vec1::<f64>().unwrap();
        let (mean0, var0) = (stat("encoder.down0.bn.running_mean"), stat("encoder.down0.bn.running_var"));
        let (got_code, got_skips) = enc.forward(&x, true).unwrap();
        let got = dec.logits(&got_code, &got_skips, true).unwrap();
        assert_eq!(got.dims(), &[2, 1, 16, 16]);
        assert!(max_diff(&got, &h) < 1e-10, "{}", max_diff(&got, &h));
        assert!(max_diff(&got_code, &code) < 1e-10);
        let probe = Tensor::from_vec((0..512).map(|j| (j as f64 * 0.37).sin()).collect::<Vec<_>>(), (2, 1, 16, 16), &dev).unwrap();
        let g_want = (h * &probe).unwrap().sum_all().unwrap().backward().unwrap();
        let g_got = (got * &probe).unwrap().sum_all().unwrap().backward().unwrap();
        let trainable = pipeline_nn::init::vars_under(&vm, "");
        for var in &trainable {
            let (a, b) = (g_got.get(var.as_tensor()).unwrap(), g_want.get(var.as_tensor()).unwrap());
            assert!(max_diff(a, b) < 1e-9, "a gradient differs by {}", max_diff(a, b));
        }
        // Six layers, weight and bias each, and five normalisations (every layer but the
        // decoder's output), γ and β each.
        assert_eq!(trainable.len(), 6 * 2 + 5 * 2);
        // The running statistics moved 10% of the way to the batch's, with the unbiased variance
        // (PyTorch's), here for the first level: 2 frames × 8 × 8 values per channel.
        let y = &pre_norm[0];
        for c in 0..3 {
            let v: Vec<f64> = y.narrow(1, c, 1).unwrap().flatten_all().unwrap().to_vec1().unwrap();
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let unbiased = v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
            let (mean, var) = (stat("encoder.down0.bn.running_mean")[c], stat("encoder.down0.bn.running_var")[c]);
            assert!((mean - (0.9 * mean0[c] + 0.1 * m)).abs() < 1e-12, "channel {c}: running mean {mean}");
            assert!((var - (0.9 * var0[c] + 0.1 * unbiased)).abs() < 1e-12, "channel {c}: running variance {var}");
        }
        // Evaluation: the running statistics (as updated by the pass above), left as they are.
        let before = stat("decoder.up1.bn.running_var");
        let (code, h, _) = reference(false);
        let (got_code, got_skips) = enc.forward(&x, false).unwrap();
        let got = dec.logits(&got_code, &got_skips, false).unwrap();
        assert!(max_diff(&got, &h) < 1e-10, "{}", max_diff(&got, &h));
        assert!(max_diff(&got_code, &code) < 1e-10);
        assert_eq!(stat("decoder.up1.bn.running_var"), before);
    }

    #[test]
    fn leaky_relu_values_and_gradient() {
        let x = Var::from_tensor(&Tensor::new(&[-2f32, -0.5, 0.0, 1.5], &Device::Cpu).unwrap()).unwrap();
        let y = leaky_relu(x.as_tensor()).unwrap();
        assert_eq!(y.to_vec1::<f32>().unwrap(), vec![-0.4, -0.1, 0.0, 1.5]);
        let probe = Tensor::new(&[1f32, 2.0, 3.0, 4.0], &Device::Cpu).unwrap();
        let g = (y * probe).unwrap().sum_all().unwrap().backward().unwrap();
        let g = g.get(x.as_tensor()).unwrap().to_vec1::<f32>().unwrap();
        assert!(g.iter().zip([0.2f32, 0.4, 0.6, 4.0]).all(|(a, b)| (a - b).abs() < 1e-6), "{g:?}");
    }

    #[test]
    fn lstm_cell_matches_a_hand_computation() {
        // One input, one unit, all weights 0.5 and biases 0: every gate sees 0.5·x + 0.5·h.
        let vm = VarMap::new();
        let cell = LstmCell::new(1, 1, vb(&vm)).unwrap();
        for (name, var) in vm.data().lock().unwrap().iter() {
            let v = if name.ends_with("weight") { 0.5f32 } else { 0.0 };
            var.set(&Tensor::full(v, var.shape(), &Device::Cpu).unwrap()).unwrap();
        }
        let t = |v: f32| Tensor::new(&[[v]], &Device::Cpu).unwrap();
        let (h, c) = cell.step(&t(1.0), &t(0.2), &t(0.3)).unwrap();
        let a = 0.5f32 * 1.0 + 0.5 * 0.2;
        let s = 1.0 / (1.0 + (-a).exp());
        let c_want = s * 0.3 + s * a.tanh();
        let h_want = s * c_want.tanh();
        assert!((c.to_vec2::<f32>().unwrap()[0][0] - c_want).abs() < 1e-6);
        assert!((h.to_vec2::<f32>().unwrap()[0][0] - h_want).abs() < 1e-6);
    }

    #[test]
    fn lstm_passes_gradients_through_time() {
        let vm = VarMap::new();
        let lstm = Lstm::predictor(3, 2, 5, 2, vb(&vm)).unwrap();
        let x0 = Var::from_tensor(&Tensor::ones((4, 3), DType::F32, &Device::Cpu).unwrap()).unwrap();
        let mut st = lstm.zero_state(4, x0.as_tensor()).unwrap();
        let _ = lstm.predict(x0.as_tensor(), &mut st).unwrap();
        let x1 = Tensor::zeros((4, 3), DType::F32, &Device::Cpu).unwrap();
        let y = lstm.predict(&x1, &mut st).unwrap();
        // The second output depends on the first input only through the state.
        let grads = y.sum_all().unwrap().backward().unwrap();
        let g = grads.get(x0.as_tensor()).unwrap().abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(g > 0.0);
        for (name, var) in vm.data().lock().unwrap().iter() {
            assert!(grads.get(var.as_tensor()).is_some(), "{name} has no gradient");
        }
    }

    #[test]
    fn kl_matches_the_closed_form() {
        let t = |v: &[f32]| Tensor::new(v, &Device::Cpu).unwrap().reshape((1, v.len())).unwrap();
        // Same distribution: 0.
        let z = kl_gaussians(&t(&[0.3, -1.0]), &t(&[0.5, 0.1]), &t(&[0.3, -1.0]), &t(&[0.5, 0.1])).unwrap();
        assert!(z.to_vec1::<f32>().unwrap()[0].abs() < 1e-6);
        // N(1, e^0) ‖ N(0, e^0) = 1/2; N(0, e^{ln 4}) ‖ N(0, 1) = (4 − 1 − ln 4)/2.
        let k = kl_gaussians(&t(&[1.0, 0.0]), &t(&[0.0, 4f32.ln()]), &t(&[0.0, 0.0]), &t(&[0.0, 0.0])).unwrap();
        let want = 0.5 + (4.0 - 1.0 - 4f32.ln()) / 2.0;
        assert!((k.to_vec1::<f32>().unwrap()[0] - want).abs() < 1e-5);
    }
}
