//! `pipeline run` and `pipeline validate`.

use std::path::PathBuf;

use super::{load_and_plan, Failure, RecipeArgs};
use crate::run::{self, Force, RunOptions, Status};
use crate::store::Store;

pub struct RunArgs {
    pub recipe: Option<PathBuf>,
    pub sets: Vec<String>,
    pub jobs: Option<usize>,
    pub force: Vec<String>,
    pub dry_run: bool,
    pub store: PathBuf,
    pub results: PathBuf,
    pub device: String,
    pub quiet: bool,
}

pub fn validate(args: &RecipeArgs) -> Result<(), Failure> {
    let (recipe, plan) = load_and_plan(args)?;
    let stages: usize = plan.points.iter().map(|p| p.stages.len()).sum();
    println!(
        "{}: ok ({} stages, {} sweep point{}, {} distinct to compute)",
        args.recipe.display(),
        stages,
        recipe.points.len(),
        if recipe.points.len() == 1 { "" } else { "s" },
        plan.nodes.len()
    );
    Ok(())
}

pub fn run(mut args: RunArgs) -> Result<(), Failure> {
    // `--force recipe.yaml` reads the recipe as the stage to force (clap cannot tell an optional
    // value from the positional); a force value that is a file and no recipe means that.
    if args.recipe.is_none() {
        if let Some(i) = args.force.iter().position(|f| std::path::Path::new(f).is_file()) {
            args.recipe = Some(PathBuf::from(args.force[i].clone()));
            args.force[i] = String::new();
        }
    }
    let Some(recipe_path) = args.recipe.clone() else {
        return Err(Failure::Usage("error: which recipe? usage: pipeline run RECIPE [--set NAME=VALUE] [--force [STAGE]]".into()));
    };
    let recipe_args = RecipeArgs { recipe: recipe_path, sets: args.sets.clone() };
    let force = if args.force.is_empty() {
        Force::None
    } else if args.force.iter().any(String::is_empty) {
        Force::All
    } else {
        Force::Stages(args.force.clone())
    };
    let (recipe, plan) = load_and_plan(&recipe_args)?;
    let forced = run::forced_nodes(&plan, &force).map_err(|d| Failure::Usage(format!("error: {d}")))?;
    let store = Store::open(&args.store)?;
    if args.dry_run {
        for line in run::explain(&store, &recipe, &plan, &forced) {
            println!("{line}");
        }
        return Ok(());
    }
    let device = pipeline_nn::device::select_device(&args.device).map_err(|e| Failure::Usage(format!("error: --device: {e}")))?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let opts = RunOptions { jobs, force, device, results: args.results.clone(), quiet: args.quiet };
    let report = run::run(&recipe, &plan, &store, &opts)?;

    if !report.table.rows.is_empty() {
        println!("{}", report.table.render_text());
    }
    let count = |w: &str| report.records.iter().filter(|r| r.status.word() == w).count();
    println!(
        "{}: ran {}, cached {}, failed {}, skipped {} → {}",
        recipe.name,
        count("ran"),
        count("cached"),
        count("failed"),
        count("skipped"),
        report.run_dir.display()
    );
    if report.failures() > 0 {
        let mut lines = Vec::new();
        for (node, rec) in plan.nodes.iter().zip(&report.records) {
            match &rec.status {
                Status::Failed(e) => lines.push(format!("error: {e}")),
                Status::Skipped(why) => lines.push(format!("skipped: stage `{}` ({why})", node.stage)),
                _ => {}
            }
        }
        return Err(Failure::Work(lines.join("\n")));
    }
    Ok(())
}
