//! The encoder: an architecture's steps instantiated for one input size, with features readable
//! after any named layer.

use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::{step_side, ArchSpec, Step};
use crate::error::Context;
use crate::layers::{Conv2d, Linear};
use crate::NnError;

#[derive(Debug, Clone)]
enum Block {
    Conv { conv: Conv2d, pool: bool },
    Dense(Linear),
}

#[derive(Debug, Clone)]
struct Layer {
    name: String,
    /// Size of the flattened output.
    dim: usize,
    block: Block,
}

/// A feature extractor with named layers.
#[derive(Debug, Clone)]
pub struct Encoder {
    spec: ArchSpec,
    layers: Vec<Layer>,
}

impl Encoder {
    /// Builds `steps` for `spec`'s input size, variables named `<layer>.weight|bias` under `vb`.
    pub fn new(spec: &ArchSpec, steps: Vec<Step>, vb: VarBuilder) -> Result<Self, NnError> {
        if spec.in_channels == 0 || spec.height == 0 || spec.width == 0 {
            return Err(NnError::invalid(format!("architecture `{}`: input size {:?} has a zero side", spec.name, spec.input_dims())));
        }
        let (mut c, mut h, mut w) = (spec.in_channels, spec.height, spec.width);
        let mut flat: Option<usize> = None;
        let mut layers = Vec::with_capacity(steps.len());
        for step in steps {
            let name = step.name().to_string();
            let ctx = || format!("building layer {name} of `{}`", spec.name);
            let (block, dim) = match step {
                Step::Conv { out, kernel, padding, pool, .. } => {
                    if flat.is_some() {
                        return Err(NnError::invalid(format!("architecture `{}`: conv layer {name} after a dense layer", spec.name)));
                    }
                    let (nh, nw) = (step_side(h, kernel, padding, pool), step_side(w, kernel, padding, pool));
                    if nh == 0 || nw == 0 {
                        return Err(NnError::invalid(format!(
                            "input {}×{} is too small for architecture `{}`: layer {name} would output 0×0",
                            spec.height, spec.width, spec.name
                        )));
                    }
                    let conv = Conv2d::new(c, out, kernel, padding, 1, vb.pp(&name)).context(ctx)?;
                    (c, h, w) = (out, nh, nw);
                    (Block::Conv { conv, pool }, c * h * w)
                }
                Step::Dense { out, .. } => {
                    let fan_in = flat.unwrap_or(c * h * w);
                    flat = Some(out);
                    (Block::Dense(Linear::new(fan_in, out, vb.pp(&name)).context(ctx)?), out)
                }
            };
            layers.push(Layer { name, dim, block });
        }
        if layers.is_empty() {
            return Err(NnError::invalid(format!("architecture `{}` has no layers", spec.name)));
        }
        Ok(Self { spec: spec.clone(), layers })
    }

    pub fn spec(&self) -> &ArchSpec {
        &self.spec
    }

    /// `(name, flattened feature size)` of every layer, input to output.
    pub fn layers(&self) -> Vec<(String, usize)> {
        self.layers.iter().map(|l| (l.name.clone(), l.dim)).collect()
    }

    /// Size of the last layer's output.
    pub fn out_dim(&self) -> usize {
        self.layers.last().map_or(0, |l| l.dim)
    }

    /// The last layer's output, N × `out_dim()`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, NnError> {
        let last = self.layers.len() - 1;
        Ok(self.run(x, &[last])?.pop().expect("one layer requested"))
    }

    /// The output of `layer`, flattened to N × dim; stops there instead of running the rest.
    pub fn features(&self, x: &Tensor, layer: &str) -> Result<Tensor, NnError> {
        let i = self.index(layer)?;
        Ok(self.run(x, &[i])?.pop().expect("one layer requested"))
    }

    /// The flattened outputs of several layers from one pass, in the order asked.
    pub fn features_at(&self, x: &Tensor, layers: &[&str]) -> Result<Vec<Tensor>, NnError> {
        let idx = layers.iter().map(|l| self.index(l)).collect::<Result<Vec<_>, _>>()?;
        self.run(x, &idx)
    }

    fn index(&self, layer: &str) -> Result<usize, NnError> {
        self.layers.iter().position(|l| l.name == layer).ok_or_else(|| NnError::UnknownLayer {
            arch: self.spec.name.clone(),
            layer: layer.to_string(),
            valid: self.layers.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    fn check_input(&self, x: &Tensor) -> Result<(), NnError> {
        let [c, h, w] = self.spec.input_dims();
        let ok = match x.dims() {
            [_, xc, xh, xw] => (*xc, *xh, *xw) == (c, h, w),
            [_, d] => *d == c * h * w && matches!(self.layers[0].block, Block::Dense(_)),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(NnError::invalid(format!(
                "encoder `{}` expects input N×{c}×{h}×{w}, got {:?}",
                self.spec.name,
                x.dims()
            )))
        }
    }

    /// Runs the layers up to the deepest one in `wanted`, collecting their flattened outputs.
    fn run(&self, x: &Tensor, wanted: &[usize]) -> Result<Vec<Tensor>, NnError> {
        self.check_input(x)?;
        let stop = wanted.iter().copied().max().unwrap_or(0);
        let mut outs: Vec<Option<Tensor>> = vec![None; self.layers.len()];
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate().take(stop + 1) {
            h = match &layer.block {
                Block::Conv { conv, pool: true } => conv.forward_relu_pool(&h, 2),
                Block::Conv { conv, pool: false } => conv.forward_relu(&h),
                Block::Dense(lin) => h.flatten_from(1).and_then(|f| lin.forward_relu(&f)),
            }
            .context(|| format!("forward through layer {} of `{}`", layer.name, self.spec.name))?;
            if wanted.contains(&i) {
                outs[i] = Some(h.flatten_from(1)?);
            }
        }
        Ok(wanted.iter().map(|&i| outs[i].clone().expect("layer was run")).collect())
    }
}
