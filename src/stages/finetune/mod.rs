//! `finetune`: classifiers on top of a pretrained encoder, the papers' judges: a linear probe on
//! frozen features at a layer, full fine-tuning of every layer, and low-shot probes.

pub mod full;
pub mod linear;
pub mod low_shot;
mod probe;
