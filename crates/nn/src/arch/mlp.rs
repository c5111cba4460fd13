//! `mlp`: flatten → fc1 (512) ReLU → fc2 (256) ReLU, for any input size.

use super::{ArchDef, Step};

pub(super) const DEF: ArchDef = ArchDef {
    name: "mlp",
    doc: "flatten → fc1 512 → fc2 256 (ReLU); any input size; layers fc1, fc2",
    steps: || vec![Step::Dense { name: "fc1", out: 512 }, Step::Dense { name: "fc2", out: 256 }],
};
