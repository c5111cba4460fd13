//! `convnet-rgb`: a small AlexNet-like network for 32×32 colour images — two 5×5 conv blocks
//! (32, 64), two 3×3 convs (128, 128), three max-pools (32 → 4) and a 256-unit dense layer.

use super::{ArchDef, Step};

pub(super) const DEF: ArchDef = ArchDef {
    name: "convnet-rgb",
    doc: "conv 32-64 (5×5) and 128-128 (3×3), ReLU, 3 max-pools → fc 256; for 32×32 RGB; layers conv1..conv4, fc",
    steps: || {
        vec![
            Step::Conv { name: "conv1", out: 32, kernel: 5, padding: 2, pool: true },
            Step::Conv { name: "conv2", out: 64, kernel: 5, padding: 2, pool: true },
            Step::Conv { name: "conv3", out: 128, kernel: 3, padding: 1, pool: false },
            Step::Conv { name: "conv4", out: 128, kernel: 3, padding: 1, pool: true },
            Step::Dense { name: "fc", out: 256 },
        ]
    },
};
