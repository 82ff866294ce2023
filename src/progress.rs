//! The progress bar of long scans (history, pushes): files and bytes done,
//! rate and time left, drawn on stderr only when stderr is a terminal.
//!
//! It never writes to stdout, so reports (and `--format json`) stay clean,
//! and it is cleared when the scan ends. Callers may advance it from several
//! threads at once.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    files_done: AtomicU64,
    total_files: u64,
}

impl Progress {
    /// No bar at all: for scans that are not interactive.
    pub fn hidden() -> Self {
        Progress {
            bar: None,
            files_done: AtomicU64::new(0),
            total_files: 0,
        }
    }

    /// A bar over `total_bytes` in `total_files` files, if `wanted` and
    /// stderr is a terminal.
    pub fn new(wanted: bool, label: &str, total_files: u64, total_bytes: u64) -> Self {
        if !wanted || !std::io::stderr().is_terminal() || total_files == 0 {
            return Progress::hidden();
        }
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} {binary_bytes_per_sec} ~{eta} left",
        )
        .expect("the progress template is valid")
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(label.to_string())
            .with_message(format!("0/{total_files} files"));
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress {
            bar: Some(bar),
            files_done: AtomicU64::new(0),
            total_files,
        }
    }

    /// One more file of `bytes` bytes is done.
    pub fn file_done(&self, bytes: u64) {
        let Some(bar) = &self.bar else { return };
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        bar.inc(bytes);
        bar.set_message(format!("{done}/{} files", self.total_files));
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // An error mid-scan must not leave a half-drawn bar behind.
        self.finish();
    }
}
