//! Stage kinds, the artifact types that flow along edges, and input slots.

use std::fmt;

/// The seven stage kinds of a recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Ingest,
    Pretext,
    Pretrain,
    Cluster,
    Finetune,
    Evaluate,
    Report,
}

impl Kind {
    pub const ALL: [Kind; 7] =
        [Kind::Ingest, Kind::Pretext, Kind::Pretrain, Kind::Cluster, Kind::Finetune, Kind::Evaluate, Kind::Report];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Ingest => "ingest",
            Kind::Pretext => "pretext",
            Kind::Pretrain => "pretrain",
            Kind::Cluster => "cluster",
            Kind::Finetune => "finetune",
            Kind::Evaluate => "evaluate",
            Kind::Report => "report",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The recipe key that names the method: ingest stages say `source:`, the others `method:`.
    pub fn method_key(self) -> &'static str {
        if self == Kind::Ingest {
            "source"
        } else {
            "method"
        }
    }

    pub fn doc(self) -> &'static str {
        match self {
            Kind::Ingest => "turns files (or nothing: a generator) into a dataset",
            Kind::Pretext => "turns a dataset into inputs with generated targets",
            Kind::Pretrain => "trains a model from a dataset or a pretext dataset",
            Kind::Cluster => "assigns items to clusters",
            Kind::Finetune => "trains a classifier on top of a pretrained model",
            Kind::Evaluate => "measures a model, assignments or a dataset on the test split",
            Kind::Report => "renders tables and pictures from other stages' outputs",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a stage produces and another consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactType {
    Dataset,
    PretextDataset,
    Model,
    Assignments,
    Metrics,
    Report,
}

impl ArtifactType {
    pub fn name(self) -> &'static str {
        match self {
            ArtifactType::Dataset => "dataset",
            ArtifactType::PretextDataset => "pretext dataset",
            ArtifactType::Model => "model",
            ArtifactType::Assignments => "assignments",
            ArtifactType::Metrics => "metrics",
            ArtifactType::Report => "report",
        }
    }
}

impl fmt::Display for ArtifactType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One input of a method. The stages a recipe lists in `needs:` are matched to slots by the
/// type of what they produce, in the order the slots are declared.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub name: &'static str,
    pub accepts: &'static [ArtifactType],
    /// Takes every fitting need (a report over many evaluations) rather than exactly one.
    pub many: bool,
    pub optional: bool,
}

impl Slot {
    pub const fn one(name: &'static str, accepts: &'static [ArtifactType]) -> Slot {
        Slot { name, accepts, many: false, optional: false }
    }
    pub const fn optional(name: &'static str, accepts: &'static [ArtifactType]) -> Slot {
        Slot { name, accepts, many: false, optional: true }
    }
    pub const fn many(name: &'static str, accepts: &'static [ArtifactType]) -> Slot {
        Slot { name, accepts, many: true, optional: false }
    }
    pub fn describe(&self) -> String {
        let types: Vec<&str> = self.accepts.iter().map(|t| t.name()).collect();
        let card = if self.many { "one or more" } else if self.optional { "optional" } else { "one" };
        format!("{} ({card} {})", self.name, types.join(" or "))
    }
}
