//! leakgate's integration tests: real `git` in temporary repositories, the
//! real binary, and real `git commit` runs with the hook installed.

mod util;
mod workflow_snapshots;

mod baseline;
mod ci_mode;
mod commit_hook;
mod config;
mod content;
mod detection;
mod doctor;
mod git_layer;
mod gitleaks;
mod history;
mod hook_managers;
mod install;
mod output;
mod pre_push;
mod pre_receive;
mod precommit_framework;
mod regression;
mod repo_formats;
mod repo_states;
mod reports;
mod scan_files;
mod secrecy;
mod snapshots;
mod staged_index;
mod terminal;
mod verify;
