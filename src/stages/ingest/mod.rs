//! `ingest`: sources that make a dataset, from a generator or from local files. The generators
//! and loaders live in `pipeline-data`; the files here declare them as methods.

pub mod loaders;
pub mod moving_digits;
pub mod noise;
pub mod pad;
pub mod synth_digits;

/// Declares an ingest method that calls `pipeline_data::sources::$module::$f(&params, seed)`.
macro_rules! ingest_method {
    ($ty:ident, $name:literal, $doc:literal, $params:path, $seeded:literal, |$p:ident, $seed:ident| $call:expr) => {
        pub struct $ty;
        impl $crate::registry::Method for $ty {
            type Params = $params;
            const INFO: $crate::registry::Info = $crate::registry::Info {
                kind: $crate::registry::Kind::Ingest,
                name: $name,
                doc: $doc,
                version: 1,
                inputs: &[],
                output: $crate::registry::ArtifactType::Dataset,
                seeded: $seeded,
            };
            fn run(
                &self,
                ctx: &mut $crate::stage_ctx::StageCtx,
                $p: $params,
            ) -> Result<$crate::artifact::Artifact, $crate::stage_ctx::StageError> {
                ctx.progress().update(0, 1, "reading");
                let $seed = ctx.seed;
                Ok($crate::artifact::Artifact::Dataset(std::sync::Arc::new($call?)))
            }
        }
    };
}
pub(crate) use ingest_method;
