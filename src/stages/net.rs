//! The bridge between stored models and `pipeline-nn`: building a network for a dataset,
//! restoring one from a model artifact, turning a dataset split into batches and features, and
//! packing a trained network back into an artifact.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use pipeline_data::{Dataset, Layout, Split};
use pipeline_nn::arch::{build_decoder, build_encoder, ArchSpec, Decoder, Encoder, Head};
use pipeline_nn::batch::{images_to_tensor, EpochBatches, Normalize};

use crate::artifact::{ClassifierMeta, ModelArtifact, ModelMeta};
use crate::stage_ctx::StageError;
use crate::stages::input_transform::{self, InputTransform};

pipeline_params::params! {
    /// The encoder architecture of a method that trains one.
    pub struct ArchParams {
        /// `auto` picks `convnet-rgb` for 3×32×32 data and `convnet` otherwise.
        arch: String = "auto".to_string(), choices("auto", "mlp", "convnet", "convnet-rgb", "convnet-small");
    }
}

/// The architecture for `layout`, resolving `auto`.
pub fn arch_spec(arch: &str, layout: &Layout) -> Result<ArchSpec, StageError> {
    if layout.frames != 1 {
        crate::bail!("this method trains on still images, and the dataset holds {}-frame videos", layout.frames);
    }
    let name = match arch {
        "auto" if layout.channels == 3 && layout.height == 32 && layout.width == 32 => "convnet-rgb",
        "auto" => "convnet",
        other => other,
    };
    Ok(ArchSpec::new(name, layout.channels, layout.height, layout.width))
}

/// A network being built or trained: its variables and where they live.
pub struct Net {
    pub varmap: VarMap,
    pub spec: ArchSpec,
    pub device: Device,
    /// Input standardisation (per channel, [0, 1] scale).
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// What the network's input is made from a dataset's images with (e.g. RGB → Lab L).
    pub transform: Option<InputTransform>,
}

impl Net {
    /// A fresh network for `dataset` (its normalisation statistics become the model's).
    pub fn for_dataset(arch: &str, dataset: &Dataset, device: &Device) -> Result<Net, StageError> {
        Ok(Net {
            varmap: VarMap::new(),
            spec: arch_spec(arch, &dataset.layout)?,
            device: device.clone(),
            mean: dataset.mean.clone(),
            std: dataset.std.clone(),
            transform: None,
        })
    }

    /// Puts a tensor-stage `transform` (one that leaves the stored images alone, e.g. `sobel`)
    /// in front of the encoder; call before building any part.
    pub fn with_transform(mut self, transform: Option<InputTransform>) -> Result<Net, StageError> {
        if let Some(t) = transform {
            if t.on_host() {
                crate::bail!("input transform {} changes the stored images, so the network's standardisation must be computed after it", t.name());
            }
            self.spec.in_channels = t.encoder_channels(self.mean.len());
        }
        self.transform = transform;
        Ok(self)
    }

    /// An empty network shaped like a stored model; call [`Net::restore`] after building parts.
    pub fn like(model: &ModelArtifact, device: &Device) -> Result<Net, StageError> {
        let m = &model.meta;
        Ok(Net {
            varmap: VarMap::new(),
            spec: ArchSpec::new(&m.arch, m.channels, m.height, m.width),
            device: device.clone(),
            mean: m.mean.clone(),
            std: m.std.clone(),
            transform: InputTransform::from_config(&m.config)?,
        })
    }

