//! The mechanics every training loop shares, in one place: backward pass, NaN guard, optimiser
//! step, learning-rate schedule, progress reports and the per-epoch loss curve. A method's loop
//! stays readable top to bottom:
//!
//! ```no_run
//! # use pipeline_nn::{train::{Trainer, TrainParams}, optim::OptimParams, batch::EpochBatches, NnError};
//! # fn demo(vars: Vec<candle_core::Var>, n: usize, loss_of: impl Fn(&[usize]) -> Result<candle_core::Tensor, NnError>) -> Result<(), NnError> {
//! let (optim, train) = (OptimParams::default(), TrainParams::default());
//! let mut trainer = Trainer::from_params(&optim, &train, n, vars)?;
//! for epoch in 0..train.epochs {
//!     for batch in train.epoch_batches(n, 7, epoch)?.iter() {
//!         let loss = loss_of(batch)?;
//!         trainer.step(&loss, batch.len())?;
//!     }
//!     trainer.end_epoch();
//! }
//! trainer.curve().write_csv("loss.csv".as_ref())?;
//! # Ok(()) }
//! ```

use std::time::Instant;

use candle_core::{DType, Tensor, Var};

use crate::batch::EpochBatches;
use crate::curve::{EpochRecord, LossCurve};
use crate::error::Context;
use crate::optim::{OptimParams, Optimizer, Schedule};
use crate::NnError;

pipeline_params::params! {
    /// How long and in what portions to train.
    pub struct TrainParams {
        /// Passes over the training data.
        epochs: usize = 10, range(1, 100000);
        /// Items per optimiser step.
        batch: usize = 128, range(1, 65536);
        /// Drop each epoch's last, smaller batch.
        drop_last: bool = false;
    }
}

impl TrainParams {
    /// Optimiser steps per epoch over `len` items.
    pub fn steps_per_epoch(&self, len: usize) -> usize {
        EpochBatches::count(len, self.batch, self.drop_last)
    }

    /// The seeded batches of `epoch` (0-based) over `len` items.
    pub fn epoch_batches(&self, len: usize, seed: u64, epoch: usize) -> Result<EpochBatches, NnError> {
        EpochBatches::new(len, self.batch, seed, epoch, self.drop_last)
    }
}

/// What the progress callback sees after every step.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// 1-based.
    pub epoch: usize,
    pub epochs: usize,
    /// 1-based, within the epoch.
    pub step: usize,
    pub steps_per_epoch: usize,
    pub loss: f32,
    pub lr: f64,
    /// Items per second since the epoch began.
    pub images_per_s: f64,
}

/// A progress callback (e.g. the binary's progress bar); this crate does not draw anything.
pub type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// Drives one optimiser through a run of `epochs` × `steps_per_epoch` steps.
pub struct Trainer {
    optimizer: Box<dyn Optimizer>,
    schedule: Schedule,
    base_lr: f64,
    epochs: usize,
    steps_per_epoch: usize,
    /// 0-based epoch in progress.
    epoch: usize,
    step_in_epoch: usize,
    global_step: usize,
    loss_sum: f64,
    items: usize,
    extras: Vec<(String, f64, usize)>,
    epoch_start: Instant,
    curve: LossCurve,
    progress: Option<ProgressFn>,
}

impl Trainer {
    /// `optimizer`'s current learning rate is the schedule's base.
    pub fn new(optimizer: Box<dyn Optimizer>, schedule: Schedule, epochs: usize, steps_per_epoch: usize) -> Self {
        Self {
            base_lr: optimizer.lr(),
            optimizer,
            schedule,
            epochs,
            steps_per_epoch,
            epoch: 0,
            step_in_epoch: 0,
            global_step: 0,
            loss_sum: 0.0,
            items: 0,
            extras: Vec::new(),
            epoch_start: Instant::now(),
            curve: LossCurve::default(),
            progress: None,
        }
    }

    /// The optimiser and schedule of `optim` over `vars`, for `train.epochs` epochs over `len` items.
    pub fn from_params(optim: &OptimParams, train: &TrainParams, len: usize, vars: Vec<Var>) -> Result<Self, NnError> {
        let steps = train.steps_per_epoch(len);
        if steps == 0 {
            return Err(NnError::invalid(format!(
                "no training batches: {len} items with batch {} and drop_last {}",
                train.batch, train.drop_last
            )));
        }
        let schedule = optim.schedule(train.epochs * steps)?;
        Ok(Self::new(optim.build(vars)?, schedule, train.epochs, steps))
    }

