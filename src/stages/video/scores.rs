//! Per-step scores of predicted frames, as SVG (Denton & Fergus, ICML 2018) plots them: SSIM and
//! PSNR of each predicted frame against the true one, the best of several samples per sequence,
//! and the average over sequences at each future step t.

use pipeline_metrics::{psnr, ssim};

use crate::stage_ctx::StageError;

/// The PSNR given to a frame predicted exactly (its error is 0 and its PSNR infinite), so that a
/// mean over sequences stays finite: far above anything a model reaches on 8-bit frames (~48 dB).
pub const PSNR_CAP: f64 = 100.0;

/// SSIM and PSNR (dB, peak 1) of one predicted frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameScore {
    pub ssim: f64,
    pub psnr: f64,
}

/// Scores `pred` against `truth`, both C×H×W on [0, 1].
pub fn frame_score(pred: &[f32], truth: &[f32], channels: usize, height: usize, width: usize) -> Result<FrameScore, StageError> {
    let s = ssim(pred, truth, channels, height, width)?;
    let p = psnr(pred, truth, 1.0)?.min(PSNR_CAP);
    Ok(FrameScore { ssim: s, psnr: p })
}

/// Scores every frame of a predicted sequence (T frames of `frame` values each) against the truth.
pub fn sequence_scores(pred: &[f32], truth: &[f32], channels: usize, height: usize, width: usize) -> Result<Vec<FrameScore>, StageError> {
    let frame = channels * height * width;
    if pred.len() != truth.len() || frame == 0 || !pred.len().is_multiple_of(frame) {
        crate::bail!("predicted and true sequences differ in size ({} and {} values, frames of {frame})", pred.len(), truth.len());
    }
    pred.chunks_exact(frame).zip(truth.chunks_exact(frame)).map(|(p, t)| frame_score(p, t, channels, height, width)).collect()
}

/// The sample with the highest mean SSIM over its steps (the first on a tie): the paper's "best
/// of N" picks one sample per sequence and reports that sample's SSIM and PSNR at every step.
pub fn best_sample(samples: &[Vec<FrameScore>]) -> Option<usize> {
    let mean = |s: &Vec<FrameScore>| s.iter().map(|f| f.ssim).sum::<f64>() / s.len().max(1) as f64;
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in samples.iter().enumerate() {
        let m = mean(s);
        if best.is_none_or(|(_, b)| m > b) {
            best = Some((i, m));
        }
    }
    best.map(|(i, _)| i)
}

/// The reference predictors every model should beat, scored like a model's continuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// Every future frame is the last conditioning frame (no motion).
    CopyLast,
    /// Every future frame is black (no digit): what a model collapsed onto the mean background scores.
    Black,
}

impl Baseline {
    pub const ALL: [Baseline; 2] = [Baseline::CopyLast, Baseline::Black];

    /// The name of its curve (`ssim_<name>` and `psnr_<name>` in the metrics).
    pub fn name(self) -> &'static str {
        match self {
            Baseline::CopyLast => "copy_last",
            Baseline::Black => "black",
        }
    }

    /// Its per-step scores against `truth` (future frames of `frame` values each) given `past`
    /// (the conditioning frames, at least one).
    pub fn scores(self, past: &[f32], truth: &[f32], channels: usize, height: usize, width: usize) -> Result<Vec<FrameScore>, StageError> {
        let frame = channels * height * width;
        if past.len() < frame {
            crate::bail!("a baseline needs a conditioning frame of {frame} values, got {}", past.len());
        }
        let one = match self {
            Baseline::CopyLast => past[past.len() - frame..].to_vec(),
            Baseline::Black => vec![0.0; frame],
        };
        let pred: Vec<f32> = one.iter().copied().cycle().take(truth.len()).collect();
        sequence_scores(&pred, truth, channels, height, width)
    }
}

/// Per-step means over sequences.
#[derive(Debug, Clone, Default)]
pub struct Curves {
    ssim: Vec<f64>,
    psnr: Vec<f64>,
    sequences: usize,
}

impl Curves {
    /// Adds one sequence's per-step scores (every sequence must have the same number of steps).
    pub fn add(&mut self, steps: &[FrameScore]) -> Result<(), StageError> {
        if self.sequences == 0 {
            self.ssim = vec![0.0; steps.len()];
            self.psnr = vec![0.0; steps.len()];
        } else if steps.len() != self.ssim.len() {
            crate::bail!("a sequence has {} scored steps, the others {}", steps.len(), self.ssim.len());
        }
        for (t, s) in steps.iter().enumerate() {
            self.ssim[t] += s.ssim;
            self.psnr[t] += s.psnr;
        }
        self.sequences += 1;
        Ok(())
    }

    pub fn sequences(&self) -> usize {
        self.sequences
    }

    /// Mean SSIM at each step (index 0 is t = 1).
    pub fn ssim(&self) -> Vec<f64> {
        self.ssim.iter().map(|v| v / self.sequences.max(1) as f64).collect()
    }

