//! leakgate: a git hook that blocks commits adding secrets.
//!
//! The data flows source → engine → findings → report:
//! [`source`] turns the staged index, history or files on disk into blobs with their
//! new lines, [`engine`] finds secrets in each blob, [`finding`] holds them
//! (and alone decides redaction), and [`report`] prints them. [`scan`] wires
//! one scan together and applies the [`baseline`]; [`pipeline`] scans many
//! blobs of a repository in parallel; [`hooks`] installs the git hooks and
//! [`doctor`] checks them; [`app`] maps commands to exit codes.

pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod content;
pub mod doctor;
pub mod engine;
pub mod finding;
pub mod hooks;
pub mod location;
pub mod path;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod source_text;
