//! Learning-rate schedules, evaluated per optimiser step.

use crate::NnError;

/// How the learning rate moves from its base value over training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    Constant,
    /// `base · gamma^⌊epoch / every_epochs⌋` (PyTorch `StepLR`).
    Step { every_epochs: usize, gamma: f64 },
    /// `floor + (base − floor)·(1 + cos(π·t/total_steps))/2` for step t = 0, 1, … (PyTorch
    /// `CosineAnnealingLR` with `T_max` = total steps); stays at `floor` past the end.
    Cosine { total_steps: usize, floor: f64 },
}

impl Schedule {
    /// Builds a schedule from its option name (`constant`, `step`, `cosine`).
    pub fn from_name(name: &str, step_every: usize, gamma: f64, total_steps: usize, floor: f64) -> Result<Self, NnError> {
        match name {
            "constant" => Ok(Schedule::Constant),
            "step" if step_every == 0 => Err(NnError::invalid("schedule `step` needs step_every ≥ 1")),
            "step" => Ok(Schedule::Step { every_epochs: step_every, gamma }),
            "cosine" => Ok(Schedule::Cosine { total_steps: total_steps.max(1), floor }),
            other => Err(NnError::invalid(format!("unknown schedule `{other}`; valid: constant, step, cosine"))),
        }
    }

    /// The learning rate during the 0-based `epoch` for the 0-based global optimiser `step`.
    pub fn lr(&self, base: f64, epoch: usize, step: usize) -> f64 {
        match *self {
            Schedule::Constant => base,
            Schedule::Step { every_epochs, gamma } => base * gamma.powi((epoch / every_epochs.max(1)) as i32),
            Schedule::Cosine { total_steps, floor } => {
                let t = step.min(total_steps) as f64 / total_steps.max(1) as f64;
                floor + (base - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }
}
