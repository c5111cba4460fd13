//! `generate`: what a generative model draws, as PNG grids — the pictures the VAE, GAN and PixelCNN
//! papers show. VAE (Kingma & Welling 2013): `samples.png` from the prior, `manifold.png` (the
//! decoder over a 2-D latent's inverse-Gaussian-CDF grid, their Fig. 4) and `reconstructions.png`
//! (rows of test inputs, each followed by its reconstruction from μ). GAN (Goodfellow et al.
//! 2014): `samples.png`, one row per class when conditional. PixelCNN (van den Oord et al. 2016):
//! `samples.png` and `completions.png` (per test image: the original, its top half, then
//! completions of the bottom half sampled pixel by pixel).

use candle_core::Tensor;
use pipeline_data::Dataset;
use pipeline_nn::init::{randn, stream};

use super::grid::{rows_of, write_rows};
use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::net::check_input;
use crate::stages::pretrain::gan::{one_hot, LoadedGan};
use crate::stages::pretrain::pixelcnn::LoadedPixelCnn;
use crate::stages::pretrain::vae::LoadedVae;

pipeline_params::params! {
    /// How much to draw.
    pub struct GenerateParams {
        /// Samples in `samples.png` (a square-ish grid; a conditional GAN draws this many per class, one row each, up to 16).
        n: usize = 64, range(1, 4096);
        /// Test images to reconstruct (VAE) or complete (PixelCNN), when a dataset is given.
        inputs: usize = 8, range(1, 256);
        /// Completions of each test image's bottom half (PixelCNN).
        completions: usize = 4, range(1, 64);
        /// Side of the 2-D latent manifold grid (VAE with `latent: 2`).
        manifold: usize = 20, range(2, 100);
    }
}

pub struct Generate;

impl Method for Generate {
    type Params = GenerateParams;
    const INFO: Info = Info {
        kind: Kind::Report,
        name: "generate",
        doc: "PNG grids of a generative model's samples: VAE prior samples, 2-D manifold and reconstructions; GAN samples (per class); PixelCNN samples and half-image completions",
        version: 1,
        inputs: &[Slot::one("model", &[ArtifactType::Model]), Slot::optional("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Report,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: GenerateParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = match ctx.input("data") {
            Some(_) => {
                let d = ctx.dataset("data")?;
                check_input(&model, &d)?;
                Some(d)
            }
            None => None,
        };
        match model.meta.method.as_str() {
            "vae" => vae(ctx, &LoadedVae::load(&model, &ctx.device)?, data.as_deref(), &p),
            "gan" => gan(ctx, &LoadedGan::load(&model, &ctx.device)?, &p),
            "pixelcnn" => pixelcnn(ctx, &LoadedPixelCnn::load(&model, &ctx.device)?, data.as_deref(), &p),
            other => crate::bail!("`generate` draws from models trained with vae, gan or pixelcnn, not `{other}`"),
        }?;
        Ok(Artifact::Report)
    }
}

/// Columns of a square-ish grid of `n` images.
fn grid_cols(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).max(1)
}

fn flat(t: &Tensor) -> Result<Vec<f32>, StageError> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}

fn vae(ctx: &mut StageCtx, v: &LoadedVae, data: Option<&Dataset>, p: &GenerateParams) -> Result<(), StageError> {
    let spec = &v.net.spec;
    let (c, h, w) = (spec.in_channels, spec.height, spec.width);
    let size = c * h * w;
    let latent = v.vae.config.latent;
    let dev = &v.net.device;
    let cols = grid_cols(p.n);
    let n = cols * p.n.div_ceil(cols);
    let z = randn((n, latent), &mut stream(ctx.seed, "vae samples"), dev)?;
    let samples = flat(&v.vae.mean(&v.vae.decoder.forward(&z)?)?)?;
    write_rows(&ctx.publish("samples.png"), &rows_of(&samples, size, cols), cols, c, h, w)?;

    if latent == 2 {
        let m = p.manifold;
        let q: Vec<f32> = (0..m).map(|i| normal_quantile((i as f64 + 0.5) / m as f64) as f32).collect();
        // Rows run from high to low z₂, so "up" in the picture is up in latent space.
        let mut z = Vec::with_capacity(2 * m * m);
        for r in 0..m {
            for &z1 in &q {
                z.extend([z1, q[m - 1 - r]]);
            }
        }
        let z = Tensor::from_vec(z, (m * m, 2), dev)?;
        let walk = flat(&v.vae.mean(&v.vae.decoder.forward(&z)?)?)?;
        write_rows(&ctx.publish("manifold.png"), &rows_of(&walk, size, m), m, c, h, w)?;
    }

    if let Some(d) = data {
        let k = p.inputs.min(d.test.len);
        if k > 0 {
            let idx: Vec<usize> = (0..k).collect();
            let x = v.vae.config.pixels.test_batch(&d.test, &d.layout, &idx, dev)?;
            let (mu, _) = v.vae.encode(&v.input(&x)?)?;
            let recon = flat(&v.vae.mean(&v.vae.decoder.forward(&mu)?)?)?;
            let x = flat(&x)?;
            let cols = k.min(8);
            let rows: Vec<Vec<f32>> =
                rows_of(&x, size, cols).into_iter().zip(rows_of(&recon, size, cols)).flat_map(|(a, b)| [a, b]).collect();
            write_rows(&ctx.publish("reconstructions.png"), &rows, cols, c, h, w)?;
        }
    }
    Ok(())
}

