//! `convnet-small`: the benchmark's reference network, small enough to rebuild line for line in
//! PyTorch for a speed comparison — conv 32, conv 64 (3×3, ReLU, max-pool) and a 128-unit dense
//! layer; 28×28 → 7×7, so fc sees 64·7·7 = 3136 inputs.

use super::{ArchDef, Step};

pub(super) const DEF: ArchDef = ArchDef {
    name: "convnet-small",
    doc: "conv 32-64 (3×3, ReLU, max-pool) → fc 128; the benchmark's reference network; layers conv1, conv2, fc",
    steps: || {
        vec![
            Step::Conv { name: "conv1", out: 32, kernel: 3, padding: 1, pool: true },
            Step::Conv { name: "conv2", out: 64, kernel: 3, padding: 1, pool: true },
            Step::Dense { name: "fc", out: 128 },
        ]
    },
};
