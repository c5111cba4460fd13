//! Runs a DAG of jobs with at most `jobs` at once: a job starts when its dependencies finished;
//! when one fails, its descendants are skipped and independent branches carry on.

use std::collections::VecDeque;
use std::sync::mpsc;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not run because the job at this index failed upstream.
    Skipped { because: usize },
}

/// Runs `work(i)` for every node of the DAG given by `deps` (`deps[i]`: what `i` waits for).
pub fn run_dag<F>(deps: &[Vec<usize>], jobs: usize, work: F) -> Vec<Outcome>
where
    F: Fn(usize) -> Result<(), String> + Sync,
{
    let n = deps.len();
    let mut remaining: Vec<usize> = deps.iter().map(Vec::len).collect();
    let dependents = dependents(deps);
    let mut outcome: Vec<Option<Outcome>> = vec![None; n];
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let (tx, rx) = mpsc::channel::<(usize, Result<(), String>)>();
    let work = &work;
    std::thread::scope(|scope| {
        let mut running = 0;
        loop {
            while running < jobs.max(1) {
                let Some(i) = ready.pop_front() else { break };
                let tx = tx.clone();
                scope.spawn(move || {
                    // A panic inside a job is that job's failure, not the run's.
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(i)))
                        .unwrap_or_else(|p| Err(format!("internal error (panic): {}", panic_text(&p))));
                    let _ = tx.send((i, r));
                });
                running += 1;
            }
            if running == 0 {
                break;
            }
            let (i, r) = rx.recv().expect("a job reports back");
            running -= 1;
            match r {
                Ok(()) => {
                    outcome[i] = Some(Outcome::Done);
                    for &d in &dependents[i] {
                        remaining[d] -= 1;
                        if remaining[d] == 0 && outcome[d].is_none() {
                            ready.push_back(d);
                        }
                    }
                }
                Err(e) => {
                    outcome[i] = Some(Outcome::Failed(e));
                    skip_descendants(i, &dependents, &mut outcome);
                }
            }
        }
    });
    outcome.into_iter().map(|o| o.expect("every job is done, failed or skipped")).collect()
}

/// The reverse edges of `deps`: for each node, the nodes that wait for it.
pub fn dependents(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); deps.len()];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            out[d].push(i);
        }
    }
    out
}

fn skip_descendants(failed: usize, dependents: &[Vec<usize>], outcome: &mut [Option<Outcome>]) {
    let mut stack = dependents[failed].clone();
    while let Some(d) = stack.pop() {
        if outcome[d].is_none() {
            outcome[d] = Some(Outcome::Skipped { because: failed });
            stack.extend(dependents[d].iter().copied());
        }
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    #[test]
    fn failure_skips_descendants_only() {
        // 0 -> 1 -> 2 ; 3 independent.
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let out = run_dag(&deps, 2, |i| if i == 1 { Err("boom".into()) } else { Ok(()) });
        assert_eq!(out, vec![Outcome::Done, Outcome::Failed("boom".into()), Outcome::Skipped { because: 1 }, Outcome::Done]);
    }

    #[test]
    fn respects_dependencies_and_job_limit() {
        let deps = vec![vec![], vec![], vec![], vec![0, 1, 2]];
        let order = Mutex::new(Vec::new());
        let live = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        run_dag(&deps, 2, |i| {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
            order.lock().unwrap().push(i);
            live.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        });
        assert_eq!(*order.lock().unwrap().last().unwrap(), 3);
        assert!(peak.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn a_panicking_job_fails_alone() {
        let out = run_dag(&[vec![], vec![]], 2, |i| if i == 0 { panic!("bad") } else { Ok(()) });
        assert!(matches!(&out[0], Outcome::Failed(m) if m.contains("bad")));
        assert_eq!(out[1], Outcome::Done);
    }
}
