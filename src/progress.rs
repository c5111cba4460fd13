//! Progress of running stages: indicatif bars on a terminal, an occasional plain line otherwise.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Owns the terminal's bars for one run.
#[derive(Clone)]
pub struct ProgressBoard {
    multi: Option<MultiProgress>,
    quiet: bool,
}

impl ProgressBoard {
    /// Bars when stderr is a terminal, plain lines otherwise; nothing per stage when `quiet`.
    pub fn new(quiet: bool) -> Self {
        let multi = (!quiet && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8)));
        Self { multi, quiet }
    }

    pub fn stage(&self, stage: &str) -> Progress {
        if self.quiet {
            return Progress::hidden();
        }
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>24.bold} [{bar:30}] {pos}/{len} {msg}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(stage.to_string());
            bar
        });
        Progress { bar, stage: stage.to_string(), last_line: Arc::new(Mutex::new(None)) }
    }

    /// Prints a line above the bars (or plainly) without tearing them.
    pub fn println(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => eprintln!("{line}"),
        }
    }
}

/// One stage's progress handle; cheap to clone.
#[derive(Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
    stage: String,
    last_line: Arc<Mutex<Option<Instant>>>,
}

/// Plain-output lines come at most this often per stage, so logs stay readable.
const LINE_EVERY: Duration = Duration::from_secs(10);

impl Progress {
    /// A handle that shows nothing (tests, library use).
    pub fn hidden() -> Self {
        Self { bar: None, stage: String::new(), last_line: Arc::new(Mutex::new(None)) }
    }

    /// `done` of `total` units (steps, items), with a short message such as `epoch 3 loss 0.12`.
    pub fn update(&self, done: u64, total: u64, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
            bar.set_message(message.to_string());
            return;
        }
        if self.stage.is_empty() {
            return;
        }
        let mut last = self.last_line.lock().expect("progress lock");
        if last.is_none_or(|t| t.elapsed() >= LINE_EVERY) {
            *last = Some(Instant::now());
            tracing::info!("{}: {done}/{total} {message}", self.stage);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
