//! The decoder: the mirror of an encoder, from a latent vector to image logits shaped like the
//! encoder's input.
//!
//! Conv architectures: `fc` maps the latent to the last conv block's feature map (ReLU), then one
//! stride-2 transposed conv (`up1`, `up2`, …) undoes each max-pool, halving channels back to the
//! previous pooled block's width and finally to the input channels; each restores exactly the
//! side the pool received (output_padding 1 where the pool dropped an odd row). Dense
//! architectures reverse their dense layers. Outputs are raw logits: callers apply a sigmoid or a
//! Bernoulli / Gaussian likelihood.

use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::{step_side, ArchSpec, Step};
use crate::error::Context;
use crate::layers::{ConvTranspose2d, Linear};
use crate::NnError;

#[derive(Debug, Clone)]
enum Body {
    /// fc → reshape to (c, h, w) → transposed convs.
    Conv { fc: Linear, map: (usize, usize, usize), ups: Vec<ConvTranspose2d> },
    /// Dense layers; the last has no ReLU.
    Dense(Vec<Linear>),
}

/// Latent vector → image logits.
#[derive(Debug, Clone)]
pub struct Decoder {
    spec: ArchSpec,
    latent_dim: usize,
    body: Body,
}

impl Decoder {
    /// Builds the mirror of `steps` for `spec`, variables under `vb`.
    pub fn new(spec: &ArchSpec, steps: &[Step], latent_dim: usize, vb: VarBuilder) -> Result<Self, NnError> {
        if latent_dim == 0 {
            return Err(NnError::invalid("decoder latent size must be at least 1"));
        }
        let [c0, h0, w0] = spec.input_dims();
        let ctx = |what: &str| format!("building decoder layer {what} of `{}`", spec.name);
        // Pooled conv blocks as (channels out, side before pooling), input to output.
        let mut pooled: Vec<(usize, usize, usize)> = Vec::new();
        let (mut c, mut h, mut w) = (c0, h0, w0);
        let mut dense: Vec<usize> = Vec::new();
        for step in steps {
            match *step {
                Step::Conv { out, kernel, padding, pool, .. } => {
                    let (ch, cw) = (step_side(h, kernel, padding, false), step_side(w, kernel, padding, false));
                    if pool {
                        pooled.push((out, ch, cw));
                    }
                    (c, h, w) = (out, step_side(h, kernel, padding, pool), step_side(w, kernel, padding, pool));
                }
                Step::Dense { out, .. } => dense.push(out),
            }
        }
        let body = if pooled.is_empty() {
            // Dense mirror: the encoder's last layer is the latent side, so latent → the other
            // hidden sizes in reverse → pixels (mlp: latent → 512 → C·H·W).
            let mut sizes: Vec<usize> = dense.iter().rev().skip(1).copied().collect();
            sizes.push(c0 * h0 * w0);
            let mut layers = Vec::new();
            let mut fan_in = latent_dim;
            for (i, &out) in sizes.iter().enumerate() {
                let name = if i + 1 == sizes.len() { "out".to_string() } else { format!("fc{}", i + 1) };
                layers.push(Linear::new(fan_in, out, vb.pp(&name)).context(|| ctx(&name))?);
                fan_in = out;
            }
            Body::Dense(layers)
        } else {
            if h == 0 || w == 0 {
                return Err(NnError::invalid(format!("input {h0}×{w0} is too small for architecture `{}`", spec.name)));
            }
            let fc = Linear::new(latent_dim, c * h * w, vb.pp("fc")).context(|| ctx("fc"))?;
            let mut ups = Vec::new();
            let (mut uc, mut uh, mut uw) = (c, h, w);
            for i in (0..pooled.len()).rev() {
                let (_, th, tw) = pooled[i];
                let out_c = if i == 0 { c0 } else { pooled[i - 1].0 };
                let name = format!("up{}", pooled.len() - i);
                // k 4, stride 2, padding 1 doubles the side; output_padding adds the odd row back.
                let (ph, pw) = (th - 2 * uh, tw - 2 * uw);
                if ph != pw || ph > 1 {
                    return Err(NnError::invalid(format!(
                        "decoder of `{}` cannot restore {th}×{tw} from {uh}×{uw}; use a square input",
                        spec.name
                    )));
                }
                ups.push(ConvTranspose2d::new(uc, out_c, 4, 1, ph, 2, vb.pp(&name)).context(|| ctx(&name))?);
                (uc, uh, uw) = (out_c, th, tw);
            }
            if (uh, uw) != (h0, w0) {
                return Err(NnError::invalid(format!(
                    "decoder of `{}` ends at {uh}×{uw}, not the input's {h0}×{w0} (the first layer must keep the input size)",
                    spec.name
                )));
            }
            Body::Conv { fc, map: (c, h, w), ups }
        };
        Ok(Self { spec: spec.clone(), latent_dim, body })
    }

    pub fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    /// `[C, H, W]` of one output image.
    pub fn out_dims(&self) -> [usize; 3] {
        self.spec.input_dims()
    }

    /// N × latent → N×C×H×W logits.
    pub fn forward(&self, z: &Tensor) -> Result<Tensor, NnError> {
        let n = match z.dims() {
            [n, d] if *d == self.latent_dim => *n,
            other => {
                return Err(NnError::invalid(format!(
                    "decoder of `{}` expects N×{} latents, got {other:?}",
                    self.spec.name, self.latent_dim
                )))
            }
        };
        let [c0, h0, w0] = self.spec.input_dims();
        let ctx = || format!("decoder forward of `{}`", self.spec.name);
        match &self.body {
            Body::Conv { fc, map: (c, h, w), ups } => {
                let mut x = fc.forward_relu(z).and_then(|x| x.reshape((n, *c, *h, *w))).context(ctx)?;
                for (i, up) in ups.iter().enumerate() {
                    x = if i + 1 < ups.len() { up.forward_relu(&x) } else { up.forward(&x) }.context(ctx)?;
                }
                Ok(x)
            }
            Body::Dense(layers) => {
                let mut x = z.clone();
                for (i, l) in layers.iter().enumerate() {
                    x = if i + 1 < layers.len() { l.forward_relu(&x) } else { l.forward(&x) }.context(ctx)?;
                }
                x.reshape((n, c0, h0, w0)).context(ctx)
            }
        }
    }
}