    /// Mean PSNR at each step.
    pub fn psnr(&self) -> Vec<f64> {
        self.psnr.iter().map(|v| v / self.sequences.max(1) as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C1: f64 = 0.01 * 0.01;

    fn texture(n: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 37) % 101) as f32 / 200.0 + 0.2).collect()
    }

    #[test]
    fn identical_frames_score_one_and_the_cap() {
        let x = texture(16 * 16);
        let s = frame_score(&x, &x, 1, 16, 16).unwrap();
        assert!((s.ssim - 1.0).abs() < 1e-12);
        assert_eq!(s.psnr, PSNR_CAP);
    }

    #[test]
    fn a_constant_shift_matches_the_closed_forms() {
        // Constant frames a and b: SSIM = (2ab + C1)/(a² + b² + C1); MSE = (b − a)², so PSNR = 20·log10(1/|b − a|).
        let (a, b) = (0.25f32, 0.5f32);
        let s = frame_score(&vec![b; 12 * 12], &vec![a; 12 * 12], 1, 12, 12).unwrap();
        let (a, b) = (a as f64, b as f64);
        assert!((s.ssim - (2.0 * a * b + C1) / (a * a + b * b + C1)).abs() < 1e-12);
        assert!((s.psnr - 20.0 * (1.0 / 0.25f64).log10()).abs() < 1e-9);
        // A textured frame shifted by 0.1: PSNR exactly 20 dB, SSIM below 1 (luminance only).
        let t = texture(16 * 16);
        let shifted: Vec<f32> = t.iter().map(|v| v + 0.1).collect();
        let s = frame_score(&shifted, &t, 1, 16, 16).unwrap();
        assert!((s.psnr - 20.0).abs() < 1e-4, "{}", s.psnr);
        assert!(s.ssim < 1.0 && s.ssim > 0.8, "{}", s.ssim);
    }

    #[test]
    fn a_hand_computed_sequence() {
        // Frame 1 exact; frame 2 half black where the truth is 0.5 everywhere: MSE 0.125, PSNR
        // 10·log10(8); a frame of zeros against 0.5 gives SSIM C1/(0.25 + C1) (constant frames).
        let truth = vec![0.5f32; 2 * 12 * 12];
        let mut pred = truth.clone();
        for v in &mut pred[144..144 + 72] {
            *v = 0.0;
        }
        let s = sequence_scores(&pred, &truth, 1, 12, 12).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].psnr, PSNR_CAP);
        assert!((s[1].psnr - 10.0 * 8f64.log10()).abs() < 1e-9);
        let zeros = frame_score(&[0.0; 144], &[0.5; 144], 1, 12, 12).unwrap();
        assert!((zeros.ssim - C1 / (0.25 + C1)).abs() < 1e-12);
        assert!(sequence_scores(&pred[1..], &truth[1..], 1, 12, 12).is_err());
    }

    #[test]
    fn baselines_repeat_the_last_frame_or_black() {
        // Past: frames 0.2 then 0.4 (12×12); truth: 0.4 then 0.6.
        let f = |v: f32| vec![v; 144];
        let (past, truth) = ([f(0.2), f(0.4)].concat(), [f(0.4), f(0.6)].concat());
        let copy = Baseline::CopyLast.scores(&past, &truth, 1, 12, 12).unwrap();
        assert_eq!(copy[0].psnr, PSNR_CAP);
        assert!((copy[1].psnr - 20.0 * (1.0 / 0.2f64).log10()).abs() < 1e-4, "{}", copy[1].psnr);
        let black = Baseline::Black.scores(&past, &truth, 1, 12, 12).unwrap();
        assert!((black[0].psnr - 20.0 * (1.0 / 0.4f64).log10()).abs() < 1e-4);
        assert!((black[1].ssim - C1 / (0.36 + C1)).abs() < 1e-9, "{}", black[1].ssim);
        assert!(Baseline::CopyLast.scores(&past[..3], &truth, 1, 12, 12).is_err());
    }

    #[test]
    fn best_of_n_and_the_mean_over_sequences() {
        let f = |ssim: f64, psnr: f64| FrameScore { ssim, psnr };
        // Sample 1 has the best mean SSIM (0.6 against 0.55 and 0.5) though not the best last step.
        let samples = vec![vec![f(0.5, 10.0), f(0.6, 11.0)], vec![f(0.9, 20.0), f(0.3, 9.0)], vec![f(0.5, 10.0), f(0.5, 10.0)]];
        assert_eq!(best_sample(&samples), Some(1));
        assert_eq!(best_sample(&[]), None);
        let mut c = Curves::default();
        c.add(&samples[1]).unwrap();
        c.add(&samples[0]).unwrap();
        assert_eq!(c.sequences(), 2);
        let close = |a: Vec<f64>, b: [f64; 2]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(c.ssim(), [0.7, 0.45]), "{:?}", c.ssim());
        assert!(close(c.psnr(), [15.0, 10.0]), "{:?}", c.psnr());
        assert!(c.add(&samples[0][..1]).is_err());
    }
}