    pub fn vb(&self) -> VarBuilder<'static> {
        VarBuilder::from_varmap(&self.varmap, DType::F32, &self.device)
    }

    pub fn encoder(&self) -> Result<Encoder, StageError> {
        Ok(build_encoder(&self.spec, self.vb())?)
    }

    pub fn decoder(&self, latent: usize) -> Result<Decoder, StageError> {
        Ok(build_decoder(&self.spec, latent, self.vb())?)
    }

    /// Copies the stored tensors under `prefix` (e.g. `encoder`) into this network's variables.
    pub fn restore(&self, model: &ModelArtifact, prefix: &str) -> Result<(), StageError> {
        let data = self.varmap.data().lock().expect("varmap lock");
        let dotted = format!("{prefix}.");
        for (name, var) in data.iter().filter(|(n, _)| n.starts_with(&dotted)) {
            let Some(t) = model.tensors.get(name) else {
                crate::bail!("the {} model has no `{name}`: was it trained with another architecture?", model.meta.method);
            };
            if t.dims() != var.dims() {
                crate::bail!("`{name}` is {:?} in the {} model but {:?} here", t.dims(), model.meta.method, var.dims());
            }
            var.set(&t.to_device(&self.device)?)?;
        }
        Ok(())
    }

    /// The variables whose names start with `prefix` (all with "").
    pub fn vars(&self, prefix: &str) -> Vec<candle_core::Var> {
        pipeline_nn::init::vars_under(&self.varmap, prefix)
    }

    pub fn norm(&self) -> Normalize<'_> {
        Normalize { mean: &self.mean, std: &self.std }
    }

    /// `(x − mean[c]) / std[c]` for an N×C×H×W batch already on the device, on the [0, 1] scale
    /// (for inputs a method builds itself: corrupted, binarised or generated images).
    pub fn standardise(&self, x: &Tensor) -> Result<Tensor, StageError> {
        let c = self.mean.len();
        let mean = Tensor::from_slice(&self.mean, (1, c, 1, 1), &self.device)?;
        let std = Tensor::from_slice(&self.std, (1, c, 1, 1), &self.device)?;
        Ok(x.broadcast_sub(&mean)?.broadcast_div(&std)?)
    }

    /// Items `indices` of `split` as a standardised N×C×H×W batch on this network's device, with
    /// the network's input transform applied: what the encoder reads.
    pub fn batch(&self, split: &Split, layout: &Layout, indices: &[usize]) -> Result<Tensor, StageError> {
        let Some(t) = self.transform else { return standardised(split, layout, indices, self.norm(), &self.device) };
        let picked = split.select(indices, layout);
        let all: Vec<usize> = (0..indices.len()).collect();
        let x = images_to_tensor(&t.apply(&picked.images, layout)?, &all, &t.layout(layout).item_dims(), Some(self.norm()), &self.device)?;
        t.apply_tensor(&x)
    }

    /// Features at `layer` of `encoder` (built on this network) for every item of `split`,
    /// N × dim on the device, without the autograd graph.
    pub fn features(&self, encoder: &Encoder, split: &Split, layout: &Layout, layer: &str) -> Result<Tensor, StageError> {
        const BATCH: usize = 256;
        if self.transform.is_none() {
            let norm = Some(self.norm());
            return Ok(pipeline_nn::extract::extract_features(encoder, layer, &split.images, &layout.item_dims(), norm, BATCH, &self.device)?);
        }
        if split.len == 0 {
            let dim = encoder.layers().into_iter().find(|(n, _)| n == layer).map_or(0, |(_, d)| d);
            return Ok(Tensor::zeros((0, dim), DType::F32, &self.device)?);
        }
        let mut parts = Vec::new();
        for idx in EpochBatches::sequential(split.len, BATCH)?.iter() {
            parts.push(encoder.features(&self.batch(split, layout, idx)?, layer)?.detach());
        }
        Ok(Tensor::cat(&parts, 0)?)
    }

    /// Packs the network's variables (plus `extra` tensors) into a model artifact.
    pub fn into_artifact(
        self,
        method: &str,
        classifier: Option<ClassifierMeta>,
        latent: Option<usize>,
        extra: HashMap<String, Tensor>,
    ) -> Result<ModelArtifact, StageError> {
        let mut tensors = HashMap::new();
        for (name, var) in self.varmap.data().lock().expect("varmap lock").iter() {
            tensors.insert(name.clone(), var.as_tensor().detach().to_device(&Device::Cpu)?);
        }
        for (name, t) in extra {
            tensors.insert(name, t.to_device(&Device::Cpu)?);
        }
        let config = match self.transform {
            Some(t) => serde_json::json!({ input_transform::KEY: t.name() }),
            None => serde_json::Value::Null,
        };
        let meta = ModelMeta {
            method: method.to_string(),
            arch: self.spec.name.clone(),
            channels: self.spec.in_channels,
            height: self.spec.height,
            width: self.spec.width,
            mean: self.mean,
            std: self.std,
            classifier,
            latent,
            config,
        };
        Ok(ModelArtifact { meta, tensors })
    }
}

/// Items `indices` of `split`, scaled to [0, 1] and standardised per channel with `norm`.
pub fn standardised(split: &Split, layout: &Layout, indices: &[usize], norm: Normalize, device: &Device) -> Result<Tensor, StageError> {
    Ok(images_to_tensor(&split.images, indices, &layout.item_dims(), Some(norm), device)?)
}

/// Checks that `dataset` has the input shape `model` was trained on.
pub fn check_input(model: &ModelArtifact, dataset: &Dataset) -> Result<(), StageError> {
    let m = &model.meta;
    let l = &dataset.layout;
    let channels = InputTransform::from_config(&m.config)?.map_or(m.channels, |t| t.source_channels(m.mean.len()));
    if (channels, m.height, m.width) != (l.channels, l.height, l.width) || l.frames != 1 {
        crate::bail!(
            "the {} model takes {}×{}×{} images, but dataset `{}` has {}×{}×{}{}",
            m.method,
            channels,
            m.height,
            m.width,
            dataset.source,
            l.channels,
            l.height,
            l.width,
            if l.frames > 1 { format!(" videos of {} frames", l.frames) } else { String::new() }
        );
    }
    Ok(())
}

