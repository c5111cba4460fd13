//! Training glue shared by every method that trains: a [`Trainer`] whose progress drives the
//! stage's progress bar, and the per-epoch loss curve published as `loss.csv`.

use candle_core::Var;
use pipeline_nn::optim::OptimParams;
use pipeline_nn::train::Trainer;

use crate::stage_ctx::{StageCtx, StageError};

/// A trainer over `len` items in batches of `batch` for `epochs`, reporting to the stage's bar.
pub fn trainer(ctx: &StageCtx, optim: &OptimParams, epochs: usize, batch: usize, len: usize, vars: Vec<Var>) -> Result<Trainer, StageError> {
    let steps = len.div_ceil(batch).max(1);
    let progress = ctx.progress().clone();
    let total = (epochs * steps) as u64;
    Ok(Trainer::new(optim.build(vars)?, optim.schedule(epochs * steps)?, epochs, steps).with_progress(Box::new(move |p| {
        let done = ((p.epoch - 1) * p.steps_per_epoch + p.step) as u64;
        progress.update(done, total, &format!("epoch {}/{} loss {:.4} {:.0} img/s", p.epoch, p.epochs, p.loss, p.images_per_s));
    })))
}

/// Writes the trainer's per-epoch curve as the stage's `loss.csv` (or `name`).
pub fn publish_curve(ctx: &mut StageCtx, trainer: &Trainer, name: &str) -> Result<(), StageError> {
    let path = ctx.publish(name);
    trainer.curve().write_csv(&path)?;
    Ok(())
}
