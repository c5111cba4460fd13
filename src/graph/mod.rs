//! The stage graph: validation of one sweep point (kinds, methods, parameters, edges, cycles),
//! the plan with content-hash keys over all points, and the parallel scheduler.

mod cycle;
mod plan;
mod schedule;
mod validate;

pub use cycle::find_cycle;
pub use plan::{plan, Node, Plan, PointPlan};
pub use schedule::{run_dag, Outcome};
pub use validate::{validate, ValidStage};