/// An encoder restored from a stored model, ready to extract features.
pub struct LoadedEncoder {
    pub net: Net,
    pub encoder: Encoder,
}

impl LoadedEncoder {
    pub fn load(model: &ModelArtifact, device: &Device) -> Result<LoadedEncoder, StageError> {
        let net = Net::like(model, device)?;
        let encoder = net.encoder()?;
        net.restore(model, pipeline_nn::arch::ENCODER)?;
        Ok(LoadedEncoder { net, encoder })
    }

    /// The layer to read when none is named: the encoder's last.
    pub fn last_layer(&self) -> String {
        self.encoder.layers().last().map(|(n, _)| n.clone()).unwrap_or_default()
    }

    /// Features at `layer` of every item of `split`, N × dim on the device (no autograd graph).
    /// Honours the model's input transform.
    pub fn features(&self, split: &Split, layout: &Layout, layer: &str) -> Result<Tensor, StageError> {
        self.net.features(&self.encoder, split, layout, layer)
    }
}

/// A classifier restored from a model with [`ClassifierMeta`].
pub struct LoadedClassifier {
    pub encoder: LoadedEncoder,
    pub meta: ClassifierMeta,
    pub heads: Vec<Head>,
    standardize: Option<(Tensor, Tensor)>,
}

/// The variable prefix of head `i` of `n`.
pub fn head_name(i: usize, n: usize) -> String {
    if n == 1 {
        pipeline_nn::arch::HEAD.to_string()
    } else {
        format!("{}{i}", pipeline_nn::arch::HEAD)
    }
}

/// Names of the stored feature statistics of a standardising classifier.
pub const PROBE_MEAN: &str = "probe.mean";
pub const PROBE_STD: &str = "probe.std";

impl LoadedClassifier {
    pub fn load(model: &ModelArtifact, device: &Device) -> Result<LoadedClassifier, StageError> {
        let Some(meta) = model.meta.classifier.clone() else {
            crate::bail!("the {} model is not a classifier: fine-tune it first (`finetune` with `linear`, `full` or `low-shot`)", model.meta.method);
        };
        let encoder = LoadedEncoder::load(model, device)?;
        let dim = encoder.encoder.layers().into_iter().find(|(n, _)| *n == meta.layer).map(|(_, d)| d);
        let Some(dim) = dim else { crate::bail!("the classifier reads layer `{}`, which the encoder lacks", meta.layer) };
        let heads = (0..meta.heads)
            .map(|i| Head::named(&head_name(i, meta.heads), dim, meta.classes, encoder.net.vb()))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..meta.heads {
            encoder.net.restore(model, &head_name(i, meta.heads))?;
        }
        let standardize = if meta.standardize {
            let get = |n: &str| {
                model.tensors.get(n).ok_or_else(|| StageError::msg(format!("the classifier lacks `{n}`")))?.to_device(device).map_err(StageError::from)
            };
            Some((get(PROBE_MEAN)?, get(PROBE_STD)?))
        } else {
            None
        };
        Ok(LoadedClassifier { encoder, meta, heads, standardize })
    }

    /// Class scores of every head for the items of `split`: one N × classes tensor per head.
    pub fn logits(&self, split: &Split, layout: &Layout) -> Result<Vec<Tensor>, StageError> {
        let mut f = self.encoder.features(split, layout, &self.meta.layer)?;
        if let Some((mean, std)) = &self.standardize {
            f = f.broadcast_sub(mean)?.broadcast_div(std)?;
        }
        self.heads.iter().map(|h| Ok(h.forward(&f)?)).collect()
    }
}

/// Per-column mean and std of an N × D feature matrix (std floored so that dead units divide by 1).
pub fn column_stats(f: &Tensor) -> Result<(Tensor, Tensor), StageError> {
    let mean = f.mean_keepdim(0)?;
    let var = f.broadcast_sub(&mean)?.sqr()?.mean_keepdim(0)?;
    let std = var.sqrt()?.clamp(1e-3f32, f32::MAX)?;
    Ok((mean, std))
}

/// Argmax of each row.
pub fn predictions(logits: &Tensor) -> Result<Vec<u32>, StageError> {
    Ok(logits.argmax(1)?.to_vec1::<u32>()?)
}

/// The labels of a split, or an error naming what needs them.
pub fn labels<'a>(split: &'a Split, dataset: &Dataset, what: &str) -> Result<&'a [u32], StageError> {
    split.labels.as_deref().ok_or_else(|| StageError::msg(format!("{what} needs labels, and dataset `{}` has none", dataset.source)))
}