    /// Calls `f` after every step.
    pub fn with_progress(mut self, f: ProgressFn) -> Self {
        self.progress = Some(f);
        self
    }

    /// One optimisation step on a batch of `items` items: checks the (scalar) loss is finite,
    /// back-propagates, sets the scheduled learning rate, updates, and returns the loss value.
    /// A NaN or infinite loss returns [`NnError::NonFinite`] before any weight changes.
    pub fn step(&mut self, loss: &Tensor, items: usize) -> Result<f32, NnError> {
        self.step_inner(loss, items, None)
    }

    /// [`Trainer::step`] that also updates `other`'s variables from the same gradients at the
    /// scheduled learning rate: for a part whose optimiser state must be reset on its own, such
    /// as DeepCluster's classifier, re-initialised (with a fresh optimiser) at every clustering.
    pub fn step_with(&mut self, loss: &Tensor, items: usize, other: &mut dyn Optimizer) -> Result<f32, NnError> {
        self.step_inner(loss, items, Some(other))
    }

    fn step_inner(&mut self, loss: &Tensor, items: usize, other: Option<&mut dyn Optimizer>) -> Result<f32, NnError> {
        if loss.elem_count() != 1 {
            return Err(NnError::invalid(format!("the loss must be a single number, got shape {:?}", loss.dims())));
        }
        let value = loss
            .flatten_all()
            .and_then(|l| l.to_dtype(DType::F32))
            .and_then(|l| l.to_vec1::<f32>())
            .context(|| "reading the loss".into())?[0];
        if !value.is_finite() {
            return Err(NnError::NonFinite { epoch: self.epoch + 1, step: self.step_in_epoch + 1, value });
        }
        let grads = loss.backward().context(|| "backward pass".into())?;
        let lr = self.schedule.lr(self.base_lr, self.epoch, self.global_step);
        self.optimizer.set_lr(lr);
        self.optimizer.step(&grads)?;
        if let Some(other) = other {
            other.set_lr(lr);
            other.step(&grads)?;
        }
        self.global_step += 1;
        self.step_in_epoch += 1;
        self.loss_sum += value as f64;
        self.items += items;
        if let Some(f) = self.progress.as_mut() {
            f(&Progress {
                epoch: self.epoch + 1,
                epochs: self.epochs,
                step: self.step_in_epoch,
                steps_per_epoch: self.steps_per_epoch,
                loss: value,
                lr,
                images_per_s: self.items as f64 / self.epoch_start.elapsed().as_secs_f64().max(1e-9),
            });
        }
        Ok(value)
    }

    /// Adds a value to the named extra scalar of this epoch; the curve records its mean
    /// (log once per epoch for a per-epoch figure such as `nmi_prev`).
    pub fn log(&mut self, name: &str, value: f64) {
        match self.extras.iter_mut().find(|(n, _, _)| n == name) {
            Some((_, sum, count)) => {
                *sum += value;
                *count += 1;
            }
            None => self.extras.push((name.to_string(), value, 1)),
        }
    }

    /// Closes the epoch: records mean loss, seconds since the epoch began (including any
    /// non-step work such as DeepCluster's clustering) and items/s, and starts the next one.
    pub fn end_epoch(&mut self) -> &EpochRecord {
        let seconds = self.epoch_start.elapsed().as_secs_f64();
        let loss = if self.step_in_epoch == 0 { f64::NAN } else { self.loss_sum / self.step_in_epoch as f64 };
        self.curve.push(EpochRecord {
            epoch: self.epoch + 1,
            loss,
            seconds,
            images_per_s: self.items as f64 / seconds.max(1e-9),
            extras: self.extras.drain(..).map(|(n, s, c)| (n, s / c as f64)).collect(),
        });
        self.epoch += 1;
        self.step_in_epoch = 0;
        self.loss_sum = 0.0;
        self.items = 0;
        self.epoch_start = Instant::now();
        self.curve.last().expect("just pushed")
    }

    pub fn curve(&self) -> &LossCurve {
        &self.curve
    }

    pub fn into_curve(self) -> LossCurve {
        self.curve
    }

    /// The learning rate of the next step.
    pub fn lr(&self) -> f64 {
        self.schedule.lr(self.base_lr, self.epoch, self.global_step)
    }

