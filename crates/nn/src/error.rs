//! The crate's error type: candle failures with the context they happened in, and the user-facing
//! mistakes (unknown architecture, layer or device, mismatched checkpoint, diverging training).

use std::path::PathBuf;

/// Everything that can go wrong while building or training a network.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    /// A candle operation failed; `context` says which step of ours it was part of.
    #[error("{context}: {source}")]
    Candle {
        context: String,
        #[source]
        source: candle_core::Error,
    },
    #[error("unknown architecture `{name}`; valid architectures: {valid}")]
    UnknownArch { name: String, valid: String },
    #[error("architecture `{arch}` has no layer `{layer}`; valid layers: {valid}")]
    UnknownLayer { arch: String, layer: String, valid: String },
    #[error("device `{spec}`: {reason}")]
    Device { spec: String, reason: String },
    /// The loss was NaN or infinite; raised before the optimiser touched the weights.
    /// `epoch` and `step` count from 1.
    #[error("training diverged: loss is {value} at epoch {epoch}, step {step} (lower the learning rate?)")]
    NonFinite { epoch: usize, step: usize, value: f32 },
    #[error("checkpoint {}: {reason}", path.display())]
    Checkpoint { path: PathBuf, reason: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An argument that cannot work (wrong shape, empty batch, bad option value).
    #[error("{0}")]
    Invalid(String),
}

impl From<candle_core::Error> for NnError {
    fn from(source: candle_core::Error) -> Self {
        NnError::Candle { context: "tensor operation".into(), source }
    }
}

/// Attaches what we were doing to a candle error.
pub trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, NnError>;
}

impl<T> Context<T> for Result<T, candle_core::Error> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, NnError> {
        self.map_err(|source| NnError::Candle { context: what(), source })
    }
}

impl NnError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        NnError::Invalid(msg.into())
    }
}
