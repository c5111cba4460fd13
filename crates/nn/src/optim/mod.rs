//! Optimisers over a list of `Var`s behind one [`Optimizer`] trait, learning-rate schedules, and
//! the user-facing [`OptimParams`] a method embeds in its own options.

mod adam;
mod schedule;
mod sgd;

pub use adam::Adam;
pub use schedule::Schedule;
pub use sgd::Sgd;

use candle_core::backprop::GradStore;
use candle_core::Var;

use crate::NnError;

/// One optimisation algorithm's state over a fixed set of variables.
pub trait Optimizer: Send {
    /// Applies one update from the gradients in `grads`; variables without a gradient are left alone.
    fn step(&mut self, grads: &GradStore) -> Result<(), NnError>;
    fn lr(&self) -> f64;
    fn set_lr(&mut self, lr: f64);
}

pipeline_params::params! {
    /// Optimiser and learning-rate schedule.
    pub struct OptimParams {
        /// Optimiser: adam, adamw (Adam with decoupled weight decay) or sgd (with momentum).
        optimizer: String = "adam".to_string(), choices("adam", "adamw", "sgd");
        /// Base learning rate.
        lr: f64 = 1e-3, range(1e-12, 100.0);
        /// SGD momentum (0 turns it off).
        momentum: f64 = 0.9, range(0.0, 0.9999);
        /// Nesterov momentum (sgd only).
        nesterov: bool = false;
        /// Adam's first-moment decay (GANs often use 0.5).
        beta1: f64 = 0.9, range(0.0, 0.9999);
        /// Adam's second-moment decay.
        beta2: f64 = 0.999, range(0.0, 0.99999);
        /// Weight decay; when unset 0 for adam and sgd (L2 added to the gradient) and 0.01 for adamw (decoupled), PyTorch's defaults.
        weight_decay: Option<f64> = None, range(0.0, 1.0);
        /// Learning-rate schedule: constant, step (× gamma every step_every epochs) or cosine (to lr_floor over all steps).
        schedule: String = "constant".to_string(), choices("constant", "step", "cosine");
        /// Epochs between learning-rate drops (schedule step).
        step_every: usize = 10, range(1, 1000000);
        /// Factor of each drop (schedule step).
        gamma: f64 = 0.1, range(0.0, 1.0);
        /// Final learning rate of the cosine schedule.
        lr_floor: f64 = 0.0, range(0.0, 100.0);
    }
}

impl OptimParams {
    /// The weight decay in force: the explicit value, else the optimiser's default.
    pub fn weight_decay(&self) -> f64 {
        self.weight_decay.unwrap_or(if self.optimizer == "adamw" { 0.01 } else { 0.0 })
    }

    /// The optimiser these options describe, over `vars`.
    pub fn build(&self, vars: Vec<Var>) -> Result<Box<dyn Optimizer>, NnError> {
        let wd = self.weight_decay();
        Ok(match self.optimizer.as_str() {
            "adam" => Box::new(Adam::new(vars, self.lr, self.beta1, self.beta2, wd, false)?),
            "adamw" => Box::new(Adam::new(vars, self.lr, self.beta1, self.beta2, wd, true)?),
            "sgd" => Box::new(Sgd::new(vars, self.lr, self.momentum, wd, self.nesterov)?),
            other => return Err(NnError::invalid(format!("unknown optimizer `{other}`; valid: adam, adamw, sgd"))),
        })
    }

    /// The schedule these options describe, for a run of `total_steps` optimiser steps.
    pub fn schedule(&self, total_steps: usize) -> Result<Schedule, NnError> {
        Schedule::from_name(&self.schedule, self.step_every, self.gamma, total_steps, self.lr_floor)
    }
}

#[cfg(test)]
mod tests;
