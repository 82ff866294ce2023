//! leakgate: a git hook that blocks commits adding secrets.
//!
//! The data flows source → engine → findings → report:
//! [`source`] turns the staged index, history, a push or files on disk into
//! jobs (blobs with their new lines, or text such as a commit message),
//! [`pipeline`] scans every job in parallel the same way, [`engine`] finds
//! secrets in each one, [`finding`] holds them
//! (and alone decides redaction), and [`report`] prints them. [`scan`] wires
//! one scan together and applies the [`baseline`]; [`git`] runs every git
//! command and reads objects; [`hooks`] installs the git hooks and
//! [`doctor`] checks them; [`server`] runs the pre-receive check on a git
//! server; [`app`] maps commands to exit codes.

pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod content;
pub mod doctor;
pub mod engine;
pub mod finding;
pub mod git;
pub mod hooks;
pub mod location;
pub mod path;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod server;
pub mod source;
pub mod verify;
