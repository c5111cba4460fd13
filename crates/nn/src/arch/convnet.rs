//! `convnet`: three 3×3 conv blocks (32, 64, 128 channels, each ReLU + 2×2 max-pool) and a
//! 128-unit dense layer; 28×28 → 14 → 7 → 3, so fc sees 128·3·3 = 1152 inputs.

use super::{ArchDef, Step};

pub(super) const DEF: ArchDef = ArchDef {
    name: "convnet",
    doc: "conv 32-64-128 (3×3, ReLU, max-pool) → fc 128; for 28×28 (any size ≥ 8); layers conv1, conv2, conv3, fc",
    steps: || {
        vec![
            Step::Conv { name: "conv1", out: 32, kernel: 3, padding: 1, pool: true },
            Step::Conv { name: "conv2", out: 64, kernel: 3, padding: 1, pool: true },
            Step::Conv { name: "conv3", out: 128, kernel: 3, padding: 1, pool: true },
            Step::Dense { name: "fc", out: 128 },
        ]
    },
};