fn gan(ctx: &mut StageCtx, g: &LoadedGan, p: &GenerateParams) -> Result<(), StageError> {
    let spec = &g.net.spec;
    let (c, h, w) = (spec.in_channels, spec.height, spec.width);
    let dev = &g.net.device;
    let mut rng = stream(ctx.seed, "gan samples");
    let (images, cols) = match g.gan.config.classes {
        Some(classes) => {
            let cols = p.n.min(16);
            let labels: Vec<u32> = (0..classes as u32).flat_map(|y| std::iter::repeat_n(y, cols)).collect();
            let y = one_hot(&labels, classes, dev)?;
            (g.gan.generate(&g.gan.noise(labels.len(), &mut rng, dev)?, Some(&y))?, cols)
        }
        None => {
            let cols = grid_cols(p.n);
            let n = cols * p.n.div_ceil(cols);
            (g.gan.generate(&g.gan.noise(n, &mut rng, dev)?, None)?, cols)
        }
    };
    write_rows(&ctx.publish("samples.png"), &rows_of(&flat(&images)?, c * h * w, cols), cols, c, h, w)
}

fn pixelcnn(ctx: &mut StageCtx, m: &LoadedPixelCnn, data: Option<&Dataset>, p: &GenerateParams) -> Result<(), StageError> {
    let spec = &m.net.spec;
    let (c, h, w) = (spec.in_channels, spec.height, spec.width);
    let size = c * h * w;
    let layout = pipeline_data::Layout::image(c, h, w);
    let mut rng = stream(ctx.seed, "pixelcnn samples");
    let cols = grid_cols(p.n);
    let n = cols * p.n.div_ceil(cols);
    let mut canvas = vec![0f32; n * size];
    let progress = ctx.progress().clone();
    m.sample(&mut canvas, n, &layout, 0, &mut rng, |row| progress.update(row as u64, h as u64, "sampling"))?;
    write_rows(&ctx.publish("samples.png"), &rows_of(&canvas, size, cols), cols, c, h, w)?;

    if let Some(d) = data {
        let k = p.inputs.min(d.test.len);
        if k > 0 {
            let idx: Vec<usize> = (0..k).collect();
            let originals = flat(&shown(m, d, &idx)?)?;
            let top = h / 2;
            // Each original repeated `completions` times, its bottom half then redrawn.
            let mut canvas: Vec<f32> = originals.chunks_exact(size).flat_map(|img| img.repeat(p.completions)).collect();
            m.sample(&mut canvas, k * p.completions, &layout, top, &mut rng, |row| progress.update(row as u64, h as u64, "completing"))?;
            let mut rows = Vec::with_capacity(k);
            for (i, img) in originals.chunks_exact(size).enumerate() {
                let mut half = img.to_vec();
                for ch in 0..c {
                    half[ch * h * w + top * w..(ch + 1) * h * w].fill(0.5);
                }
                let mut row = img.to_vec();
                row.extend(half);
                row.extend_from_slice(&canvas[i * p.completions * size..(i + 1) * p.completions * size]);
                rows.push(row);
            }
            write_rows(&ctx.publish("completions.png"), &rows, 2 + p.completions, c, h, w)?;
        }
    }
    Ok(())
}

/// Test images as the PixelCNN sees their pixels (0/1, or v/255).
fn shown(m: &LoadedPixelCnn, d: &Dataset, idx: &[usize]) -> Result<Tensor, StageError> {
    let (_, target) = m.test_batch(&d.test, &d.layout, idx)?;
    Ok(if m.model.config.categorical { target.to_dtype(candle_core::DType::F32)?.affine(1.0 / 255.0, 0.0)? } else { target })
}

/// Φ⁻¹(p), the standard normal quantile, by Acklam's rational approximation (relative error
/// below 1.2e-9), for p in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        for (p, want) in [(0.5, 0.0), (0.975, 1.959_963_985), (0.05, -1.644_853_627), (0.001, -3.090_232_306), (0.9999, 3.719_016_485)] {
            assert!((normal_quantile(p) - want).abs() < 1e-7, "Φ⁻¹({p}) = {} not {want}", normal_quantile(p));
        }
    }
}