    /// 0-based index of the epoch in progress.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn global_step(&self) -> usize {
        self.global_step
    }

    pub fn optimizer_mut(&mut self) -> &mut dyn Optimizer {
        self.optimizer.as_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Sgd;
    use candle_core::Device;
    use std::sync::{Arc, Mutex};

    #[test]
    fn steps_follow_the_schedule_and_fill_the_curve() {
        let w = Var::from_tensor(&Tensor::new(&[0f32], &Device::Cpu).unwrap()).unwrap();
        let opt = Box::new(Sgd::new(vec![w.clone()], 0.1, 0.0, 0.0, false).unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut t = Trainer::new(opt, Schedule::Step { every_epochs: 1, gamma: 0.5 }, 2, 2)
            .with_progress(Box::new(move |p: &Progress| sink.lock().unwrap().push((p.epoch, p.step, p.lr, p.loss))));
        for epoch in 0..2 {
            for _ in 0..2 {
                // (w − 3)²: gradient 2(w − 3).
                let loss = w.as_tensor().affine(1.0, -3.0).unwrap().sqr().unwrap().sum_all().unwrap();
                t.step(&loss, 4).unwrap();
                t.log("w", w.as_tensor().to_vec1::<f32>().unwrap()[0] as f64);
            }
            if epoch == 1 {
                t.log("nmi_prev", 0.5);
            }
            let r = t.end_epoch();
            assert_eq!(r.epoch, epoch + 1);
        }
        // w: 0 → 0.6 → 1.08 (lr 0.1), then lr 0.05: → 1.272 → 1.4448.
        let w_now = w.as_tensor().to_vec1::<f32>().unwrap()[0];
        assert!((w_now - 1.4448).abs() < 1e-5, "{w_now}");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.iter().map(|s| (s.0, s.1, s.2)).collect::<Vec<_>>(), vec![(1, 1, 0.1), (1, 2, 0.1), (2, 1, 0.05), (2, 2, 0.05)]);
        assert_eq!(seen[0].3, 9.0);
        let c = t.curve();
        assert!((c.records[0].loss - (9.0 + 5.76) / 2.0).abs() < 1e-5, "{:?}", c.records[0]);
        assert_eq!(c.records[0].extras.len(), 1);
        assert!((c.records[0].extras[0].1 - (0.6 + 1.08) / 2.0).abs() < 1e-6);
        assert_eq!(c.extra_columns(), vec!["w", "nmi_prev"]);
        assert!(c.records[1].images_per_s > 0.0);
        let e = t.step(&Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap(), 1).unwrap_err();
        assert!(e.to_string().contains("single number"), "{e}");
    }

    #[test]
    fn step_with_updates_both_optimisers_at_the_scheduled_rate() {
        let a = Var::from_tensor(&Tensor::new(&[0f32], &Device::Cpu).unwrap()).unwrap();
        let b = Var::from_tensor(&Tensor::new(&[0f32], &Device::Cpu).unwrap()).unwrap();
        let opt = Box::new(Sgd::new(vec![a.clone()], 0.1, 0.0, 0.0, false).unwrap());
        let mut other = Sgd::new(vec![b.clone()], 123.0, 0.0, 0.0, false).unwrap();
        let mut t = Trainer::new(opt, Schedule::Constant, 1, 1);
        // (a − 1)² + (b − 2)²: gradients −2 and −4 at 0; both steps use lr 0.1.
        let loss = ((a.as_tensor().affine(1.0, -1.0).unwrap().sqr().unwrap() + b.as_tensor().affine(1.0, -2.0).unwrap().sqr().unwrap())
            .unwrap())
        .sum_all()
        .unwrap();
        t.step_with(&loss, 1, &mut other).unwrap();
        assert!((a.as_tensor().to_vec1::<f32>().unwrap()[0] - 0.2).abs() < 1e-6);
        assert!((b.as_tensor().to_vec1::<f32>().unwrap()[0] - 0.4).abs() < 1e-6);
    }

    #[test]
    fn from_params_needs_batches() {
        let train = TrainParams { epochs: 1, batch: 8, drop_last: true };
        let e = Trainer::from_params(&OptimParams::default(), &train, 5, vec![]).err().unwrap();
        assert!(e.to_string().contains("no training batches"), "{e}");
        assert_eq!(train.steps_per_epoch(17), 2);
    }
}
