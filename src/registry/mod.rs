//! The catalogue of stage kinds and methods: each method is declared once (kind, name, doc,
//! version, inputs, output, typed parameters) and validation, `pipeline list`, the README's
//! reference and execution are all derived from that declaration.

mod catalogue;
mod kinds;

pub use catalogue::{all, find, methods_of};
pub use kinds::{ArtifactType, Kind, Slot};

use pipeline_params::{ParamError, ParamMap, ParamSpec, Params};

use crate::artifact::Artifact;
use crate::stage_ctx::{StageCtx, StageError};

/// What a method declares about itself.
#[derive(Debug, Clone, Copy)]
pub struct Info {
    pub kind: Kind,
    pub name: &'static str,
    /// One line for `pipeline list`; a method file says more in its module doc.
    pub doc: &'static str,
    /// Bumped whenever a change to the implementation changes its results, so that an upgraded
    /// binary never serves a stale artifact from the store.
    pub version: u32,
    pub inputs: &'static [Slot],
    pub output: ArtifactType,
    /// Whether the stage's result depends on its seed. Deterministic stages (file loaders,
    /// metrics) leave the seed out of their cache key, so a seed sweep shares them.
    pub seeded: bool,
}

/// A stage method with typed parameters.
pub trait Method: Sync + 'static {
    type Params: Params;
    const INFO: Info;
    fn run(&self, ctx: &mut StageCtx, params: Self::Params) -> Result<Artifact, StageError>;
}

/// The object-safe face of [`Method`] the runner works with.
pub trait AnyMethod: Sync {
    fn info(&self) -> Info;
    fn params(&self) -> Vec<ParamSpec>;
    /// Checks a `with:` map and returns it with every default filled in (what the key hashes).
    fn resolve(&self, with: &ParamMap) -> Result<ParamMap, ParamError>;
    fn run_map(&self, ctx: &mut StageCtx, with: &ParamMap) -> Result<Artifact, StageError>;
}

impl<M: Method> AnyMethod for M {
    fn info(&self) -> Info {
        M::INFO
    }
    fn params(&self) -> Vec<ParamSpec> {
        M::Params::specs()
    }
    fn resolve(&self, with: &ParamMap) -> Result<ParamMap, ParamError> {
        M::Params::from_map(with).map(|p| p.to_map())
    }
    fn run_map(&self, ctx: &mut StageCtx, with: &ParamMap) -> Result<Artifact, StageError> {
        let params = M::Params::from_map(with).map_err(|e| StageError::msg(e.to_string()))?;
        self.run(ctx, params)
    }
}
